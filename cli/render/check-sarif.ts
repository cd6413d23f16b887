import type { SourceLocation } from "../review/finding-locations";

/** A policy as the SARIF `rules` describe it. */
export interface SarifRule {
  readonly name: string;
  readonly description: string;
  readonly remediation: string;
}

/** One violation, with the line to annotate. */
export interface SarifFinding {
  readonly policy: string;
  readonly enforcementLevel: "mandatory" | "advisory";
  readonly why: string;
  readonly fix: string;
  readonly urn: string;
  /** `gcp.cloudfunctions.FunctionIamMember "rogue"`. */
  readonly resource: string;
  readonly location: SourceLocation;
}

export interface SarifRun {
  readonly tool: { readonly name: string; readonly version: string; readonly informationUri?: string };
  /** The policies that ran (disabled ones are left out). */
  readonly rules: readonly SarifRule[];
  readonly findings: readonly SarifFinding[];
  /** Code scanning keeps one set of alerts per category: one per stack, so two stacks do not replace each other. */
  readonly category: string;
}

/** https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html (the schema the log names). */
const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/**
 * `callgraph check --format sarif`: SARIF 2.1.0, one result per violation, for GitHub code scanning
 * (github/codeql-action/upload-sarif), which turns each into an alert and an annotation on its line.
 * - `ruleId` is the policy's name; `level` is `error` for a mandatory policy and `warning` for an advisory one.
 * - The message is why (each rule's reason names the resource), then how to fix.
 * - Every result has a location with `region.startLine`: code scanning shows a result only at a line
 *   (microsoft/sarif-sdk rule GH1003, "ProvideRequiredRegionProperties"), and the file is relative to the
 *   repository root (GH1005) with `%SRCROOT%` as its base.
 * - `run.automationDetails.id` is the category (docs.github.com, "SARIF support for code scanning",
 *   `runAutomationDetails` object): `callgraph-check/<stack>/`.
 */
export function renderCheckSarif(run: SarifRun): string {
  const ruleIndex = new Map(run.rules.map((r, i) => [r.name, i]));
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: run.tool.name,
            version: run.tool.version,
            semanticVersion: run.tool.version,
            ...(run.tool.informationUri ? { informationUri: run.tool.informationUri } : {}),
            rules: run.rules.map((r) => ({
              id: r.name,
              name: r.name,
              shortDescription: { text: r.description },
              fullDescription: { text: r.description },
              help: { text: r.remediation },
              properties: { tags: ["security"] },
            })),
          },
        },
        automationDetails: { id: run.category },
        columnKind: "utf16CodeUnits",
        results: run.findings.map((f) => ({
          ruleId: f.policy,
          ...(ruleIndex.has(f.policy) ? { ruleIndex: ruleIndex.get(f.policy) } : {}),
          level: f.enforcementLevel === "mandatory" ? "error" : "warning",
          message: { text: `${sentence(f.why)} To fix: ${sentence(f.fix)}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.location.file, uriBaseId: "%SRCROOT%" },
                region: { startLine: f.location.line, startColumn: f.location.column },
              },
              message: { text: f.location.what },
            },
          ],
          properties: { urn: f.urn, enforcementLevel: f.enforcementLevel },
        })),
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}

/** Text ending in a full stop (rules write some reasons with one, some without). */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
