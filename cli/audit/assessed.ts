import type { AuditFinding, AuditResult } from "../../live/audit/findings";
import { riskOrder } from "../diff/risk";
import type { Assessment, Risk } from "../diff/types";
import { assessFinding } from "./risk";

export type AssessedFinding = AuditFinding & Assessment;

/** The audit as every renderer reads it: findings with their risk, worst first, and the counts. */
export interface AuditReport extends AuditResult {
  readonly stack: string;
  readonly apiRoot?: string;
  readonly findings: readonly AssessedFinding[];
  readonly counts: Readonly<Record<Risk, number>>;
}

export function assessAudit(result: AuditResult, stack: string, apiRoot?: string): AuditReport {
  const findings = result.findings
    .map((f) => ({ ...f, ...assessFinding(f) }))
    .sort(
      (a, b) =>
        riskOrder(a.risk) - riskOrder(b.risk) ||
        a.kind.localeCompare(b.kind) ||
        a.subject.localeCompare(b.subject),
    );
  const counts = { high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.risk]++;
  return { ...result, stack, ...(apiRoot === undefined ? {} : { apiRoot }), findings, counts };
}
