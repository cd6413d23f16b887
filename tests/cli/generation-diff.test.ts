import { computeDiff } from "../../cli/diff/compute-diff";
import { renderDiffMarkdown } from "../../cli/render/diff-markdown";
import { BASE_TOPOLOGY, evaluateFixture, FIXTURE_TARGET } from "../fixtures";

/** The fixture topology (DESIGN.md invariant 12: never the user's declaration), with beta in `generation`. */
const config = (betaGeneration: 1 | 2) => ({
  ...FIXTURE_TARGET,
  // 2nd-gen URLs carry the project number: given, so nothing is looked up.
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": {
    ...BASE_TOPOLOGY,
    beta: { ...BASE_TOPOLOGY.beta, generation: betaGeneration, invokers: ["user:auditor@example.com"] },
  },
});
const evaluateAt = (options: { config: ReturnType<typeof config>; preview?: boolean }) =>
  evaluateFixture(options);

// Issue 7: moving one function to 2nd gen is a generation change with its grants carried over, not a removed
// function and an unrelated new one (the invoker role differs per generation, the grant is the same).
describe.each([false, true])("beta moves from gen1 to gen2 (preview: %s)", (preview) => {
  test("one generation change, no grant added or removed", async () => {
    const base = await evaluateAt({ config: config(1), preview });
    const head = await evaluateAt({ config: config(2), preview });
    const diff = computeDiff(base.graph, head.graph);
    expect(diff.changes.map((c) => [c.kind, c.subject, c.risk])).toEqual([
      ["generation-changed", "beta", "medium"],
    ]);
    expect(diff.invocations.every((i) => i.status === "kept")).toBe(true);
    expect(diff.invocations.map((i) => `${i.invoker}->${i.function}`)).toEqual([
      "group:developers@example.com->alpha",
      "alpha->beta",
      "gamma->beta",
      "user:auditor@example.com->beta",
      "group:developers@example.com->gamma",
    ]);
  });

  test("and back again", async () => {
    const base = await evaluateAt({ config: config(2), preview });
    const head = await evaluateAt({ config: config(1), preview });
    expect(computeDiff(base.graph, head.graph).changes.map((c) => c.kind)).toEqual(["generation-changed"]);
  });
});

test("the PR comment names the generation change and says the grants carry over", async () => {
  const diff = computeDiff(
    (await evaluateAt({ config: config(1) })).graph,
    (await evaluateAt({ config: config(2) })).graph,
  );
  const markdown = renderDiffMarkdown(diff, {
    base: { ref: "main", commit: "0123456789abcdef" },
    head: { ref: "working tree" },
    stack: "gen",
  });
  expect(markdown).toContain("generation 1 → 2");
  expect(markdown).toContain("its account and grants carry over");
});
