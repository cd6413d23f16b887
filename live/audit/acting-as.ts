import { bindingsOf, isInheritedScope, isUnknown, normalizeMember } from "../../iam";
import { describeRef, removeBindingCommand } from "./describe-ref";
import type { LiveSnapshot } from "./types";

/**
 * Roles that let a principal act as a service account, and so do what it may do (invoke what it may invoke):
 * - Token Creator: "create short-lived credentials for a service account … OpenID Connect (OIDC) ID tokens"
 *   (`iam.serviceAccounts.getOpenIdToken`, `getAccessToken`, `signJwt`, `signBlob`, `implicitDelegation`);
 * - OpenID Token Creator: "lets principals create short-lived OIDC ID tokens";
 * - Workload Identity User: `iam.serviceAccounts.getAccessToken` and `getOpenIdToken`;
 * - Service Account User: "lets a principal attach a service account to a resource. When the code running on that
 *   resource needs to authenticate, it can get credentials for the attached service account": with the right to
 *   deploy (or to create a Scheduler job or push subscription, which need only `actAs` to have Google mint an
 *   OIDC token for the account), it calls as the account. It mints nothing by itself, hence `mints: false`.
 * https://cloud.google.com/iam/docs/service-account-permissions
 */
export const ACTING_ROLES: Readonly<Record<string, { readonly short: string; readonly mints: boolean }>> = {
  "roles/iam.serviceAccountTokenCreator": { short: "token creator", mints: true },
  "roles/iam.serviceAccountOpenIdTokenCreator": { short: "OpenID token creator", mints: true },
  "roles/iam.workloadIdentityUser": { short: "workload identity user", mints: true },
  "roles/iam.serviceAccountUser": { short: "service account user", mints: false },
};

/** One principal that may act as one service account. */
export interface Actor {
  /** As IAM compares it (email in lower case). */
  readonly member: string;
  readonly role: string;
  readonly account: string;
  /** Where the role is granted, in words: `service account A`, `project P`, `folder F`, `organization O`. */
  readonly grantedOn: string;
  /** The gcloud command that removes the grant. */
  readonly remove: string;
  readonly condition?: string;
}

/**
 * Who may act as each of `accounts`: the acting roles on the account's own IAM policy (read per account), and on
 * the project, its folders and organization, which every service account of the project inherits
 * (https://cloud.google.com/iam/docs/service-account-permissions: "You can grant … on the project … to let a
 * principal … act as every service account in the project"). An account's grant to itself is left out.
 */
export function actorsOf(
  live: Pick<LiveSnapshot, "policies" | "accountPolicies" | "project">,
  accounts: readonly string[],
): Map<string, Actor[]> {
  const inherited = live.policies
    .filter((p) => isInheritedScope(p.ref.scope) && p.observed.visible)
    .flatMap((p) =>
      actingGrants(p.observed.visible ? p.observed.value : undefined).map((g) => ({ ...g, ref: p.ref })),
    );
  const result = new Map<string, Actor[]>();
  for (const account of accounts) {
    const actors: Actor[] = [];
    const own = live.accountPolicies.get(account);
    if (own?.visible)
      for (const g of actingGrants(own.value))
        actors.push({
          ...g,
          account,
          grantedOn: `service account ${account}`,
          // https://cloud.google.com/sdk/gcloud/reference/iam/service-accounts/remove-iam-policy-binding
          remove: `gcloud iam service-accounts remove-iam-policy-binding ${account} --member=${g.member} --role=${g.role}`,
        });
    if (inProject(account, live.project))
      for (const g of inherited)
        actors.push({
          member: g.member,
          role: g.role,
          ...(g.condition ? { condition: g.condition } : {}),
          account,
          grantedOn: describeRef(g.ref),
          remove: removeBindingCommand(g.ref, g.member, g.role),
        });
    const others = actors.filter((a) => a.member !== `serviceAccount:${account}`);
    if (others.length > 0) result.set(account, others);
  }
  return result;
}

function actingGrants(policy: unknown): { member: string; role: string; condition?: string }[] {
  return bindingsOf(policy).flatMap((b) =>
    ACTING_ROLES[b.role] === undefined
      ? []
      : b.members.map((m) => ({
          member: normalizeMember(m),
          role: b.role,
          ...(b.condition === undefined
            ? {}
            : { condition: isUnknown(b.condition) ? "hidden (version 1 policy)" : b.condition.expression }),
        })),
  );
}

/**
 * Whether the account lives in the project (so the project's and its ancestors' grants reach it): a user-managed
 * account `ID@PROJECT.iam.gserviceaccount.com` or the App Engine default `PROJECT@appspot.gserviceaccount.com`
 * (https://cloud.google.com/iam/docs/service-account-types).
 */
function inProject(account: string, project: string): boolean {
  return (
    account.endsWith(`@${project}.iam.gserviceaccount.com`) ||
    account === `${project}@appspot.gserviceaccount.com`
  );
}
