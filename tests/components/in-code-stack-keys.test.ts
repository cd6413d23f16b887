/**
 * A declaration in code and the stack's config, key by key (components/call-graph-inputs.ts): what the code gives
 * replaces the stack's key, what it leaves out is the stack's, and the stack's `callgraph:principals` gives members
 * to the principals the code declares without any (names in the program, members per stack). A stack key the code
 * replaces is ignored with a warning naming it. The local stack gives a principal left unset in code its demo
 * identity, as it does for a stack file's.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { evaluate, EvaluationError, type Evaluation } from "../../engine";
import { callFunction, demoMember, fetchIdTokenFrom, startLocalStack, type LocalStack } from "../../local";
import { readSamples } from "../../local/scenario";
import { sampleOf } from "../../cli/invoke/sample-request";
import { stackFileIgnored } from "../../testing/declaration";
import { registeredDeclarations } from "../../engine/registered-declarations";
import { fn, frontBackDeclaration, OUTSIDER, PROJECT, ProgramRepo, TEAM } from "../cli/support/program-repo";

const DECLARATION = frontBackDeclaration([]);
const BASE = { "gcp:project": PROJECT, "gcp:region": "europe-west1" };

const repo = ProgramRepo.create().declareInCode(JSON.stringify(DECLARATION));
const stackFile = (stack: string, config: Record<string, unknown>) =>
  repo.write(`Pulumi.${stack}.yaml`, stringify({ config: { ...BASE, ...config } }));
stackFile("members", { "callgraph:principals": { team: [TEAM] }, "callgraph:generation": 1 });
stackFile("replaced", {
  "callgraph:functions": { other: fn() },
  "callgraph:callers": { nightly: { scheduler: { schedule: "0 3 * * *" }, calls: ["back"] } },
  "callgraph:principals": { team: [TEAM], typo: [OUTSIDER], constructor: [OUTSIDER] },
});
stackFile("bad", { "callgraph:principals": { team: ["allUsers"] }, "callgraph:runtime": "nodejs1" });
stackFile("unset", {});
repo.write("fn/echo/sample.json", JSON.stringify({ method: "POST", body: { ping: 1 }, expectedStatus: 200 }));
repo.settle(); // evaluated several times here, each in this process rather than a fresh one
afterAll(() => repo.dispose());

/** The evaluation and what the program warned (the SDK prints `pulumi.log.warn` to console.warn under mocks). */
async function evaluated(
  stack: string,
  preview: boolean,
): Promise<{ evaluation: Evaluation; warnings: string[] }> {
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  try {
    const evaluation = await evaluate({ programDir: repo.dir, stack, preview });
    return { evaluation, warnings: warn.mock.calls.map((args) => String(args[0])) };
  } finally {
    warn.mockRestore();
  }
}

const invokersOf = (evaluation: Evaluation, target: string) =>
  evaluation.graph.grants
    .filter((g) => g.target === target)
    .map((g) => g.member)
    .sort();

