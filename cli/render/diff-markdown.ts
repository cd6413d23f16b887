import type { Change, GrantFacts, GraphDiff, Revisions, Risk } from "../diff/types";
import { RISKS } from "../diff/types";
import { siteLocation } from "../../callsites";
import { isUnused } from "../review/edge-evidence";
import { resourceLabel } from "../review/review-graph";
import { changeTitle, revisionsPhrase, summaryPhrase } from "./change-labels";
import { renderDiffMermaid } from "./diff-mermaid";
import { evidenceText, type SiteFormat } from "./edge-evidence-text";
import { markdownCode, markdownText } from "./markdown-text";
import { RISK_STYLE } from "./risk-style";

/** The first line of every comment: the workflow finds its own comment by it and edits it in place. */
export const COMMENT_MARKER = "<!-- callgraph-diff -->";

/** Past this many rows a table (and past this many functions the diagram) starts collapsed. */
const OPEN_ROWS = 15;
const OPEN_DIAGRAM_NODES = 25;
/** GitHub refuses comments over 65,536 characters; stay well below with room for the workflow's footer. */
const MAX_CHARS = 60_000;

const BADGE = (risk: Risk): string => RISK_STYLE[risk].badge;

/**
 * The pull-request comment: a heading with the counts, one summary line, the changes most worrying first, a
 * Mermaid diagram of the changed part of the graph, and undeclared grants that were already there. Small
 * changes read at a glance; past a size each risk level gets its own collapsed section (high stays open while
 * short), and rows past a cap are counted rather than listed, so a 50-function change stays readable and any
 * change fits in one comment. An added edge lists the call sites that use it, each a link to its line when
 * `siteFormat` makes one (./site-links.ts), else `file:line`.
 */
export function renderDiffMarkdown(
  diff: GraphDiff,
  revisions: Revisions,
  siteFormat: SiteFormat = (s) => code(siteLocation(s)),
): string {
  for (const rowCap of [200, 100, 50, 20]) {
    const text = render(diff, revisions, rowCap, rowCap, siteFormat);
    if (text.length <= MAX_CHARS) return text;
  }
  return render(diff, revisions, 10, 30, siteFormat);
}

function render(
  diff: GraphDiff,
  revisions: Revisions,
  rowCap: number,
  linkCap: number,
  siteFormat: SiteFormat,
): string {
  const out = [COMMENT_MARKER];
  if (diff.changes.length === 0) {
    out.push(
      "### Call graph: no change",
      "",
      `${revisionsLine(revisions)}: no function, edge, invoker or service-account change.`,
    );
    out.push(...standing(diff.standingUndeclared));
    return `${out.join("\n")}\n`;
  }
  const { high, medium, low } = diff.counts;
  out.push(
    `### Call graph: ${high} high · ${medium} medium · ${low} low`,
    "",
    `${revisionsLine(revisions)}: this change ${summaryPhrase(diff)}.`,
    "",
  );

  if (diff.changes.length <= OPEN_ROWS) out.push(...table(diff.changes, rowCap, siteFormat));
  else {
    for (const risk of RISKS) {
      const rows = diff.changes.filter((c) => c.risk === risk);
      if (rows.length === 0) continue;
      const open = risk === "high" && rows.length <= OPEN_ROWS ? " open" : "";
      out.push(
        `<details${open}><summary><b>${BADGE(risk)}</b>: ${rows.length} change${rows.length === 1 ? "" : "s"}</summary>`,
        "",
        ...table(rows, rowCap, siteFormat),
        "</details>",
        "",
      );
    }
  }

  const diagram = renderDiffMermaid(diff, linkCap);
  if (diagram) {
    const block = ["```mermaid", diagram.text, "```", legend(diagram.omitted)];
    if (diagram.nodes <= OPEN_DIAGRAM_NODES) out.push("", ...block);
    else
      out.push(
        "",
        `<details><summary>Diagram of the ${diagram.nodes} functions this change touches</summary>`,
        "",
        ...block,
        "</details>",
      );
  }
  out.push(...standing(diff.standingUndeclared));
  out.push(
    "",
    "<sub>Risk labels and how to run this locally: docs/review.md (`callgraph diff --base REF`).</sub>",
  );
  return `${out.join("\n")}\n`;
}

function table(rows: readonly Change[], cap: number, siteFormat: SiteFormat): string[] {
  const lines = ["| risk | change | what | why |", "|---|---|---|---|"];
  for (const c of rows.slice(0, cap))
    lines.push(
      `| ${BADGE(c.risk)} | ${changeTitle(c)} | ${code(c.subject)} | ${cell(c.reasons.join("; "))}${callSites(c, siteFormat)} |`,
    );
  if (rows.length > cap)
    lines.push(`| | | … and ${rows.length - cap} more | run \`callgraph diff --format json\` for all |`);
  return lines;
}

/** An added edge's call sites after its reasons (an unused one says so among them); already cell-safe. */
function callSites(c: Change, siteFormat: SiteFormat): string {
  if (c.kind !== "grant-added" || !c.evidence || isUnused(c.evidence)) return "";
  return `<br>call sites: ${evidenceText(c.evidence, siteFormat)}`;
}

function standing(grants: readonly GrantFacts[]): string[] {
  if (grants.length === 0) return [];
  const rows = grants.map(
    (g) =>
      `| ${code(`${g.member} → ${g.function === "*" ? "every function" : g.function}`)} | ${code(g.role)} | ${cell(g.resources.map(resourceLabel).join(", "))} | ${cell(g.undeclared.join("; "))} |`,
  );
  return [
    "",
    `<details><summary>${grants.length} undeclared grant${grants.length === 1 ? "" : "s"} already at base (not changed here)</summary>`,
    "",
    "| grant | role | made by | why undeclared |",
    "|---|---|---|---|",
    ...rows,
    "</details>",
  ];
}

function legend(omitted: number): string {
  const more =
    omitted > 0
      ? ` ${omitted} more changed link${omitted === 1 ? " is" : "s are"} not drawn (see the table).`
      : "";
  return `<sub>Green: access added · red dotted: access removed · orange: added by an undeclared grant · grey: unchanged.${more}</sub>`;
}

/** The revisions compared, every ref and the stack escaped: a branch name is the pull request's to choose. */
function revisionsLine(revisions: Revisions): string {
  return revisionsPhrase(revisions, (ref) => markdownCode(ref, "text"), markdownText);
}

/**
 * A value as inline code in a table cell (markdown-text.ts: no backtick ends it, no pipe splits the cell, no
 * newline ends the row). Every value the comment prints goes through this or {@link cell}.
 */
export function code(text: string): string {
  return markdownCode(text);
}

/** A value as literal text in a table cell or a line: no HTML, markup, cell break, newline or mention of its own. */
export function cell(text: string): string {
  return markdownText(text);
}
