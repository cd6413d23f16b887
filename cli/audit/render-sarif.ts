import { FINDING_KINDS } from "../../live/audit/findings";
import type { SourceLocation } from "../review/finding-locations";
import type { AuditReport } from "./assessed";

/** https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html (the schema the log names). */
const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

const LEVEL = { high: "error", medium: "warning", low: "note" } as const;

/**
 * `callgraph audit --format sarif`: SARIF 2.1.0 with the conventions of `check --format sarif`
 * (cli/render/check-sarif.ts): one rule per finding kind, one result per finding, `level` from the risk (high:
 * error, medium: warning, low: note), each located at the line of the stack file that declares the function (or
 * at `callgraph:functions` for what no function declares), since code scanning shows results only at a line; the
 * category `callgraph-audit/<stack>/` keeps one set of alerts per stack.
 */
export function renderAuditSarif(
  report: AuditReport,
  tool: { name: string; version: string },
  locate: (fn: string | undefined) => SourceLocation,
): string {
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            rules: FINDING_KINDS.map((kind) => ({
              id: kind,
              name: kind,
              shortDescription: { text: kind.replace(/-/g, " ") },
              properties: { tags: ["security"] },
            })),
          },
        },
        automationDetails: { id: `callgraph-audit/${report.stack}/` },
        columnKind: "utf16CodeUnits",
        results: report.findings.map((f) => {
          const at = locate(f.function);
          return {
            ruleId: f.kind,
            ruleIndex: FINDING_KINDS.indexOf(f.kind),
            level: LEVEL[f.risk],
            message: { text: `${f.subject}: ${f.problem} To fix: ${f.fix}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: at.file, uriBaseId: "%SRCROOT%" },
                  region: { startLine: at.line, startColumn: at.column },
                },
                message: { text: at.what },
              },
            ],
            // Code scanning merges results by fingerprint: the same drift on the next run is the same alert.
            partialFingerprints: { callgraphAudit: `${f.kind}:${f.subject}` },
            properties: { risk: f.risk, project: report.project },
          };
        }),
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
