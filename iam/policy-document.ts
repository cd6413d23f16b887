import { conditionOf, type IamCondition } from "./condition";
import { Unknown } from "./unknown";

/**
 * One binding of an IAM policy document, as every `getIamPolicy` answers it and as
 * `gcp.organizations.getIAMPolicy` writes `policyData`: `{ "bindings": [{ "role", "members", "condition"? }] }`.
 * https://cloud.google.com/iam/docs/reference/rest/v1/Policy
 */
export interface PolicyBinding {
  readonly role: string;
  readonly members: readonly string[];
  /** Set for a conditional binding (see {@link IamCondition} for what that means). */
  readonly condition?: IamCondition | Unknown;
}

/**
 * A version 1 answer for a policy that holds conditional bindings drops each condition and renames the role to
 * `ROLE_withcond_HASH` (https://cloud.google.com/iam/docs/policies#versions); readers should request version 3
 * (`options.requestedPolicyVersion`), and this reader still recognizes the role, with a condition it cannot see.
 */
const HIDDEN_CONDITION = /^(.+)_withcond_[0-9a-f]+$/;

/**
 * The bindings of an IAM policy document. Malformed parts grant nothing (GCP refuses them): a policy that is not
 * an object, `bindings` that is not a list, a binding without a string `role` or a `members` list, members that
 * are not strings.
 * @param path Where the document sits in its source, for the {@link Unknown} of a hidden condition.
 */
export function bindingsOf(policy: unknown, path = ""): PolicyBinding[] {
  const bindings = (policy as { bindings?: unknown } | null | undefined)?.bindings;
  if (!Array.isArray(bindings)) return [];
  return bindings.flatMap((binding: { role?: unknown; members?: unknown; condition?: unknown }, i) => {
    if (typeof binding?.role !== "string" || !Array.isArray(binding.members)) return [];
    const members = binding.members.filter((m): m is string => typeof m === "string");
    const at = `${path ? `${path}.` : ""}bindings[${i}]`;
    const hidden = HIDDEN_CONDITION.exec(binding.role);
    if (hidden) return [{ role: hidden[1], members, condition: new Unknown(`${at}.condition`) }];
    const condition = conditionOf(binding.condition);
    return [{ role: binding.role, members, ...(condition === undefined ? {} : { condition }) }];
  });
}

/**
 * The bindings of a policy document serialized as JSON (a Pulumi `policyData` input). Text that does not parse
 * grants nothing: GCP rejects it.
 */
export function bindingsOfJson(policyData: string, path = ""): PolicyBinding[] {
  let policy: unknown;
  try {
    policy = JSON.parse(policyData);
  } catch {
    return [];
  }
  return bindingsOf(policy, path);
}
