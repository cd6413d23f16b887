/**
 * A `CallGraph` given its project and number in code, with neither in stack config: every 2nd-gen function's URL, as
 * the engine's mocks answer it, is the one the component predicted from that number (each function's
 * `CALLGRAPH_SELF_URL`, and its callers' callee URLs), so the local stack's audiences and the code's agree. Before,
 * the mocks knew only `callgraph:projectNumber` and answered a stand-in number.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate } from "../../engine";
import { codeFolder } from "../local/temp-project";

const NUMBER = "987654321098";

const PROGRAM = `import { CallGraph } from "callgraph";

new CallGraph("team", {
  project: "code-project",
  projectNumber: "${NUMBER}",
  region: "europe-west1",
  declaration: {
    generation: 2,
    functions: {
      orders: { calls: ["billing"], entryPoint: "handler" },
      billing: { entryPoint: "handler" },
    },
  },
});
`;

const CALLER = `import { secured, sendJson } from "callgraph/runtime";

export const handler = secured(async (_req, res, { downstream }) => {
  const answer = await downstream.call("billing", { method: "GET" });
  sendJson(res, 200, { from: answer.body });
});
`;

const LEAF = `import { secured, sendJson } from "callgraph/runtime";

export const handler = secured(async (_req, res) => sendJson(res, 200, { ok: true }));
`;

let dir: string;
beforeAll(() => {
  ({ dir } = codeFolder("in-code-number"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: team-calls\nmain: index.ts\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  for (const [name, text] of Object.entries({ orders: CALLER, billing: LEAF })) {
    fs.mkdirSync(path.join(dir, "functions", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "functions", name, "index.ts"), text);
  }
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test.each([
  ["pulumi up", false],
  ["pulumi preview", true],
])(
  "every function's URL carries the number given in code (%s)",
  async (_mode, preview) => {
    const { graph } = await evaluate({ programDir: dir, stack: "dev", preview });
    const urls = Object.fromEntries(graph.functions.map((f) => [f.name, f.url]));
    expect(urls).toEqual({
      orders: `https://orders-${NUMBER}.europe-west1.run.app`,
      billing: `https://billing-${NUMBER}.europe-west1.run.app`,
    });
    for (const fn of graph.functions) expect(fn.environment.CALLGRAPH_SELF_URL).toBe(fn.url);
    const orders = graph.functions.find((f) => f.name === "orders")!;
    expect(orders.environment.CALLGRAPH_CALLEES).toContain(urls.billing);
  },
  120_000,
);
