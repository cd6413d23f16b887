import { describeRef } from "../../live/audit/describe-ref";
import { cell, code } from "../render/diff-markdown";
import { RISK_STYLE } from "../render/risk-style";
import { plural } from "../render/words";
import type { AuditReport } from "./assessed";
import { roleCell } from "./render-table";

/** First line of the issue body: the scheduled workflow finds its own issue by it and edits it in place. */
export const AUDIT_MARKER = "<!-- callgraph-audit -->";

/** Functions past this many are listed collapsed. */
const OPEN_FUNCTIONS = 10;

/**
 * The audit as Markdown, in the style of the diff comment: a heading with the counts per risk, the findings in one
 * table (risk badge, kind, subject, why, fix), what could not be read, then each function's effective invokers
 * next to the declaration.
 */
export function renderAuditMarkdown(report: AuditReport): string {
  const { high, medium, low } = report.counts;
  const out = [AUDIT_MARKER];
  const where = `stack \`${report.stack}\`, project \`${report.project}\`, ${report.region}`;
  if (report.findings.length === 0)
    out.push(
      "### Call graph audit: no drift",
      "",
      `${where}: the live project grants exactly what the declaration does.`,
    );
  else {
    out.push(
      `### Call graph audit: ${high} high · ${medium} medium · ${low} low`,
      "",
      `${where}: ${plural(report.findings.length, "finding")}.`,
      "",
    );
    out.push("| risk | finding | what | why | fix |", "|---|---|---|---|---|");
    for (const f of report.findings)
      out.push(
        `| ${RISK_STYLE[f.risk].badge} | ${f.kind} | ${code(f.subject)} | ${cell(f.reasons.join("; "))} | ${code(f.fix)} |`,
      );
  }
  if (report.notVisible.length > 0) {
    out.push(
      "",
      `**Not visible** (${plural(report.notVisible.length, "read")} refused: what they hide is not known to be clean):`,
      "",
    );
    for (const n of report.notVisible)
      out.push(`- ${code(n.subject)}: ${cell(n.problem)} Fix: ${cell(n.fix)}`);
  }
  const source = report.policySource;
  out.push(
    "",
    source.mode === "asset"
      ? `<sub>Policies from one Asset Inventory search of \`${source.scope}\` (${plural(source.requests, "page")}).</sub>`
      : `<sub>Policies read one by one${source.assetRefusal ? `; the Asset query was not used: ${cell(source.assetRefusal)}` : ""}.</sub>`,
  );
  const open = report.functions.length <= OPEN_FUNCTIONS ? " open" : "";
  out.push(
    "",
    `<details${open}><summary>Who may invoke each function (${plural(report.functions.length, "function")})</summary>`,
    "",
  );
  out.push("| function | member | role | granted on | declared | live |", "|---|---|---|---|---|---|");
  for (const f of report.functions) {
    const status = `${f.status === "deployed" ? "" : ` (${f.status})`}${f.state && f.state !== "ACTIVE" ? ` [${f.state}]` : ""}`;
    if (f.invokers.length === 0) out.push(`| ${code(f.name)}${status} | nobody | | | | |`);
    for (const i of f.invokers)
      out.push(
        `| ${code(f.name)}${status}${f.complete ? "" : " ⚠"} | ${code(i.member)} | ${code(roleCell(i))} | ${i.grantedOn ? cell(describeRef(i.grantedOn)) : ""}${i.condition ? ` (if ${cell(i.condition)})` : ""} | ${i.declared ? "yes" : "**no**"} | ${i.live ? "yes" : "**no**"} |`,
      );
  }
  out.push(
    "</details>",
    "",
    "<sub>⚠: a policy governing it was not visible. Risk labels: docs/review.md; run locally with `callgraph audit`.</sub>",
  );
  return `${out.join("\n")}\n`;
}
