import { type StackResource } from "../iam";
import type { Finding, Violation } from "./model";
import { violationMessage } from "./model";
import { parsePackConfig, type EnforcementLevel, type PackSettings } from "./pack-config";
import type { Rule } from "./rule";
import { RULES } from "./rules";

/** A violation as `callgraph check` reports it: with the level it is enforced at and the resource it names. */
export interface ReportedViolation extends Violation {
  readonly enforcementLevel: "mandatory" | "advisory";
  readonly resourceType: string;
  readonly resourceName: string;
}

/** A check that could not be decided because a value is unknown until deployment (preview only). */
export interface UndecidedCheck {
  readonly policy: string;
  readonly urn: string;
  readonly why: string;
  /** Where the unknown value sits, e.g. `serviceConfig.serviceAccountEmail`. */
  readonly unknownPath: string;
}

export interface PolicyReport {
  /** Every policy and the level it ran at (`disabled` ones did not run). */
  readonly policies: readonly { readonly name: string; readonly enforcementLevel: EnforcementLevel }[];
  readonly violations: readonly ReportedViolation[];
  readonly undecided: readonly UndecidedCheck[];
}

/**
 * Runs the rules over a stack's resources outside the Pulumi CLI, as the pack would inside it: each
 * resource rule over each resource of its types, each stack rule over all resources.
 */
export function runRules(
  resources: readonly StackResource[],
  settings: PackSettings = parsePackConfig(undefined, RULES, "defaults"),
  rules: readonly Rule[] = RULES,
): PolicyReport {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const violations: ReportedViolation[] = [];
  const undecided: UndecidedCheck[] = [];
  const policies = rules.map((rule) => ({
    name: rule.name,
    enforcementLevel: settings.levels.get(rule.name) ?? "mandatory",
  }));
  for (const rule of rules) {
    const level = settings.levels.get(rule.name) ?? "mandatory";
    if (level === "disabled") continue;
    const config = settings.configs.get(rule.name) ?? {};
    const findings: Finding[] =
      rule.kind === "resource"
        ? resources.filter((r) => rule.types.includes(r.type)).flatMap((r) => rule.check(r, config))
        : rule.check(resources, config);
    for (const f of findings) {
      if (f.kind === "undecided") {
        undecided.push({ policy: rule.name, urn: f.urn, why: f.why, unknownPath: f.unknown.path });
        continue;
      }
      const resource = byUrn.get(f.urn);
      violations.push({
        policy: rule.name,
        urn: f.urn,
        message: violationMessage(f.why, f.fix),
        why: f.why,
        fix: f.fix,
        enforcementLevel: level === "advisory" ? "advisory" : "mandatory",
        resourceType: resource?.type ?? "",
        resourceName: resource?.name ?? "",
      });
    }
  }
  return { policies, violations, undecided };
}
