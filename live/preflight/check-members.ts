import { describeRefusal } from "./check-apis";
import type { DeclaredDeployment } from "./declared";
import { isCheckableServiceAccount, memberParts, reservedName, type MemberParts } from "./members";
import type { Finding, Observed } from "./types";

/** Why a member that does not exist blocks: the binding fails, and with it the whole policy write. */
const DOES_NOT_EXIST =
  "`pulumi up` fails setting the grant with `Error 400: … does not exist` (GoogleCloudPlatform/cloud-foundation-fabric#1549, " +
  "terraform-google-modules/terraform-example-foundation#918)";

const REPLACE =
  "replace it with a real principal in the function's `invokers`, or in the stack's `callgraph:principals` " +
  `(e.g. \`pulumi config set --path 'callgraph:principals.NAME[0]' "user:$(gcloud config get account)"\`)`;

/** One declared member, with every grant the program gives it. */
export interface MemberUse {
  readonly member: string;
  readonly parts: MemberParts;
  /** `role on resource`, each once. */
  readonly grants: readonly string[];
}

/** What preflight asks about each member, by kind: exists, does not, or could not be told. */
export interface MemberLookups {
  /** Group email -> whether Cloud Identity `groups.lookup` found it. */
  readonly groups: ReadonlyMap<string, Observed<{ readonly exists: boolean }>>;
  /** Service-account email -> whether IAM `serviceAccounts.get` found it. */
  readonly serviceAccounts: ReadonlyMap<string, Observed<{ readonly exists: boolean }>>;
}

/**
 * The members of the program's IAM resources, each once, with the grants they get; public members and forms that
 * name no one in particular (`principalSet://…`) are left out.
 */
export function memberUses(deployment: Pick<DeclaredDeployment, "members">): MemberUse[] {
  const byMember = new Map<string, { parts: MemberParts; grants: Set<string> }>();
  for (const m of deployment.members) {
    const parts = memberParts(m.member);
    if (!parts) continue;
    const key = `${parts.kind}:${parts.email ?? parts.domain}`;
    const entry = byMember.get(key) ?? { parts, grants: new Set<string>() };
    entry.grants.add(`${m.role} on ${m.resource}`);
    byMember.set(key, entry);
  }
  return [...byMember]
    .map(([member, e]) => ({ member, parts: e.parts, grants: [...e.grants].sort() }))
    .sort((a, b) => a.member.localeCompare(b.member));
}

/**
 * What to look up live: groups (all but reserved ones), and service accounts the program does not create itself
 * that IAM can be asked about.
 */
export function membersToLookUp(deployment: Pick<DeclaredDeployment, "members" | "accounts">): {
  groups: string[];
  serviceAccounts: string[];
} {
  const created = new Set(deployment.accounts.filter((a) => a.createdBy).map((a) => a.email));
  const uses = memberUses(deployment).filter((u) => reservedName(u.parts.domain ?? "") === undefined);
  return {
    groups: uses.filter((u) => u.parts.kind === "group").map((u) => u.parts.email!),
    serviceAccounts: uses
      .filter((u) => u.parts.kind === "serviceAccount")
      .map((u) => u.parts.email!)
      .filter((email) => !created.has(email) && isCheckableServiceAccount(email)),
  };
}

/**
 * Findings for the declared members:
 * - a member at a reserved example domain (RFC 2606, RFC 6761) cannot exist: a blocker, naming it;
 * - a `group:` Cloud Identity says does not exist (404) is a blocker; one it will not show (403, which it answers
 *   both for a group the deployer may not see and for one that may not exist) is not visible;
 * - a `serviceAccount:` the program does not create itself that IAM says does not exist (404) is a blocker;
 * - a `user:` member cannot be checked: no Google API lets anyone but an administrator of its domain tell whether a
 *   Google account exists. A note, never clean.
 */
