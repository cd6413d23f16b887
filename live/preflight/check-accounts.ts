import { describeRefusal } from "./check-apis";
import type { DeclaredAccount } from "./declared";
import type { Finding, Observed } from "./types";

/** A user-managed key, as `projects.serviceAccounts.keys.list` lists it (`name` ends in the key id). */
export interface LiveKey {
  readonly name: string;
  readonly validAfterTime?: string;
}

/** An account as the project has it: absent, or present with its state and user-managed keys. */
export type LiveAccount =
  | { readonly exists: false }
  | { readonly exists: true; readonly disabled: boolean; readonly keys: Observed<readonly LiveKey[]> };

const KEYS_SOURCE = "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list";

/**
 * Findings for the accounts the deployment uses (the build account, every function's runtime account), given
 * what `projects.serviceAccounts.get` and `keys.list?keyTypes=USER_MANAGED` answered. A user-managed key is a
 * blocker: callgraph's accounts must hold none (DESIGN.md invariant 8), and a key outlives every deploy.
 */
export function checkAccounts(
  accounts: readonly DeclaredAccount[],
  live: ReadonlyMap<string, Observed<LiveAccount>>,
  project: string,
): Finding[] {
  const findings: Finding[] = [];
  for (const account of accounts) {
    const subject = `${account.email} (${[...(account.createdBy ? [`created by ${account.createdBy}`] : []), ...account.roles].join(", ") || "declared"})`;
    const observed = live.get(account.email);
    if (!observed || !observed.visible) {
      findings.push({
        check: "service-accounts",
        severity: "not-visible",
        subject,
        problem: `could not read the account (${observed ? describeRefusal(observed) : "not read"})`,
        fix: "grant the deployer iam.serviceAccounts.get and iam.serviceAccountKeys.list (e.g. roles/iam.serviceAccountViewer)",
        source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/get",
      });
      continue;
    }
    const state = observed.value;
    if (!state.exists) {
      if (!account.createdBy) {
        findings.push({
          check: "service-accounts",
          severity: "blocker",
          subject,
          problem:
            "does not exist, and the program does not create it: the function cannot be deployed to run or build as it.",
          fix: `create it (gcloud iam service-accounts create ${account.email.split("@")[0]} --project=${project}) or let the program declare it`,
        });
      }
      continue;
    }
    if (state.disabled) {
      findings.push({
        check: "service-accounts",
        severity: "blocker",
        subject,
        problem: "exists but is disabled: a function running or building as it fails.",
        fix: `gcloud iam service-accounts enable ${account.email} --project=${project}`,
        source: "https://cloud.google.com/iam/docs/service-accounts-disable-enable",
      });
    }
    if (account.createdBy) {
      findings.push({
        check: "service-accounts",
        severity: "note",
        subject,
        problem:
          "already exists. Fine if this stack created it; if not, creating it fails with 409 alreadyExists: " +
          `import it first (pulumi import gcp:serviceaccount/account:Account ${account.createdBy} projects/${project}/serviceAccounts/${account.email}).`,
      });
    }
    if (!state.keys.visible) {
      findings.push({
        check: "service-accounts",
        severity: "not-visible",
        subject,
        problem: `could not list its keys (${describeRefusal(state.keys)}); not known to be keyless.`,
        fix: "grant the deployer iam.serviceAccountKeys.list (e.g. roles/iam.serviceAccountViewer)",
        source: KEYS_SOURCE,
      });
      continue;
    }
    for (const key of state.keys.value) {
      const id = key.name.slice(key.name.lastIndexOf("/") + 1);
      findings.push({
        check: "service-accounts",
        severity: "blocker",
        subject,
        problem:
          `holds user-managed key ${id}${key.validAfterTime ? ` (created ${key.validAfterTime})` : ""}: ` +
          "anyone with the key file acts as the account, outside IAM's view; callgraph's accounts hold no keys.",
        fix: `gcloud iam service-accounts keys delete ${id} --iam-account=${account.email} --project=${project}`,
        source: KEYS_SOURCE,
      });
    }
  }
  return findings;
}
