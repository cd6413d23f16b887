/**
 * Two `CallGraph`s of one program in one project would both create the project's build account and image repository
 * under the same ids: `pulumi up` would fail on the second ("already exists"), which no evaluation could see. The
 * second is refused before it registers anything, naming both; two in different projects are fine, and a program
 * evaluated again in the same process (update, then preview) is not refused by its own earlier run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, EvaluationError } from "../../engine";
import { codeFolder } from "../local/temp-project";

const LEAF = `import { secured, sendJson } from "callgraph/runtime";

export const handler = secured(async (_req, res) => sendJson(res, 200, { ok: true }));
`;

const graph = (name: string, fn: string, project: string) => `new CallGraph("${name}", {
  project: "${project}",
  projectNumber: "123456789012",
  region: "europe-west1",
  declaration: { functions: { ${fn}: { entryPoint: "handler" } } },
});
`;

function program(secondProject: string): string {
  const { dir } = codeFolder("two-graphs");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: two-graphs\nmain: index.ts\nruntime: nodejs\n");
  fs.writeFileSync(
    path.join(dir, "index.ts"),
    `import { CallGraph } from "callgraph";\n\n${graph("orders", "orders", "shop-prod")}${graph("billing", "billing", secondProject)}`,
  );
  for (const fn of ["orders", "billing"]) {
    fs.mkdirSync(path.join(dir, "functions", fn), { recursive: true });
    fs.writeFileSync(path.join(dir, "functions", fn, "index.ts"), LEAF);
  }
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
  return dir;
}

test("a second CallGraph in the same project is refused before it registers anything, naming both", async () => {
  const dir = program("shop-prod");
  try {
    for (const preview of [false, true]) {
      const failure = await evaluate({ programDir: dir, stack: "dev", preview }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(EvaluationError);
      const { message, resources } = failure as EvaluationError;
      expect(message).toContain(
        'CallGraph "billing": project shop-prod already has CallGraph "orders" in this program, and one project holds one: both would create the build account callgraph-build and the image repository callgraph-functions',
      );
      // Refused as the program's top level runs: nothing of the second graph is registered (nor, the throw coming
      // before the first graph's registrations reach the engine, of the first).
      expect(resources.filter((r) => r.name.startsWith("billing"))).toEqual([]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test("two CallGraphs in two projects, evaluated twice in one process (update, then preview)", async () => {
  const dir = program("ledger-prod");
  try {
    for (const preview of [false, true]) {
      const { graph: evaluated } = await evaluate({ programDir: dir, stack: "dev", preview });
      expect(evaluated.functions.map((f) => `${f.name} in ${f.project}`).sort()).toEqual([
        "billing in ledger-prod",
        "orders in shop-prod",
      ]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