export function checkMembers(
  deployment: Pick<DeclaredDeployment, "members" | "accounts" | "project">,
  lookups: MemberLookups,
): Finding[] {
  const findings: Finding[] = [];
  const created = new Set(deployment.accounts.filter((a) => a.createdBy).map((a) => a.email));
  for (const use of memberUses(deployment)) {
    const { parts } = use;
    const subject = use.member;
    const granted = `granted ${use.grants.join("; ")}`;
    const reserved = parts.domain === undefined ? undefined : reservedName(parts.domain);
    if (reserved !== undefined) {
      findings.push({
        check: "members",
        severity: "blocker",
        subject,
        problem:
          `${use.member} is at ${parts.domain}, ${parts.domain === reserved ? "" : `under ${reserved.startsWith(".") ? "the top-level domain " : ""}${reserved}, `}` +
          "which is reserved for examples and documentation (RFC 2606, RFC 6761): such a member cannot exist, so " +
          `${DOES_NOT_EXIST} (${granted}).`,
        fix: REPLACE,
        source: "https://www.rfc-editor.org/rfc/rfc2606, https://www.rfc-editor.org/rfc/rfc6761",
      });
      continue;
    }
    if (parts.kind === "group") {
      const observed = lookups.groups.get(parts.email!);
      if (observed?.visible && observed.value.exists) continue;
      findings.push(
        observed?.visible
          ? {
              check: "members",
              severity: "blocker",
              subject,
              problem: `Cloud Identity has no group ${parts.email} (groups.lookup answered 404): ${DOES_NOT_EXIST} (${granted}).`,
              fix: `create the group, correct its address, or ${REPLACE}`,
              source: "https://cloud.google.com/identity/docs/reference/rest/v1/groups/lookup",
            }
          : {
              check: "members",
              severity: "not-visible",
              subject,
              problem:
                `could not check that the group exists (${observed ? describeRefusal(observed) : "not read"}); Cloud Identity answers 403 both ` +
                "for a group you may not see and for one that does not exist, so it is not known to exist. If it does not, " +
                `${DOES_NOT_EXIST}.`,
              fix: `check it (\`gcloud identity groups describe ${parts.email}\`), or let the deployer see it (e.g. a member of the group, or a Groups Reader in its organization)`,
              source: "https://cloud.google.com/identity/docs/reference/rest/v1/groups/lookup",
            },
      );
      continue;
    }
    if (parts.kind === "serviceAccount") {
      const email = parts.email!;
      if (created.has(email)) continue;
      if (!isCheckableServiceAccount(email)) {
        findings.push({
          check: "members",
          severity: "note",
          subject,
          problem: `not checked: ${email} is not a user-managed or default account, so IAM does not answer whether it exists (a Google-managed service agent, or not a service account at all).`,
          source: "https://cloud.google.com/iam/docs/service-account-types",
        });
        continue;
      }
      const observed = lookups.serviceAccounts.get(email);
      if (observed?.visible && observed.value.exists) continue;
      findings.push(
        observed?.visible
          ? {
              check: "members",
              severity: "blocker",
              subject,
              problem: `service account ${email} does not exist (IAM answered 404), and the program does not create it: ${DOES_NOT_EXIST} (${granted}).`,
              fix: `create it, correct the address, or ${REPLACE}`,
              source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/get",
            }
          : {
              check: "members",
              severity: "not-visible",
              subject,
              problem: `could not check that the account exists (${observed ? describeRefusal(observed) : "not read"}); not known to exist.`,
              fix: `grant the deployer iam.serviceAccounts.get on its project (e.g. roles/iam.serviceAccountViewer), or check it: \`gcloud iam service-accounts describe ${email}\``,
              source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/get",
            },
      );
      continue;
    }
    if (parts.kind === "user")
      findings.push({
        check: "members",
        severity: "note",
        subject,
        problem:
          "not checked, and not known to exist: no Google API lets anyone but an administrator of its domain tell whether a Google " +
          `account exists. If it does not, ${DOES_NOT_EXIST}.`,
        fix: "make sure the address is the account's own (e.g. the one `gcloud config get account` prints for its owner)",
      });
  }
  return findings;
}
