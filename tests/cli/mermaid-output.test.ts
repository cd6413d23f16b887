import { computeDiff } from "../../cli/diff/compute-diff";
import type { Revisions } from "../../cli/diff/types";
import { renderDiffMarkdown } from "../../cli/render/diff-markdown";
import { renderDiffMermaid } from "../../cli/render/diff-mermaid";
import { renderGraphMermaid } from "../../cli/render/graph-mermaid";
import { runChecker } from "./support/child-check";
import { graphOf, handWrittenMember } from "./support/graphs";
import { grownBy, SMALL } from "./support/large-change";
import type { MermaidCheck } from "./support/mermaid-check.mts";
import { REVIEWED } from "./support/reviewed";

const REVISIONS: Revisions = {
  base: { ref: "main", commit: "0".repeat(40) },
  head: { ref: "working tree" },
  stack: "dev",
};

/** The Mermaid blocks of a PR comment, as GitHub will hand them to Mermaid. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]);
}

/** A change with one of everything the diagram draws: rename, removal, addition, public and undeclared access. */
const EVERYTHING = computeDiff(
  graphOf({ ...SMALL, old: { calls: ["profiles"], code: "x" } }),
  graphOf(
    {
      login: { calls: ["profiles", "search"], invokers: ["group:dev@example.com"] },
      profiles: {},
      search: {},
      renamed: { calls: ["profiles"], code: "x" },
      status: { invokers: ["allUsers"] },
    },
    [handWrittenMember("odd", "profiles", 'user:"quoted" <#tag>@example.com')],
  ),
);

describe("Mermaid output parses with Mermaid", () => {
  let results: MermaidCheck[];
  const diagrams = {
    graph: renderGraphMermaid(REVIEWED),
    everything: mermaidBlocks(renderDiffMarkdown(EVERYTHING, REVISIONS)),
    fifty: mermaidBlocks(renderDiffMarkdown(computeDiff(graphOf(SMALL), graphOf(grownBy(50))), REVISIONS)),
    capped: mermaidBlocks(renderDiffMarkdown(computeDiff(graphOf(SMALL), graphOf(grownBy(400))), REVISIONS)),
  };

  beforeAll(async () => {
    // One process for every diagram: loading Mermaid costs about a second.
    results = await runChecker<MermaidCheck[]>("mermaid-check.mts", [
      diagrams.graph,
      ...diagrams.everything,
      ...diagrams.fifty,
      ...diagrams.capped,
    ]);
  }, 60_000);

  test("each PR comment holds exactly one diagram", () => {
    expect([diagrams.everything.length, diagrams.fifty.length, diagrams.capped.length]).toEqual([1, 1, 1]);
  });

  test("every diagram is a flowchart Mermaid accepts", () => {
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(results.map((r) => r.type)).toEqual([
      "flowchart-v2",
      "flowchart-v2",
      "flowchart-v2",
      "flowchart-v2",
    ]);
  });

  test("the graph: one vertex per function and member, one edge per 'may invoke'", () => {
    const members = new Set(REVIEWED.invocations.filter((i) => i.kind !== "function").map((i) => i.invoker));
    expect(results[0].vertices).toHaveLength(REVIEWED.functions.length + members.size);
    expect(results[0].edges).toHaveLength(REVIEWED.invocations.length);
  });

  test("the diff: added, removed and undeclared links styled apart, the rename labelled", () => {
    const { edges = [], vertices = [] } = results[1];
    const drawn = EVERYTHING.invocations.filter(
      (i) => i.status !== "kept" || (i.kind === "function" && i.invoker !== "old"),
    );
    expect(edges.length).toBeGreaterThanOrEqual(
      EVERYTHING.invocations.filter((i) => i.status !== "kept").length,
    );
    expect(edges.length).toBeLessThanOrEqual(drawn.length);
    const stroke = (colour: string) =>
      edges.filter((e) => e.style.some((s) => s === `stroke:${colour}`)).length;
    expect(stroke("#1a7f37")).toBe(
      EVERYTHING.invocations.filter((i) => i.status === "added" && !i.undeclared).length,
    );
    expect(stroke("#cf222e")).toBe(EVERYTHING.invocations.filter((i) => i.status === "removed").length);
    expect(stroke("#bc4c00")).toBe(1);
    expect(edges.filter((e) => e.style.includes("stroke-dasharray:5 5")).length).toBe(stroke("#cf222e"));
    expect(vertices).toContain("old → renamed");
  });

  test("a 50-function change draws every changed link; past the cap, the diagram is cut and says so", () => {
    const changed = (n: number) =>
      computeDiff(graphOf(SMALL), graphOf(grownBy(n))).invocations.filter((i) => i.status !== "kept").length;
    expect(results[2].edges?.length).toBeGreaterThanOrEqual(changed(50));
    expect((results[3].edges ?? []).length).toBeLessThan(changed(400));
    expect(renderDiffMermaid(computeDiff(graphOf(SMALL), graphOf(grownBy(400))), 20)?.omitted).toBe(
      changed(400) - 20,
    );
  });
});
