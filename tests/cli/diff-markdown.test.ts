import { computeDiff } from "../../cli/diff/compute-diff";
import type { Revisions } from "../../cli/diff/types";
import { renderDiffJson } from "../../cli/render/diff-json";
import { COMMENT_MARKER, renderDiffMarkdown } from "../../cli/render/diff-markdown";
import { graphOf, handWrittenMember } from "./support/graphs";
import { grownBy, SMALL } from "./support/large-change";

const REVISIONS: Revisions = {
  base: { ref: "origin/main", commit: "0123456789abcdef0123456789abcdef01234567" },
  head: { ref: "working tree" },
  stack: "dev",
};

/** The comment with every `<details>` section cut out: what a reviewer sees without clicking. */
function visible(markdown: string): string {
  return markdown.replace(/<details(?! open)[\s\S]*?<\/details>/g, "");
}

describe("diff markdown", () => {
  test("no change: a comment that says so, with no table and no diagram", () => {
    const md = renderDiffMarkdown(computeDiff(graphOf(SMALL), graphOf(SMALL)), REVISIONS);
    expect(md.split("\n").slice(0, 4)).toEqual([
      COMMENT_MARKER,
      "### Call graph: no change",
      "",
      "`origin/main` (0123456) → working tree, stack `dev`: no function, edge, invoker or service-account change.",
    ]);
    expect(md).not.toContain("| risk |");
    expect(md).not.toContain("```mermaid");
  });

  test("a small change: heading with counts, one summary line, the table most worrying first, an open diagram", () => {
    const head = graphOf({ ...SMALL, search: {}, status: { invokers: ["allUsers"] }, profiles: {} }, [
      handWrittenMember("rogue", "login", "user:mallory@example.com"),
    ]);
    const md = renderDiffMarkdown(computeDiff(graphOf(SMALL), head), REVISIONS);
    const lines = md.split("\n");
    expect(lines[0]).toBe(COMMENT_MARKER);
    expect(lines[1]).toBe("### Call graph: 2 high · 0 medium · 2 low");
    expect(lines[3]).toBe(
      "`origin/main` (0123456) → working tree, stack `dev`: this change adds 1 public invoker, 1 external invoker and 1 function; has 1 undeclared grant; removes 1 edge.",
    );
    const table = lines.filter((l) => l.startsWith("| ") && !l.startsWith("| risk"));
    expect(table.map((l) => l.split(" | ").slice(0, 3).join(" | "))).toEqual([
      "| 🔴 high | public invoker added | `allUsers → status`",
      "| 🔴 high | invoker added | `user:mallory@example.com → login`",
      "| ⚪ low | function added | `status`",
      "| ⚪ low | edge removed | `search → profiles`",
    ]);
    expect(md).toContain(
      'undeclared grant: made outside the callgraph components (FunctionIamMember "rogue")',
    );
    expect(md).not.toContain("<details");
    expect(md).toContain("```mermaid\nflowchart LR\n");
  });

  test("a 50-function change stays readable: the few high-risk rows open, the rest and the diagram collapsed", () => {
    const diff = computeDiff(graphOf(SMALL), graphOf(grownBy(50)));
    expect(diff.counts).toEqual({ high: 13, medium: 100, low: 51 });
    const md = renderDiffMarkdown(diff, REVISIONS);
    expect(md).toContain("<details open><summary><b>🔴 high</b>: 13 changes</summary>");
    expect(md).toContain("<details><summary><b>🟡 medium</b>: 100 changes</summary>");
    expect(md).toContain("<details><summary><b>⚪ low</b>: 51 changes</summary>");
    expect(md).toMatch(/<details><summary>Diagram of the 52 functions this change touches<\/summary>/);
    expect(md.match(/<details/g)?.length).toBe(md.match(/<\/details>/g)?.length);
    // What shows without a click: the heading, the summary line and the 13 high-risk rows; no diagram.
    const shown = visible(md);
    expect(shown.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| risk"))).toHaveLength(13);
    expect(shown).not.toContain("```mermaid");
    expect(shown.split("\n").filter((l) => l.trim() !== "").length).toBeLessThan(25);
  });

  test("many high-risk rows collapse too", () => {
    const md = renderDiffMarkdown(computeDiff(graphOf(SMALL), graphOf(grownBy(200))), REVISIONS);
    expect(md).toMatch(/<details><summary><b>🔴 high<\/b>: \d+ changes<\/summary>/);
    expect(visible(md)).not.toContain("| risk |");
  });

  test("a few high-risk rows stay open while the rest collapse", () => {
    const head = grownBy(20);
    for (const spec of Object.values(head)) (spec as { invokers?: string[] }).invokers = [];
    head["worker-000"] = { ...head["worker-000"], invokers: ["allUsers"] };
    const md = renderDiffMarkdown(computeDiff(graphOf(SMALL), graphOf(head)), REVISIONS);
    expect(md).toContain("<details open><summary><b>🔴 high</b>: 1 change</summary>");
    expect(visible(md)).toContain("| 🔴 high | public invoker added | `allUsers → worker-000`");
  });

  test("any change fits one GitHub comment: rows past a cap are counted, not listed", () => {
    const md = renderDiffMarkdown(computeDiff(graphOf(SMALL), graphOf(grownBy(400))), REVISIONS);
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md).toMatch(/\| \| \| … and \d+ more \| run `callgraph diff --format json` for all \|/);
    expect(md).toMatch(/\d+ more changed links are not drawn/);
  });

  test("undeclared grants already at base are listed apart, collapsed", () => {
    const rogue = handWrittenMember("rogue", "profiles", "user:mallory@example.com");
    const md = renderDiffMarkdown(computeDiff(graphOf(SMALL, [rogue]), graphOf(SMALL, [rogue])), REVISIONS);
    expect(md).toContain("### Call graph: no change");
    expect(md).toContain("<details><summary>1 undeclared grant already at base (not changed here)</summary>");
    expect(md).toContain(
      '| `user:mallory@example.com → profiles` | `roles/cloudfunctions.invoker` | FunctionIamMember "rogue" |',
    );
  });

  test("text from hand-written grants cannot break the table", () => {
    const head = graphOf(SMALL, [handWrittenMember("odd", "profiles", "user:a|b`c@example.com")]);
    const row = renderDiffMarkdown(computeDiff(graphOf(SMALL), head), REVISIONS)
      .split("\n")
      .find((l) => l.includes("invoker added"));
    // The backtick is shown as it is: the code span's fence is longer than any run of backticks in the value.
    expect(row).toContain("``user:a\\|b`c@example.com → profiles``");
  });
});

describe("diff json", () => {
  test("what was compared, whether anything changed, and the typed diff", () => {
    const diff = computeDiff(graphOf(SMALL), graphOf({ ...SMALL, search: { calls: ["profiles", "login"] } }));
    const json = JSON.parse(renderDiffJson(diff, REVISIONS)) as Record<string, unknown>;
    expect(json).toMatchObject({
      base: REVISIONS.base,
      head: { ref: "working tree" },
      stack: "dev",
      empty: false,
      counts: { high: 0, medium: 1, low: 0 },
    });
    expect(json.changes).toEqual(JSON.parse(JSON.stringify(diff.changes)));
    expect(JSON.parse(renderDiffJson(computeDiff(graphOf(SMALL), graphOf(SMALL)), REVISIONS))).toMatchObject({
      empty: true,
      changes: [],
    });
  });
});
