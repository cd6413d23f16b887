import * as fs from "node:fs";
import * as path from "node:path";
import { runCheck } from "../../cli/commands/check";
import { main } from "../../cli/main";
import { refusedCalls } from "../../cli/review/refused-calls";
import { EvaluationError } from "../../engine";
import { FIXTURE_TARGET, fixtureSource } from "../fixtures";
import { REPO_ROOT, tempProject, writeStackFile } from "../local/temp-project";

// alpha's code calls beta, which alpha does not declare: the program refuses the declaration before registering
// anything. `check --format sarif` still writes a SARIF log, with that finding at the line of the call.
const dir = tempProject("check-refused");
writeStackFile(dir, "dev", {
  ...FIXTURE_TARGET,
  "callgraph:generation": 1,
  "callgraph:functions": {
    alpha: { invokers: ["group:developers@example.com"], source: fixtureSource("alpha") },
    beta: { source: fixtureSource("beta") },
  },
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The line of alpha's code that calls beta, read from the file (not from the checker). */
const ALPHA = `${fixtureSource("alpha")}/index.ts`;
const callLine =
  fs
    .readFileSync(path.join(REPO_ROOT, ALPHA), "utf8")
    .split("\n")
    .findIndex((l) => l.includes("downstream.call(BETA")) + 1;

interface Result {
  ruleId: string;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string };
      region: { startLine: number; startColumn: number };
    };
  }[];
}

describe("check --format sarif on a declaration refused for an undeclared call", () => {
  let out = "";
  let error: unknown;
  beforeAll(async () => {
    error = await runCheck({ dir, stack: "dev", format: "sarif" }, (text) => (out += text)).then(
      () => undefined,
      (e: unknown) => e,
    );
  }, 120_000);

  test("still writes SARIF: one error under function-calls-declared at the file and line of the call", () => {
    expect(error).toBeInstanceOf(EvaluationError);
    const log = JSON.parse(out) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        automationDetails: { id: string };
        results: Result[];
      }[];
    };
    expect(log.version).toBe("2.1.0");
    const [run] = log.runs;
    expect(run.automationDetails.id).toBe("callgraph-check/dev/");
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(["function-calls-declared"]);
    expect(run.results).toHaveLength(1);
    const [result] = run.results;
    expect([result.ruleId, result.level]).toEqual(["function-calls-declared", "error"]);
    expect(result.message.text).toBe(
      `alpha's code calls "beta" (${ALPHA}:${callLine}), which is not in functions.alpha.calls: the program ` +
        'refuses the declaration, so nothing deploys. To fix: add "beta" to functions.alpha.calls in the ' +
        "declaration, or remove the call.",
    );
    const { artifactLocation, region } = result.locations[0].physicalLocation;
    expect(artifactLocation.uri).toBe(ALPHA);
    expect(region.startLine).toBe(callLine);
    // The call's argument: the constant that holds the callee's name.
    const text = fs.readFileSync(path.join(REPO_ROOT, ALPHA), "utf8").split("\n")[callLine - 1];
    expect(text.slice(region.startColumn - 1)).toMatch(/^BETA, /);
  });

  test("the command still fails with the program's error, exit 2, naming the command", async () => {
    let stderr = "";
    const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const code = await main(["node", "callgraph", "check", "--dir", dir, "--format", "sarif"], {
        writeErr: (t) => (stderr += t),
        env: {},
      });
      expect(code).toBe(2);
    } finally {
      stdout.mockRestore();
      process.exitCode = undefined;
    }
    expect(stderr.split("\n")[0]).toMatch(/^callgraph: check: /);
    expect(stderr).toContain(`functions.alpha: code calls "beta" (${ALPHA}:${callLine})`);
  }, 120_000);
});

describe("refusedCalls: the undeclared calls a refused declaration names", () => {
  test("every site of every function; other failures name none", () => {
    const message = [
      "the Pulumi program failed:",
      "  Invalid call graph in stack config (callgraph:functions), 2 problems:",
      '  functions.alpha: code calls "beta" (fns/a/index.ts:12, fns/a/more.ts:3), but "beta" is not in functions.alpha.calls. Add it',
      '  functions.gamma-2: code calls "say \\"hi\\"" (fns/g/index.ts:7), but x',
      '  Pulumi.dev.yaml:9:5: functions.eps: code calls "zeta" (fns/e/index.ts:4), but no function is named "zeta"',
      "  functions.delta: unknown function",
    ].join("\n");
    expect(refusedCalls(message)).toEqual([
      { function: "alpha", callee: "beta", file: "fns/a/index.ts", line: 12 },
      { function: "alpha", callee: "beta", file: "fns/a/more.ts", line: 3 },
      { function: "gamma-2", callee: 'say "hi"', file: "fns/g/index.ts", line: 7 },
      { function: "eps", callee: "zeta", file: "fns/e/index.ts", line: 4, unknownCallee: true },
    ]);
    expect(refusedCalls("Invalid call graph: functions.a.calls[0]: unknown function")).toEqual([]);
  });
});
