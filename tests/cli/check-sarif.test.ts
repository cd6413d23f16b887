import * as fs from "node:fs";
import * as path from "node:path";
import { runCheck } from "../../cli/commands/check";
import { CheckFailed } from "../../cli/errors";
import { declarationLines } from "../../cli/review/declaration-lines";
import { constructionPosition, keyPosition, repositoryPath } from "../../cli/review/finding-locations";
import { fn, PROJECT, ProgramRepo } from "./support/program-repo";

/** A program that runs the declared graph, then grants `user:mallory` on `worker` by hand (two lines apart). */
const ROGUE_INDEX = `import * as gcp from "@pulumi/gcp";
import program = require("./program");

export = async () => {
  const outputs = await program();
  new gcp.cloudfunctions.FunctionIamMember(
    "rogue",
    {
      project: "${PROJECT}",
      region: "europe-west1",
      cloudFunction: "worker",
      role: "roles/cloudfunctions.invoker",
      member: "user:mallory@example.com",
    },
  );
  return outputs;
};
`;

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: { startLine: number; startColumn: number };
    };
    message: { text: string };
  }[];
}
interface SarifLog {
  version: string;
  $schema: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; shortDescription: { text: string } }[] } };
    automationDetails: { id: string };
    results: SarifResult[];
  }[];
}

let repo: ProgramRepo;
/** The check with the stack's own policy config: evaluated once, read by several tests. */
let checked: { log: SarifLog; error?: unknown };

beforeAll(async () => {
  repo = ProgramRepo.create();
  // `front` is public by declaration, which this stack's policy forbids (forbidPublic).
  repo.topology({
    front: fn({ invokers: ["allUsers"] }),
    worker: fn({ code: "hello" }),
  });
  repo.write(
    "Pulumi.dev.yaml",
    `${repo.read("Pulumi.dev.yaml")}  callgraph:policy:\n    function-no-public-invoker:\n      forbidPublic: true\n`,
  );
  repo.write("program.ts", repo.read("index.ts")).write("index.ts", ROGUE_INDEX);
  repo.commit("rogue");
  checked = await sarif();
}, 120_000);
afterAll(() => repo.dispose());

async function sarif(extra: { policyConfig?: string } = {}): Promise<{ log: SarifLog; error?: unknown }> {
  let out = "";
  try {
    await runCheck({ dir: repo.dir, format: "sarif", ...extra }, (text) => (out += text));
    return { log: JSON.parse(out) as SarifLog };
  } catch (error) {
    return { log: JSON.parse(out) as SarifLog, error };
  }
}

/** The text of `file`'s line `line` (1-based) in the temp repository. */
const lineOf = (file: string, line: number) => repo.read(file).split("\n")[line - 1];

describe("callgraph check --format sarif", () => {
  test("SARIF 2.1.0, one run named after the tool and the stack, every policy that ran as a rule", async () => {
    const { log, error } = checked;
    expect(error).toBeInstanceOf(CheckFailed);
    expect((error as Error).message).toMatch(
      /^check: \d+ mandatory policy violations? in stack dev\. Fix each result of the SARIF log \(level error\) as its message says$/,
    );
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
    expect(log.runs).toHaveLength(1);
    const [run] = log.runs;
    expect(run.tool.driver.name).toBe("callgraph");
    expect(run.automationDetails.id).toBe("callgraph-check/dev/");
    expect(run.tool.driver.rules.map((r) => r.id)).toContain("function-no-public-invoker");
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(result.locations).toHaveLength(1);
      expect(result.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
      expect(result.locations[0].physicalLocation.artifactLocation.uriBaseId).toBe("%SRCROOT%");
    }
  });

  test("a declared public invoker: an error at the stack file's line that declares the function", async () => {
    const { log } = checked;
    const results = log.runs[0].results.filter((r) => r.ruleId === "function-no-public-invoker");
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result.level).toBe("error");
    expect(result.message.text).toMatch(/allUsers/);
    expect(result.message.text).toContain(" To fix: ");
    const { artifactLocation, region } = result.locations[0].physicalLocation;
    expect(artifactLocation.uri).toBe("Pulumi.dev.yaml");
    expect(lineOf("Pulumi.dev.yaml", region.startLine).trim()).toBe("front:");
    expect(result.locations[0].message.text).toBe('function "front"');
  });

  test("a grant written by hand: an error at the index.ts line that constructs it", async () => {
    const { log } = checked;
    const results = log.runs[0].results.filter((r) => r.message.text.includes('"rogue"'));
    expect(results.map((r) => r.ruleId)).toContain("function-invokers-match-declaration");
    for (const result of results) {
      const { artifactLocation, region } = result.locations[0].physicalLocation;
      expect(artifactLocation.uri).toBe("index.ts");
      expect(lineOf("index.ts", region.startLine)).toBe("  new gcp.cloudfunctions.FunctionIamMember(");
      expect(region.startColumn).toBe(3);
      expect(result.locations[0].message.text).toBe('resource "rogue"');
    }
  });

  test("an advisory policy's violations are warnings, and do not fail the check", async () => {
    const file = path.join(repo.dir, "advisory.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ all: "advisory", "function-no-public-invoker": { forbidPublic: true } }),
    );
    const { log, error } = await sarif({ policyConfig: file });
    expect(error).toBeUndefined();
    expect(log.runs[0].results.length).toBeGreaterThan(0);
    expect(new Set(log.runs[0].results.map((r) => r.level))).toEqual(new Set(["warning"]));
  });
});

