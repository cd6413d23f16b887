/**
 * What an effective organization policy decides, read from its rules (`Policy.spec.rules[]` of the Org Policy API
 * v2). getEffectivePolicy has already merged the hierarchy and evaluated conditions, so a rule normally has no
 * `condition`; one that has is left undecided. Pure.
 * https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/projects.policies/getEffectivePolicy,
 * https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/organizations.policies#PolicyRule
 */

/** One rule of an effective policy: `values`, `allowAll`, `denyAll` (list constraints) or `enforce` (boolean). */
export interface PolicyRule {
  readonly allowAll?: boolean | null;
  readonly denyAll?: boolean | null;
  readonly values?: {
    readonly allowedValues?: readonly string[] | null;
    readonly deniedValues?: readonly string[] | null;
  } | null;
  /** Boolean (and managed boolean) constraints: true when the constraint is enforced. */
  readonly enforce?: boolean | null;
  readonly condition?: unknown;
}

export type ListDecision = "allowed" | "denied" | "undecided";

/**
 * Whether a list constraint's effective rules allow `value`. No rule: the constraint's default, which for the
 * list constraints preflight reads allows everything. `allowAll` wins, then `denyAll`; otherwise a denied value is
 * refused, and a value missing from a non-empty allowed list is refused. Values may carry an `is:` prefix.
 * A rule with a condition is left undecided (the effective policy should not have one).
 */
export function listDecision(rules: readonly PolicyRule[], value: string): ListDecision {
  if (rules.some((r) => r.condition)) return "undecided";
  if (rules.some((r) => r.allowAll)) return "allowed";
  if (rules.some((r) => r.denyAll)) return "denied";
  const allowed = allowedValues(rules).map(stripIs);
  const denied = deniedValues(rules).map(stripIs);
  if (denied.includes(value)) return "denied";
  if (allowed.length > 0 && !allowed.includes(value)) return "denied";
  return "allowed";
}

/** Whether the rules restrict anything at all (some value could be refused). */
export function restricts(rules: readonly PolicyRule[]): boolean {
  return (
    !rules.some((r) => r.allowAll) &&
    rules.some((r) => r.denyAll || r.values?.allowedValues?.length || r.values?.deniedValues?.length)
  );
}

export type BooleanDecision = "enforced" | "not-enforced" | "undecided";

/**
 * A boolean constraint's effective state: enforced when a rule says `enforce: true`. No rule is the constraint's
 * default, which is "not enforced" for the boolean constraints preflight reads (`iam.disableServiceAccountCreation`
 * and `cloudfunctions.requireVPCConnector` restrict only where a policy enforces them,
 * https://cloud.google.com/iam/docs/troubleshoot-org-policies; `run.managed.requireInvokerIam` is not enforced by
 * default). A conditional rule is undecided.
 */
export function booleanDecision(rules: readonly PolicyRule[]): BooleanDecision {
  if (rules.some((r) => r.condition)) return "undecided";
  return rules.some((r) => r.enforce === true) ? "enforced" : "not-enforced";
}

export function allowedValues(rules: readonly PolicyRule[]): string[] {
  return [...new Set(rules.flatMap((r) => r.values?.allowedValues ?? []))];
}

export function deniedValues(rules: readonly PolicyRule[]): string[] {
  return [...new Set(rules.flatMap((r) => r.values?.deniedValues ?? []))];
}

function stripIs(value: string): string {
  return value.replace(/^is:/, "");
}

/**
 * The multi-region location group of a region, whose storage Cloud Build reaches Artifact Registry through: "if
 * you are deploying in any of the us regions, you should include us-locations. This allows Cloud Build to access
 * the Artifact Registry storage bucket" (https://cloud.google.com/functions/docs/building). Artifact Registry's
 * multi-regions are `us`, `europe` and `asia` (https://cloud.google.com/artifact-registry/docs/repositories/repo-locations);
 * a region of another continent has none that Google names for this: undefined.
 */
export function multiRegionOf(region: string): "us" | "europe" | "asia" | undefined {
  const prefix = region.split("-")[0];
  return prefix === "us" || prefix === "europe" || prefix === "asia" ? prefix : undefined;
}

/**
 * Whether `gcp.resourceLocations` allows creating a resource in `location` (a region, or a multi-region such as
 * `us`). Its values are locations (`us-central1`, `us`, optionally `is:`-prefixed) and value groups
 * (`in:us-central1-locations`: the region and its zones; `in:us-locations`: every location in the US,
 * the `us` multi-region included); "allowing or denying a multi-region or region does not imply that all included
 * sub-locations should also be allowed or denied"
 * (https://cloud.google.com/resource-manager/docs/organization-policy/defining-locations). A value group this
 * code does not know the members of (e.g. `in:eu-locations`, `in:low-carbon-locations`) may or may not hold the
 * location: undecided, unless a value it does know decides.
 */
export function locationDecision(rules: readonly PolicyRule[], location: string): ListDecision {
  if (rules.some((r) => r.condition)) return "undecided";
  if (rules.some((r) => r.allowAll)) return "allowed";
  if (rules.some((r) => r.denyAll)) return "denied";
  const denied = deniedValues(rules).map((v) => locationMatch(v, location));
  if (denied.includes("yes")) return "denied";
  const allowed = allowedValues(rules).map((v) => locationMatch(v, location));
  if (allowed.includes("yes")) return denied.includes("unknown") ? "undecided" : "allowed";
  if (allowed.includes("unknown") || denied.includes("unknown")) return "undecided";
  return allowed.length > 0 ? "denied" : "allowed";
}

/** Whether one value of `gcp.resourceLocations` covers `location`: yes, no, or unknown (a value group not known). */
function locationMatch(value: string, location: string): "yes" | "no" | "unknown" {
  const v = stripIs(value);
  const group = /^in:(.+)-locations$/.exec(v)?.[1];
  if (group === undefined) return v === location ? "yes" : "no";
  // A region's own group (`in:us-central1-locations`) holds that region (and its zones).
  if (group === location) return "yes";
  // A multi-region's group (`in:us-locations`) holds the multi-region and every region of it.
  if (group === "us" || group === "europe" || group === "asia")
    return location === group || multiRegionOf(location) === group ? "yes" : "no";
  // A region's group never holds another region; anything else is a group whose members are not known here.
  return /^[a-z]+-[a-z]+\d+$/.test(group) ? "no" : "unknown";
}
