import { GCP, isUnknown, lastSegment, type StackResource, stringAt } from "../../iam";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource } from "../values";

export interface NoServiceAccountKeysConfig {
  readonly allowedAccounts: readonly string[];
}

const KINDS: Readonly<Record<string, { readonly account: string; readonly what: string }>> = {
  [GCP.serviceAccountKey]: { account: "serviceAccountId", what: "a long-lived private key" },
  [GCP.hmacKey]: {
    account: "serviceAccountEmail",
    what: "a long-lived HMAC key (Cloud Storage access through its S3-compatible API)",
  },
};

/**
 * Invariant 8: no keys. A key works from anywhere until someone deletes it, and Pulumi keeps it in the stack's
 * state; code on Google Cloud gets short-lived tokens from the metadata server instead.
 * https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys
 *
 * A stack rule, although it judges each key alone: with scope "call-graph" a key for one of the call graph's
 * accounts is caught wherever in the stack it is declared, and which accounts those are only the rest of the stack
 * says (policy/scope.ts).
 */
export const noServiceAccountKeys = stackRule<NoServiceAccountKeysConfig>({
  name: "no-service-account-keys",
  description:
    "The stack creates no service-account keys (gcp.serviceaccount.Key) and no HMAC keys for service accounts.",
  remediation:
    "Use the runtime's own identity on Google Cloud, and Workload Identity Federation or service-account impersonation elsewhere.",
  fields: {
    allowedAccounts: {
      type: "string-list",
      default: [],
      description:
        "Service-account emails that may have keys (e.g. for a system that cannot use workload identity federation).",
    },
  },
  check(resources, config): Finding[] {
    return resources.flatMap((resource) => keyFindings(resource, config));
  },
});

function keyFindings(resource: StackResource, config: NoServiceAccountKeysConfig): Finding[] {
  const kind = KINDS[resource.type];
  if (!kind) return [];
  const account = stringAt(resource.props, kind.account);
  if (config.allowedAccounts.length > 0) {
    if (isUnknown(account)) {
      return [
        undecided(
          resource.urn,
          `${describeResource(resource)}: whose key it is is not known until deployment`,
          account,
        ),
      ];
    }
    const email = account === undefined ? undefined : lastSegment(account).toLowerCase();
    if (email && config.allowedAccounts.some((a) => a.toLowerCase() === email)) return [];
  }
  const owner =
    typeof account === "string" ? lastSegment(account) : "a service account (not known until deployment)";
  return [
    violation(
      resource.urn,
      `${describeResource(resource)} creates ${kind.what} for ${owner}: it works from anywhere until someone deletes it, ` +
        "and Pulumi stores it in the stack's state.",
      "remove the key; code on Google Cloud gets short-lived tokens for its own account from the metadata server, and code " +
        "elsewhere can use Workload Identity Federation or service-account impersonation; if a key is unavoidable, list the " +
        "account in allowedAccounts.",
    ),
  ];
}
