import type { PreflightReport, Severity } from "./types";

const LABEL: Record<Severity | "ok", string> = {
  blocker: "BLOCKER",
  "not-visible": "NOT VISIBLE",
  warning: "WARNING",
  note: "note",
  ok: "ok",
};

/** The report as text: a summary table of the checks, then every finding with its fix. */
export function renderPreflightTable(report: PreflightReport): string {
  const lines = [
    `callgraph preflight: stack ${report.stack}, project ${report.project}` +
      (report.apiRoot ? ` (Google APIs at ${report.apiRoot})` : ""),
    "",
  ];
  const width = Math.max(...report.checks.map((c) => c.check.length), "CHECK".length);
  const resultWidth = Math.max(...report.checks.map((c) => LABEL[c.result].length), "RESULT".length);
  lines.push(`${"CHECK".padEnd(width)}  ${"RESULT".padEnd(resultWidth)}  EXAMINED`);
  for (const c of report.checks)
    lines.push(`${c.check.padEnd(width)}  ${LABEL[c.result].padEnd(resultWidth)}  ${c.examined}`);
  lines.push("");
  for (const f of report.findings) {
    lines.push(`${LABEL[f.severity]} [${f.check}] ${f.subject}`, `  ${f.problem}`);
    if (f.fix) lines.push(`  fix: ${f.fix}`);
    if (f.source) lines.push(`  see: ${f.source}`);
    lines.push("");
  }
  const count = (s: Severity) => report.findings.filter((f) => f.severity === s).length;
  const blockers = count("blocker");
  const hidden = count("not-visible");
  lines.push(
    blockers > 0
      ? `${blockers} blocker${blockers === 1 ? "" : "s"}: fix ${blockers === 1 ? "it" : "them"} before \`pulumi up\`.`
      : `Nothing blocks a deploy${hidden > 0 ? `, as far as preflight could see: ${hidden} check${hidden === 1 ? "" : "s"} not visible (above)` : ""}.`,
  );
  return `${lines.join("\n")}\n`;
}
