import { isPublicMember } from "../../iam";
import { describeRefusal } from "./check-apis";
import type { DeclaredDeployment } from "./declared";
import type { Finding, Observed } from "./types";

/** The list constraints that can refuse what the program declares. */
export const CONSTRAINTS = {
  /** https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains */
  memberDomains: "iam.allowedPolicyMemberDomains",
  /** https://cloud.google.com/functions/docs/securing/gen-org-policy (values 1stGen, 2ndGen) */
  generations: "cloudfunctions.restrictAllowedGenerations",
  /**
   * https://cloud.google.com/resource-manager/docs/organization-policy/org-policy-constraints
   * (values: the IngressSettings enum, e.g. ALLOW_ALL, ALLOW_INTERNAL_ONLY, ALLOW_INTERNAL_AND_GCLB)
   */
  ingress: "cloudfunctions.allowedIngressSettings",
} as const;

/**
 * One rule of an effective policy (`Policy.spec.rules[]` of the Org Policy API v2). getEffectivePolicy has
 * already merged the hierarchy and evaluated conditions, so a rule normally has no `condition`.
 * https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/projects.policies/getEffectivePolicy
 */
export interface PolicyRule {
  readonly allowAll?: boolean | null;
  readonly denyAll?: boolean | null;
  readonly values?: {
    readonly allowedValues?: readonly string[] | null;
    readonly deniedValues?: readonly string[] | null;
  } | null;
  readonly condition?: unknown;
}

export type ListDecision = "allowed" | "denied" | "undecided";

/**
 * Whether a list constraint's effective rules allow `value`. No rule: the constraint's default, which for the
 * three constraints here allows everything. `allowAll` wins, then `denyAll`; otherwise a denied value is
 * refused, and a value missing from a non-empty allowed list is refused. Values may carry an `is:` prefix.
 * A rule with a condition is left undecided (the effective policy should not have one).
 */
export function listDecision(rules: readonly PolicyRule[], value: string): ListDecision {
  if (rules.some((r) => r.condition)) return "undecided";
  if (rules.some((r) => r.allowAll)) return "allowed";
  if (rules.some((r) => r.denyAll)) return "denied";
  const strip = (v: string) => v.replace(/^is:/, "");
  const allowed = rules.flatMap((r) => r.values?.allowedValues ?? []).map(strip);
  const denied = rules.flatMap((r) => r.values?.deniedValues ?? []).map(strip);
  if (denied.includes(value)) return "denied";
  if (allowed.length > 0 && !allowed.includes(value)) return "denied";
  return "allowed";
}

/** Whether the rules restrict anything at all (some value could be refused). */
function restricts(rules: readonly PolicyRule[]): boolean {
  return (
    !rules.some((r) => r.allowAll) &&
    rules.some((r) => r.denyAll || r.values?.allowedValues?.length || r.values?.deniedValues?.length)
  );
}

const GENERATION_VALUE = { 1: "1stGen", 2: "2ndGen" } as const;

