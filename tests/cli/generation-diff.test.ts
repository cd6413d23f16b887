import { computeDiff } from "../../cli/diff/compute-diff";
import { renderDiffMarkdown } from "../../cli/render/diff-markdown";
import { evaluate } from "../../engine";

const config = (profilesGeneration: 1 | 2) => ({
  "gcp:project": "callgraph-gen-test",
  "gcp:region": "us-central1",
  "callgraph:functions": {
    login: { calls: ["profiles"], invokers: ["group:developers@example.com"] },
    profiles: { generation: profilesGeneration, invokers: ["user:auditor@example.com"] },
    search: { calls: ["profiles"] },
  },
});

// Issue 7: moving one function to 2nd gen is a generation change with its grants carried over, not a removed
// function and an unrelated new one (the invoker role differs per generation, the grant is the same).
describe.each([false, true])("profiles moves from gen1 to gen2 (preview: %s)", (preview) => {
  test("one generation change, no grant added or removed", async () => {
    const base = await evaluate({ stack: "gen", config: config(1), preview });
    const head = await evaluate({ stack: "gen", config: config(2), preview });
    const diff = computeDiff(base.graph, head.graph);
    expect(diff.changes.map((c) => [c.kind, c.subject, c.risk])).toEqual([
      ["generation-changed", "profiles", "medium"],
    ]);
    expect(diff.invocations.every((i) => i.status === "kept")).toBe(true);
    expect(diff.invocations.map((i) => `${i.invoker}->${i.function}`)).toEqual([
      "group:developers@example.com->login",
      "login->profiles",
      "search->profiles",
      "user:auditor@example.com->profiles",
    ]);
  });

  test("and back again", async () => {
    const base = await evaluate({ stack: "gen", config: config(2), preview });
    const head = await evaluate({ stack: "gen", config: config(1), preview });
    expect(computeDiff(base.graph, head.graph).changes.map((c) => c.kind)).toEqual(["generation-changed"]);
  });
});

test("the PR comment names the generation change and says the grants carry over", async () => {
  const diff = computeDiff(
    (await evaluate({ stack: "gen", config: config(1) })).graph,
    (await evaluate({ stack: "gen", config: config(2) })).graph,
  );
  const markdown = renderDiffMarkdown(diff, {
    base: { ref: "main", commit: "0123456789abcdef" },
    head: { ref: "working tree" },
    stack: "gen",
  });
  expect(markdown).toContain("generation 1 → 2");
  expect(markdown).toContain("its account and grants carry over");
});
