import * as fs from "node:fs";
import * as path from "node:path";
import type { EdgeUse } from "../../callsites";
import { renderGraphDot } from "../../cli/render/graph-dot";
import { renderGraphJson } from "../../cli/render/graph-json";
import { renderGraphMermaid } from "../../cli/render/graph-mermaid";
import { renderGraphTable } from "../../cli/render/graph-table";
import { evidenceText } from "../../cli/render/edge-evidence-text";
import { reviewGraph } from "../../cli/review/review-graph";
import { callSitesOf, edgeCallSites } from "../../engine";
import { evaluateFixture, fixtureSource, REPO_ROOT, type FixtureCode } from "../fixtures";
import { runChecker } from "./support/child-check";
import { account, graphOf, handWrittenMember } from "./support/graphs";
import type { MermaidCheck } from "./support/mermaid-check.mts";

/** `file:line` of the fixture's one `downstream.call(`, found in its source so an edit to the fixture moves it. */
function callLine(code: FixtureCode): string {
  const file = `${fixtureSource(code)}/index.ts`;
  const lines = fs.readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n");
  return `${file}:${lines.findIndex((l) => l.includes("downstream.call(")) + 1}`;
}

const HEADING = { stack: "dev", project: "p" };
const site = (callee: string, file: string, line: number) => ({ callee, file, line, column: 5 });
const dynamicSite = (file: string, line: number) => ({ file, line, column: 3, expression: "req.query.to" });

/** alpha calls beta twice, gamma declares beta but never calls it; beta calls nothing. */
const GRAPH = graphOf({ alpha: { calls: ["beta"] }, beta: {}, gamma: { calls: ["beta"] } });
const USES: EdgeUse[] = [
  {
    caller: "alpha",
    callee: "beta",
    callSites: [site("beta", "functions/alpha/index.ts", 14), site("beta", "functions/alpha/util.ts", 3)],
    dynamic: [],
  },
  { caller: "gamma", callee: "beta", callSites: [], dynamic: [] },
];

describe("evidenceText", () => {
  test("names each site as file:line, marks dynamic ones, and says unused when nothing calls", () => {
    expect(evidenceText({ callSites: USES[0].callSites, dynamic: [] })).toBe(
      "functions/alpha/index.ts:14, functions/alpha/util.ts:3",
    );
    expect(evidenceText({ callSites: [], dynamic: [dynamicSite("functions/x/index.ts", 9)] })).toBe(
      "dynamic functions/x/index.ts:9",
    );
    expect(evidenceText({ callSites: [], dynamic: [] })).toBe("unused");
  });

  test("past three sites it names the first three and counts the rest", () => {
    const many = [1, 2, 3, 4, 5].map((n) => site("beta", "a.ts", n));
    expect(evidenceText({ callSites: many, dynamic: [dynamicSite("b.ts", 7)] })).toBe(
      "a.ts:1, a.ts:2, a.ts:3, +3 more",
    );
  });
});

describe("graph renderers show why each edge exists", () => {
  const graph = reviewGraph(GRAPH, USES);

  test("reviewGraph attaches evidence to function edges only, and none without uses", () => {
    expect(graph.invocations.map((i) => [i.invoker, i.function, i.evidence?.callSites.length])).toEqual([
      ["alpha", "beta", 2],
      ["gamma", "beta", 0],
    ]);
    expect(reviewGraph(GRAPH).invocations.every((i) => i.evidence === undefined)).toBe(true);
  });

  test("table: a call-site section and an UNUSED mark", () => {
    const table = renderGraphTable(graph, HEADING);
    expect(table).toContain("alpha, gamma [UNUSED]");
    expect(table).toContain(
      [
        "Call sites (the code each edge exists for):",
        "  alpha -> beta  functions/alpha/index.ts:14, functions/alpha/util.ts:3",
        "  gamma -> beta  unused",
      ].join("\n"),
    );
    expect(renderGraphTable(reviewGraph(GRAPH), HEADING)).not.toContain("Call sites");
  });

  test("mermaid and dot label each edge with its sites", () => {
    const mermaid = renderGraphMermaid(graph);
    expect(mermaid).toMatch(/-->\|"functions\/alpha\/index\.ts:14, functions\/alpha\/util\.ts:3"\|/);
    expect(mermaid).toMatch(/-->\|"unused"\|/);
    const dot = renderGraphDot(graph);
    expect(dot).toContain(
      '"alpha" -> "beta" [label="functions/alpha/index.ts:14, functions/alpha/util.ts:3"];',
    );
    expect(dot).toContain('"gamma" -> "beta" [label="unused"];');
  });

  test("json: sites with columns and an unused flag; absent keys when not extracted", () => {
    const json = JSON.parse(renderGraphJson(graph, HEADING));
    const beta = json.functions.find((f: { name: string }) => f.name === "beta");
    expect(beta.invokedBy).toEqual([
      expect.objectContaining({
        invoker: "alpha",
        callSites: [
          { file: "functions/alpha/index.ts", line: 14, column: 5 },
          { file: "functions/alpha/util.ts", line: 3, column: 5 },
        ],
        dynamic: [],
        unused: false,
      }),
      expect.objectContaining({ invoker: "gamma", callSites: [], dynamic: [], unused: true }),
    ]);
    const bare = JSON.parse(renderGraphJson(reviewGraph(GRAPH), HEADING));
    expect(bare.functions[1].invokedBy[0]).not.toHaveProperty("unused");
  });
});

describe("labelled edges still parse with Mermaid", () => {
  test("sites, dynamic sites, a count and an undeclared edge's double label", async () => {
    const graph = graphOf({ alpha: { calls: ["beta"] }, beta: {}, gamma: { calls: ["beta"] } }, [
      handWrittenMember("odd", "beta", `serviceAccount:${account("gamma")}`),
    ]);
    const many = [1, 2, 3, 4].map((n) => site("beta", "functions/alpha/a (1).ts", n));
    const dynamic = [dynamicSite("functions/alpha/#x.ts", 2)];
    const uses: EdgeUse[] = [
      { caller: "alpha", callee: "beta", callSites: many, dynamic },
      { caller: "gamma", callee: "beta", callSites: [], dynamic: [] },
    ];
    const mermaid = renderGraphMermaid(reviewGraph(graph, uses));
    expect(mermaid).toContain("undeclared; unused");
    const [result] = await runChecker<MermaidCheck[]>("mermaid-check.mts", [mermaid]);
    expect(result.error).toBeUndefined();
    expect(result.edges).toHaveLength(2);
  }, 60_000);
});

describe("on the fixture topology (alpha and gamma call beta by literal name)", () => {
  test("each edge shows the line of its call in the fixture's code", async () => {
    const evaluation = await evaluateFixture();
    const uses = edgeCallSites(evaluation.graph, callSitesOf(evaluation.resources));
    const table = renderGraphTable(reviewGraph(evaluation.graph, uses), HEADING);
    expect(table).toContain(`  alpha -> beta  ${callLine("alpha")}\n  gamma -> beta  ${callLine("gamma")}\n`);
    expect(table).toMatch(/ alpha, gamma\n/);
  }, 60_000);
});