/** Findings for the three constraints, given each one's effective rules as the project sees them. */
export function checkOrgPolicies(
  deployment: Pick<DeclaredDeployment, "project" | "functions" | "members">,
  policies: ReadonlyMap<string, Observed<readonly PolicyRule[]>>,
): Finding[] {
  const findings: Finding[] = [];
  const { project } = deployment;
  const admin = (what: string) =>
    `or ask an organization policy administrator (roles/orgpolicy.policyAdmin) to ${what} for project ${project}`;
  for (const constraint of Object.values(CONSTRAINTS)) {
    const observed = policies.get(constraint);
    if (!observed || !observed.visible) {
      findings.push({
        check: "org-policies",
        severity: "not-visible",
        subject: `constraints/${constraint}`,
        problem: `could not read the effective policy (${observed ? describeRefusal(observed) : "not read"}); not known to be clear.`,
        fix: `grant the deployer orgpolicy.policies.get (roles/orgpolicy.policyViewer), or run \`gcloud org-policies describe ${constraint} --effective --project=${project}\``,
        source:
          "https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/projects.policies/getEffectivePolicy",
      });
      continue;
    }
    const rules = observed.value;
    if (constraint === CONSTRAINTS.generations) {
      for (const f of deployment.functions) {
        const value = GENERATION_VALUE[f.generation];
        const decision = listDecision(rules, value);
        if (decision === "allowed") continue;
        findings.push({
          check: "org-policies",
          severity: decision === "denied" ? "blocker" : "warning",
          subject: `${f.name} (gen ${f.generation})`,
          problem:
            `constraints/${constraint} ${decision === "denied" ? "refuses" : "may refuse"} new ${value} functions in project ${project}` +
            " (a function that already exists can still be redeployed).",
          fix: `set \`generation: ${f.generation === 1 ? 2 : 1}\` on the function (or \`callgraph:generation\` for the stack), ${admin(`allow ${value}`)}`,
          source: "https://cloud.google.com/functions/docs/securing/gen-org-policy",
        });
      }
    } else if (constraint === CONSTRAINTS.ingress) {
      for (const f of deployment.functions) {
        const decision = listDecision(rules, f.ingress);
        if (decision === "allowed") continue;
        findings.push({
          check: "org-policies",
          severity: decision === "denied" ? "blocker" : "warning",
          subject: `${f.name} (ingress ${f.ingress})`,
          problem: `constraints/${constraint} ${decision === "denied" ? "refuses" : "may refuse"} ingress ${f.ingress} in project ${project}.`,
          fix: `set the function's \`ingress\` to an allowed value (${allowedList(rules)}), ${admin(`allow ${f.ingress}`)}`,
          source: "https://cloud.google.com/resource-manager/docs/organization-policy/org-policy-constraints",
        });
      }
    } else if (restricts(rules)) {
      findings.push(...memberFindings(deployment, rules, admin));
    }
  }
  return findings;
}

/**
 * Domain restricted sharing. Its allowed values are Google Workspace customer IDs (`C0…`) or organization
 * principal sets, never an email domain, so for a user, group or domain member preflight cannot tell from the
 * member alone whether it is allowed (that needs the customer ID of its domain, from the Admin SDK). Public
 * members belong to no customer: refused whenever the constraint restricts anything. The project's own
 * service accounts belong to the project's organization, which such a policy allows by design.
 * https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains
 */
function memberFindings(
  deployment: Pick<DeclaredDeployment, "project" | "members">,
  rules: readonly PolicyRule[],
  admin: (what: string) => string,
): Finding[] {
  const source = "https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains";
  const constraint = `constraints/${CONSTRAINTS.memberDomains}`;
  const findings: Finding[] = [];
  const undecided = new Set<string>();
  const ownAccounts = `@${deployment.project}.iam.gserviceaccount.com`;
  for (const m of deployment.members) {
    if (isPublicMember(m.member)) {
      findings.push({
        check: "org-policies",
        severity: "blocker",
        subject: `${m.member} in ${m.resource}`,
        problem: `${constraint} restricts IAM members to allowed customers (${allowedList(rules)}); ${m.member} belongs to none, so granting ${m.role} to it is refused.`,
        fix: `remove ${m.member} from the function's \`invokers\`, ${admin("exempt the project from the constraint")}`,
        source,
      });
    } else if (!m.member.toLowerCase().endsWith(ownAccounts)) {
      undecided.add(m.member);
    }
  }
  if (undecided.size > 0) {
    findings.push({
      check: "org-policies",
      severity: "warning",
      subject: [...undecided].sort().join(", "),
      problem:
        `${constraint} allows only members of ${allowedList(rules)}; preflight cannot tell which customer these belong to ` +
        "(an email domain is not a customer ID). A member outside them makes `pulumi up` fail when it sets the grant.",
      fix:
        "check each member's domain against the allowed customer IDs (`gcloud organizations list` shows DIRECTORY_CUSTOMER_ID), " +
        admin("allow it"),
      source,
    });
  }
  return findings;
}

function allowedList(rules: readonly PolicyRule[]): string {
  const allowed = [...new Set(rules.flatMap((r) => r.values?.allowedValues ?? []))];
  return allowed.length > 0 ? allowed.join(", ") : "none";
}
