import { computeDiff } from "../../cli/diff/compute-diff";
import { failOnViolations, FAIL_ON_CLASSES } from "../../cli/diff/fail-on";
import { changeTitle, summaryPhrase } from "../../cli/render/change-labels";
import { renderDiffMermaid } from "../../cli/render/diff-mermaid";
import { renderGraphDot } from "../../cli/render/graph-dot";
import { renderGraphMermaid } from "../../cli/render/graph-mermaid";
import { renderGraphTable } from "../../cli/render/graph-table";
import { reviewGraph } from "../../cli/review/review-graph";
import type { Evaluation } from "../../engine";
import { evaluateFixture, FIXTURE_TARGET, fixtureSource } from "../fixtures";

/** `graph` and `diff` with callers that are not functions: their own shapes, rows and labels. */
const BASE = {
  ...FIXTURE_TARGET,
  "callgraph:generation": 2,
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": {
    alpha: { calls: ["beta"], source: fixtureSource("alpha") },
    beta: { source: fixtureSource("beta") },
  },
};
const HEAD = {
  ...BASE,
  "callgraph:callers": {
    nightly: { scheduler: { schedule: "0 3 * * *" }, calls: ["beta"] },
    orders: { pubsub: { topic: "orders" }, calls: ["alpha"] },
  },
};
const SA = (id: string) => `${id}@${FIXTURE_TARGET["gcp:project"]}.iam.gserviceaccount.com`;

describe.each([false, true])("sources in graph and diff (preview: %s)", (preview) => {
  let base: Evaluation;
  let head: Evaluation;
  beforeAll(async () => {
    base = await evaluateFixture({ config: BASE, preview });
    head = await evaluateFixture({ config: HEAD, preview });
  });

  test("the table counts the sources and lists each with its kind, account and callee; they are not 'other invokers'", () => {
    const table = renderGraphTable(reviewGraph(head.graph), { stack: "s", project: "p" });
    expect(table).toContain("2 functions, 1 edge, 2 sources, 0 other invokers, 0 undeclared grants");
    expect(table).toMatch(
      new RegExp(`\\n  nightly +Cloud Scheduler job +${SA("src-nightly")} +calls beta\\n`),
    );
    expect(table).toMatch(
      new RegExp(`\\n  orders +Pub/Sub push subscription +${SA("src-orders")} +calls alpha\\n`),
    );
    expect(table).toMatch(/\nbeta +gen2 +\S+ +alpha, nightly\n/);
  });

  test("Mermaid and DOT draw each kind in its own shape", () => {
    const mermaid = renderGraphMermaid(reviewGraph(head.graph));
    expect(mermaid).toContain('{{"nightly · Cloud Scheduler job"}}');
    expect(mermaid).toContain('>"orders · Pub/Sub push subscription"]');
    expect(mermaid).not.toContain('(["nightly"])');
    const dot = renderGraphDot(reviewGraph(head.graph));
    expect(dot).toContain(
      `"nightly" [shape=hexagon, label="nightly · Cloud Scheduler job\\n${SA("src-nightly")}"];`,
    );
    expect(dot).toContain(`"orders" [shape=cds,`);
    expect(dot).toContain('"nightly" -> "beta";');
  });

  test("diff labels a new source calling a function, medium risk, and --fail-on new-source catches it", () => {
    const diff = computeDiff(base.graph, head.graph);
    expect(diff.changes.map((c) => [changeTitle(c), c.subject, c.risk, c.reasons[0]])).toEqual([
      [
        "source added",
        "nightly → beta",
        "medium",
        "new source: the nightly Cloud Scheduler job may invoke beta",
      ],
      [
        "source added",
        "orders → alpha",
        "medium",
        "new source: the orders Pub/Sub push subscription may invoke alpha",
      ],
    ]);
    expect(summaryPhrase(diff)).toMatch(/^adds 2 sources/);
    const newSource = FAIL_ON_CLASSES.filter((c) => c.name === "new-source");
    expect(failOnViolations(diff, newSource)).toHaveLength(1);
    expect(
      failOnViolations(
        diff,
        FAIL_ON_CLASSES.filter((c) => c.name === "external"),
      ),
    ).toEqual([]);
    const chart = renderDiffMermaid(diff)!;
    expect(JSON.stringify(chart)).toContain('{{\\"nightly · Cloud Scheduler job\\"}}');
    const back = computeDiff(head.graph, base.graph);
    expect(back.changes.map((c) => [changeTitle(c), c.reasons[0]])).toEqual([
      ["source removed", "source removed: the nightly Cloud Scheduler job may no longer invoke beta"],
      ["source removed", "source removed: the orders Pub/Sub push subscription may no longer invoke alpha"],
    ]);
  });
});