describe.each([false, true])("a declaration in code over the stack's config (preview: %s)", (preview) => {
  test("the stack's members fill the principal the code leaves unset; its generation is the stack's", async () => {
    const { evaluation, warnings } = await evaluated("members", preview);
    expect(invokersOf(evaluation, "front")).toEqual([TEAM]);
    expect(evaluation.graph.functions.map((f) => [f.name, f.generation])).toEqual([
      ["back", 1],
      ["front", 1],
    ]);
    expect(warnings.filter((w) => w.includes("not set yet"))).toEqual([]);
  }, 60_000);

  test("a stack key the code replaces is ignored, each named in a warning; the code's functions deploy", async () => {
    const { evaluation, warnings } = await evaluated("replaced", preview);
    expect(evaluation.graph.functions.map((f) => f.name).sort()).toEqual(["back", "front"]);
    expect(invokersOf(evaluation, "front")).toEqual([TEAM]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          "callgraph:functions: ignored: the program gives CallGraph its declaration in code, whose functions and callers deploy",
        ),
        expect.stringContaining(
          "callgraph:callers: ignored: the program gives CallGraph its declaration in code, whose functions and callers deploy",
        ),
        expect.stringContaining(
          'callgraph:principals.typo: ignored: the declaration in code declares no principal "typo"',
        ),
        expect.stringContaining(
          'callgraph:principals.constructor: ignored: the declaration in code declares no principal "constructor"',
        ),
      ]),
    );
    expect(evaluation.graph.grants.map((g) => g.member)).not.toContain(OUTSIDER);
    expect(evaluation.graph.sources).toEqual([]); // the stack's caller grants nothing
    expect(evaluation.graph.grants.map((g) => g.member).join(" ")).not.toMatch(/nightly/);
    // The stack tests, which read a stack file's declaration, say the program does not deploy it.
    expect(stackFileIgnored("Pulumi.replaced.yaml", evaluation)).toEqual([
      `CallGraph "callgraph" takes its declaration in code, which ignores Pulumi.replaced.yaml's callgraph:functions: remove the key from the stack file, or the declaration from the program`,
    ]);
  }, 60_000);

  test("a program that reads its declaration from the stack file deploys the file's: nothing is ignored", async () => {
    const plain = ProgramRepo.create().topology({ back: fn({ code: "echo" }) });
    try {
      const evaluation = await evaluate({ programDir: plain.dir, preview });
      expect(registeredDeclarations(evaluation.resources).map((d) => d.declaredIn)).toEqual(["stack"]);
      expect(stackFileIgnored("Pulumi.dev.yaml", evaluation)).toEqual([]);
    } finally {
      plain.dispose();
    }
  }, 60_000);

  test("a setting the code gives is the code's, and a stack saying otherwise is named in a warning", async () => {
    const other = ProgramRepo.create();
    try {
      other.declareInCode(JSON.stringify({ ...DECLARATION, generation: 2 }));
      other.write("Pulumi.dev.yaml", stringify({ config: { ...BASE, "callgraph:generation": 1 } }));
      const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
      let warnings: string[];
      let evaluation: Evaluation;
      try {
        evaluation = await evaluate({ programDir: other.dir, preview });
        warnings = warn.mock.calls.map((args) => String(args[0]));
      } finally {
        warn.mockRestore();
      }
      expect(evaluation.graph.functions.map((f) => f.generation)).toEqual([2, 2]);
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringContaining(
            "callgraph:generation: ignored: the declaration in code sets generation 2; remove the key from the stack file",
          ),
        ]),
      );
    } finally {
      other.dispose();
    }
  }, 60_000);

  test("a malformed stack key is refused with the declaration's other problems, before anything registers", async () => {
    const failure = await evaluate({ programDir: repo.dir, stack: "bad", preview }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EvaluationError);
    const { message, resources } = failure as EvaluationError;
    expect(message.split("\n").slice(0, 2)).toEqual([
      "Invalid call graph in the program's code (CallGraph's declaration, over the stack's config), 3 problems:",
      expect.stringMatching(/^ {2}callgraph:principals\.team\[0\]: .*a principal cannot be public/),
    ]);
    expect(message).toContain('functions.front.runtime: "nodejs1" (from callgraph:runtime) is not offered');
    expect(resources.filter((r) => !r.type.startsWith("pulumi:"))).toEqual([]);
  }, 60_000);

  test("a principal unset in code and in the stack grants nothing, and the warning says which command sets it", async () => {
    const { evaluation, warnings } = await evaluated("unset", preview);
    expect(invokersOf(evaluation, "front")).toEqual([]);
    // No generation in the stack or the code: the default, 2nd gen (the "members" stack's 1 is the stack's).
    expect(evaluation.graph.functions.map((f) => f.generation)).toEqual([2, 2]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /callgraph:principals\.team: not set yet, .*pulumi config set --path 'callgraph:principals\.team\[0\]'/,
        ),
      ]),
    );
  }, 60_000);
});

describe("the local stack, for a principal the code leaves unset", () => {
  let stack: LocalStack;
  let warnings: string[];
  beforeAll(async () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    stack = await startLocalStack({ programDir: repo.dir, stack: "unset", extraIdentities: [OUTSIDER] });
    warnings = warn.mock.calls.map((args) => String(args[0]));
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    jest.restoreAllMocks();
  });

  const get = async (as: string) => {
    const token = await fetchIdTokenFrom(stack.identities[as].metadataHost, stack.functions.front.url);
    return (await callFunction(stack.functions.front.url, { method: "GET" }, token)).status;
  };

  test("gives it its demo identity, which may call what the principal may call, and no one else may", async () => {
    expect(stack.description.principals).toEqual({ team: demoMember("team") });
    expect(await get(demoMember("team"))).toBe(200);
    expect(await get(OUTSIDER)).toBe(403);
  }, 30_000);

  test("the program ran twice (the second time with the demo identity), and each of its warnings is printed once", () => {
    expect(warnings.filter((w) => w.includes("callgraph:principals.team: not set yet"))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('declares "back", but no code of front calls it'))).toHaveLength(
      1,
    );
    expect(new Set(warnings).size).toBe(warnings.length);
  });

  test("finds each function's sample.json in its folder as declared in code, for the scenario and invoke", () => {
    expect(stack.description.functions.back.sourceFolder).toBe("fn/echo");
    expect(readSamples(stack).get("back")?.request).toMatchObject({ method: "POST", body: { ping: 1 } });
    expect(sampleOf(repo.dir, "unset", "back", "fn/echo")?.expectedStatus).toBe(200);
    // No folder in the description (an older version wrote it): the stack file declares nothing to read one from.
    expect(sampleOf(repo.dir, "unset", "back", undefined)).toBeUndefined();
    // A sample outside the project is not read, whoever wrote its folder into the description: by `..`, or by a
    // symlink out of the project. There is one there to read.
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-outside-"));
    try {
      fs.writeFileSync(
        path.join(outside, "sample.json"),
        JSON.stringify({ method: "GET", expectedStatus: 200 }),
      );
      fs.symlinkSync(outside, path.join(repo.dir, "fn", "linked"));
      expect(sampleOf(repo.dir, "unset", "back", path.relative(repo.dir, outside))).toBeUndefined();
      expect(sampleOf(repo.dir, "unset", "back", "fn/linked")).toBeUndefined();
      expect(sampleOf(repo.dir, "unset", "back", outside)).toBeUndefined();
    } finally {
      fs.rmSync(path.join(repo.dir, "fn", "linked"), { force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test("only here: the deployment's evaluation grants the principal nothing", async () => {
    const deployed = await evaluate({ programDir: repo.dir, stack: "unset" });
    expect(invokersOf(deployed, "front")).toEqual([]);
  }, 60_000);
});
