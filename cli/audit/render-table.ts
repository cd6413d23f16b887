import { describeRef } from "../../live/audit/describe-ref";
import { RISK_STYLE } from "../render/risk-style";
import { plural } from "../render/words";
import type { AuditReport } from "./assessed";

/** The audit for a terminal: each function's invokers beside the declaration, then the findings with their fix. */
export function renderAuditTable(report: AuditReport): string {
  const lines = [
    `callgraph audit: stack ${report.stack}, project ${report.project}, ${report.region}` +
      (report.apiRoot ? ` (Google APIs at ${report.apiRoot})` : ""),
    "",
  ];
  const rows = report.functions.flatMap((f) =>
    (f.invokers.length > 0 ? f.invokers : [undefined]).map((i) => [
      `${f.name}${f.status === "deployed" ? "" : ` (${f.status})`}${f.state && f.state !== "ACTIVE" ? ` [${f.state}]` : ""}${f.complete ? "" : " *"}`,
      i?.member ?? "nobody",
      i ? roleCell(i) : "",
      i?.grantedOn ? describeRef(i.grantedOn) : "",
      i ? (i.declared ? "yes" : "NO") : "",
      i ? (i.live ? "yes" : "NO") : "",
    ]),
  );
  lines.push(...table(["FUNCTION", "MEMBER", "ROLE", "GRANTED ON", "DECLARED", "LIVE"], rows), "");
  for (const f of report.findings) {
    lines.push(
      `${RISK_STYLE[f.risk].word} [${f.kind}] ${f.subject}`,
      `  ${f.problem}`,
      `  why:  ${f.reasons.join("; ")}`,
      `  fix:  ${f.fix}`,
    );
    if (f.source) lines.push(`  see:  ${f.source}`);
    lines.push("");
  }
  for (const n of report.notVisible)
    lines.push(`NOT VISIBLE ${n.subject}`, `  ${n.problem}`, `  fix:  ${n.fix}`, "");
  const { high, medium, low } = report.counts;
  lines.push(
    report.findings.length === 0
      ? `No drift: the live project grants what the declaration does${report.notVisible.length > 0 ? `, as far as the audit could see (${plural(report.notVisible.length, "read")} not visible; * marks functions it concerns)` : ""}.`
      : `${plural(report.findings.length, "finding")}: ${high} high, ${medium} medium, ${low} low.`,
  );
  return `${lines.join("\n")}\n`;
}

/** The role, and for a member that acts as an account, how: `roles/run.invoker (as fn-login, by roles/iam.…)`. */
export function roleCell(i: { role: string; via?: { account: string; role: string } }): string {
  return i.via ? `${i.role} (as ${i.via.account.split("@")[0]}, by ${i.via.role})` : i.role;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
