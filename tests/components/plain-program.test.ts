/**
 * `CallGraph` in a program no one here wrote (issue 20): a plain top-level `index.ts`, another resource beside the
 * component, the declaration read from stack config by the component itself, function code importing the runtime by
 * the package's public name. Evaluated the way the CLI and the user's stack tests evaluate it, twice in one process
 * (update, then preview), which a top-level program survives only because the engine runs it again in a fresh
 * process where its modules cannot be reloaded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, EvaluationError } from "../../engine";
import { codeFolder } from "../local/temp-project";

const PROGRAM = `import * as gcp from "@pulumi/gcp";
import { CallGraph } from "callgraph";

// Someone else's resource, beside the call graph.
const reports = new gcp.storage.Bucket("reports", { location: "US", uniformBucketLevelAccess: true });
const graph = new CallGraph("team", {});

export const reportsBucket = reports.name;
export const urls = graph.urls;
`;

const caller = (callee: string) => `import { secured, sendJson } from "callgraph/runtime";

export const handler = secured(async (_req, res, { downstream }) => {
  const answer = await downstream.call("${callee}", { method: "GET" });
  sendJson(res, 200, { from: answer.body });
});
`;

const LEAF = `import { secured, sendJson } from "callgraph/runtime";

export const handler = secured(async (_req, res) => sendJson(res, 200, { ok: true }));
`;

function project(calls: string, code: Record<string, string>): string {
  const { dir } = codeFolder("plain-program");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: team-calls\nmain: index.ts\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  for (const [name, text] of Object.entries(code)) {
    fs.mkdirSync(path.join(dir, "functions", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "functions", name, "index.ts"), text);
  }
  fs.writeFileSync(
    path.join(dir, "Pulumi.dev.yaml"),
    [
      "config:",
      "  gcp:project: team-project",
      "  gcp:region: europe-west1",
      '  callgraph:projectNumber: "123456789012"',
      "  callgraph:functions:",
      `    orders: { calls: [${calls}], entryPoint: handler }`,
      "    billing: { entryPoint: handler }",
      "    audit: { entryPoint: handler }",
      "",
    ].join("\n"),
  );
  return dir;
}

const invokerGrants = (evaluation: { graph: { grants: readonly { target: string; member: string }[] } }) =>
  evaluation.graph.grants.map((g) => `${g.member} -> ${g.target}`).sort();

describe("a plain top-level program with CallGraph beside other resources", () => {
  let dir: string;
  beforeAll(() => {
    dir = project("billing", { orders: caller("billing"), billing: LEAF, audit: LEAF });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["pulumi up", false],
    ["pulumi preview", true],
  ])(
    "registers exactly the declared invoker grants (%s), and leaves the other resource alone",
    async (_mode, preview) => {
      const evaluation = await evaluate({ programDir: dir, stack: "dev", preview });
      expect(invokerGrants(evaluation)).toEqual([
        "serviceAccount:fn-orders@team-project.iam.gserviceaccount.com -> billing",
      ]);
      expect(
        evaluation.resources.filter((r) => r.type === "gcp:storage/bucket:Bucket").map((r) => r.name),
      ).toEqual(expect.arrayContaining(["reports"]));
      expect(Object.keys(evaluation.outputs).sort()).toEqual(["reportsBucket", "urls"]);
    },
    120_000,
  );
});

test("a call to an undeclared function in its code stops the program, naming file and line, registering nothing", async () => {
  const dir = project("billing", { orders: caller("audit"), billing: LEAF, audit: LEAF });
  try {
    const failure = await evaluate({ programDir: dir, stack: "dev" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EvaluationError);
    const { message, resources } = failure as EvaluationError;
    expect(message).toMatch(/functions\.orders: .*"audit".*functions\/orders\/index\.ts:4/s);
    expect(resources).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