describe("a declaration in code", () => {
  let inCode: ProgramRepo;
  afterAll(() => inCode?.dispose());

  test("a finding about a function is at its key in the program's code, not at the stack file", async () => {
    inCode = ProgramRepo.create();
    inCode.write(
      "Pulumi.dev.yaml",
      `config:\n  gcp:project: ${PROJECT}\n  gcp:region: europe-west1\n  callgraph:policy:\n    function-no-public-invoker:\n      forbidPublic: true\n`,
    );
    inCode.declareInCode(
      JSON.stringify(
        { functions: { worker: fn({ code: "hello" }), front: fn({ invokers: ["allUsers"] }) } },
        null,
        2,
      ),
    );
    inCode.settle().commit("in-code");
    let out = "";
    await runCheck({ dir: inCode.dir, format: "sarif" }, (text) => (out += text)).catch(() => undefined);
    const log = JSON.parse(out) as SarifLog;
    const [result] = log.runs[0].results.filter((r) => r.ruleId === "function-no-public-invoker");
    const { artifactLocation, region } = result.locations[0].physicalLocation;
    expect(artifactLocation.uri).toBe("index.ts");
    expect(inCode.read("index.ts").split("\n")[region.startLine - 1].trim()).toMatch(/^"front": \{/);
    expect(result.locations[0].message.text).toBe('function "front" (declared in code)');
  }, 120_000);
});

test("keyPosition: a function's key in code, quoted or not, never a string of a list", () => {
  const text =
    'const d = {\n  functions: {\n    orders: { calls: ["billing"] },\n    "billing": {},\n  },\n};\n';
  expect(keyPosition(text, "orders")).toEqual({ line: 3, column: 5 });
  expect(keyPosition(text, "billing")).toEqual({ line: 4, column: 5 });
  expect(keyPosition(text, "order")).toBeUndefined();
});

describe("check --format json carries a schemaVersion", () => {
  test("first key, an integer", async () => {
    let out = "";
    await runCheck({ dir: repo.dir, format: "json" }, (text) => (out += text)).catch(() => undefined);
    const document = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(document)[0]).toBe("schemaVersion");
    expect(document.schemaVersion).toBe(1);
    expect(document.stack).toBe("dev");
  });
});

describe("where a declaration is written", () => {
  const STACK = [
    "config:",
    "  gcp:project: p",
    "  callgraph:functions:",
    "    api:",
    "      calls: [db]",
    '    "db": {}',
    "  callgraph:policy:",
    "    all: mandatory",
  ].join("\n");

  test("each function's key under callgraph:functions, 1-based line and column", () => {
    const lines = declarationLines(STACK, "callgraph");
    expect(lines.functions).toEqual({ line: 3, column: 3 });
    expect(Object.fromEntries(lines.byFunction)).toEqual({
      api: { line: 4, column: 5 },
      db: { line: 6, column: 5 },
    });
  });

  test("a key without namespace belongs to the project (Pulumi's rule): `functions:` in project callgraph only", () => {
    const bare = STACK.replace("callgraph:functions:", "functions:");
    expect(declarationLines(bare, "callgraph").byFunction.get("db")).toEqual({ line: 6, column: 5 });
    expect(declarationLines(bare, "other").byFunction.size).toBe(0);
  });

  test("a file that does not parse, or declares nothing, has no lines", () => {
    expect(declarationLines("config: [", "callgraph").byFunction.size).toBe(0);
    expect(declarationLines("config: {}\n", "callgraph")).toEqual({ byFunction: new Map() });
  });
});

describe("where the program constructs a resource", () => {
  const PROGRAM = [
    'const config = new pulumi.Config("callgraph");',
    'const graph = new CallGraph("callgraph", {});',
    "new gcp.storage.BucketIAMMember(",
    '  "reader",',
    "  {},",
    ");",
    'const label = "orphan";',
  ].join("\n");

  test.each([
    ["callgraph", "callgraph:index:CallGraph", { line: 2, column: 15 }],
    ["reader", "gcp:storage/bucketIAMMember:BucketIAMMember", { line: 3, column: 1 }],
    ["orphan", "gcp:storage/bucket:Bucket", { line: 7, column: 15 }],
    ["nowhere", "gcp:storage/bucket:Bucket", undefined],
  ])("%s (%s)", (name, type, expected) => {
    expect(constructionPosition(PROGRAM, name, type)).toEqual(expected);
  });

  test("paths are relative to the repository root, with forward slashes", () => {
    expect(repositoryPath(path.join(repo.dir, "Pulumi.dev.yaml"))).toBe("Pulumi.dev.yaml");
    expect(repositoryPath(path.join(repo.dir, "sub", "index.ts"))).toBe("sub/index.ts");
  });
});
