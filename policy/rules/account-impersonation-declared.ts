import {
  grantsOf,
  isImpersonatingRole,
  isUnknown,
  normalizeMember,
  serviceAccountOf,
  serviceAgentProduct,
  SOURCE_ROLES,
  stringAt,
  type Grant,
  type StackResource,
} from "../../iam";
import { describeFunction, functionsOf } from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeSource, sourcesOf, type Source } from "../sources";
import { describeResource } from "../values";

export interface AccountImpersonationDeclaredConfig {
  readonly allowedMembers: readonly string[];
}

/**
 * Invariant 2's last clause: "a service agent may mint tokens only for the one account it delivers as". A role that
 * lets a member act as an account (mint its ID tokens, run something as it: `isImpersonatingRole`) granted on a
 * function's or a source's account lets that member call whatever the account may, a caller the declaration never
 * named. The stack may grant exactly two such roles, both from `callgraph:callers`:
 * - `roles/iam.serviceAccountTokenCreator` to Pub/Sub's service agent, on the account of a push subscription or an
 *   Eventarc trigger (whose deliveries Pub/Sub pushes), which it must mint tokens for
 *   (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions);
 * - `roles/iam.serviceAccountUser` on a Cloud Tasks queue's account, to a function that may add tasks to that queue
 *   (`roles/cloudtasks.enqueuer` on it): "The caller must have iam.serviceAccounts.actAs permission for the service
 *   account" (https://cloud.google.com/tasks/docs/reference/rest/v2/OidcToken).
 * A grant of these roles on a project, folder or organization is `no-project-level-grants`' finding.
 */
export const accountImpersonationDeclared = stackRule<AccountImpersonationDeclaredConfig>({
  name: "account-impersonation-declared",
  description:
    "No one may act as a function's or a source's account (token creator, service account user, workload identity user, ...) but Pub/Sub's service agent on a push subscription's or an Eventarc trigger's account, and a queue's declared enqueuers on the queue's account.",
  remediation:
    "Remove the grant: a member that can mint an account's tokens can call everything the account may. Declare sources under callgraph:callers and enqueuers under tasks.enqueuers, and the CallGraph component grants exactly what they need.",
  fields: {
    allowedMembers: {
      type: "string-list",
      default: [],
      description: "Members that may act as the call graph's accounts anyway (e.g. a break-glass group).",
    },
  },
  check(resources, config): Finding[] {
    const allowed = new Set(config.allowedMembers.map(normalizeMember));
    const functions = functionsOf(resources);
    const sources = sourcesOf(resources);
    const owners = new Map<string, string>();
    for (const fn of functions)
      if (typeof fn.account === "string")
        owners.set(fn.account.toLowerCase(), `Cloud Function ${describeFunction(fn)}`);
    for (const s of sources) if (typeof s.account === "string") owners.set(s.account, describeSource(s));
    const enqueuers = enqueuerGrants(resources);
    const agentNumbers = projectNumbersOf(resources);
    const findings: Finding[] = [];
    for (const grant of resources.flatMap(grantsOf)) {
      if (grant.scope !== "service-account") continue;
      const subject = describeResource(grant.resource);
      const urn = grant.resource.urn;
      if (isUnknown(grant.target)) {
        if (isUnknown(grant.role) || isImpersonatingRole(grant.role))
          findings.push(
            undecided(
              urn,
              `${subject}: which account it grants on is not known until deployment`,
              grant.target,
            ),
          );
        continue;
      }
      const account = (grant.target ?? "").toLowerCase();
      // A unique id (digits) may be any account, one of the call graph's among them: refused, as a key for one is.
      if (
        account !== "" &&
        !account.includes("@") &&
        (isUnknown(grant.role) || isImpersonatingRole(grant.role))
      ) {
        findings.push(
          violation(
            urn,
            `${subject} grants ${isUnknown(grant.role) ? "a role not known until deployment" : grant.role} on the account with unique id ${account}, which this policy cannot tie to an account: it may be a function's or a source's, whose tokens its member could then mint.`,
            "name the account by its email (projects/PROJECT/serviceAccounts/EMAIL), so the grant can be judged; to accept the member, list it in allowedMembers.",
          ),
        );
        continue;
      }
      const owner = owners.get(account);
      if (!owner) continue;
      if (isUnknown(grant.role)) {
        findings.push(
          undecided(
            urn,
            `${subject}: the role it grants on ${account} (${owner}) is not known until deployment`,
            grant.role,
          ),
        );
        continue;
      }
      if (!isImpersonatingRole(grant.role)) continue;
      if (isUnknown(grant.member)) {
        findings.push(
          undecided(
            urn,
            `${subject} grants ${grant.role} on ${account} (${owner}) to a member not known until deployment`,
            grant.member,
          ),
        );
        continue;
      }
      const member = normalizeMember(grant.member);
      if (allowed.has(member) || declared(grant, member, account, sources, enqueuers, agentNumbers)) continue;
      findings.push(
        violation(
          urn,
          `${subject} grants ${grant.role} on ${account}, the account of ${owner}, to ${member}: it can act as that account, mint its ID tokens and call every function it may call, a caller the declaration never named.`,
          "remove the grant; the CallGraph component grants Pub/Sub's agent and a queue's enqueuers what they need, on the one account each needs it on; to accept it, list the member in allowedMembers.",
        ),
      );
    }
    return findings;
  },
});

/** Whether the grant is one of the two the callers that are not functions need (see the rule). */
function declared(
  grant: Grant,
  member: string,
  account: string,
  sources: readonly Source[],
  enqueuers: readonly EnqueuerGrant[],
  agentNumbers: ReadonlySet<string>,
): boolean {
  const owner = sources.filter((s) => s.account === account);
  const email = serviceAccountOf(member);
  if (grant.role === SOURCE_ROLES.tokenCreator)
    return (
      email !== undefined &&
      serviceAgentProduct(email) === "pubsub" &&
      // This project's agent: another project's would mint this account's tokens for pushes of its own. Where no
      // CallGraph records the number (a stack of hand-written resources), any project's agent is taken.
      (agentNumbers.size === 0 || agentNumbers.has(/^service-(\d+)@/.exec(email)?.[1] ?? "")) &&
      owner.some((s) => s.kind === "pubsub" || s.kind === "eventarc")
    );
  if (grant.role === SOURCE_ROLES.serviceAccountUser)
    return owner.some(
      (s) =>
        s.kind === "tasks" &&
        enqueuers.some(
          (e) =>
            e.member === member &&
            sameValue(e.name, s.queue?.name) &&
            sameValue(e.location, s.queue?.location) &&
            sameValue(e.project, s.queue?.project),
        ),
    );
  return false;
}

/** One `roles/cloudtasks.enqueuer` grant on a queue: who, and which queue (its project, location and name). */
interface EnqueuerGrant {
  readonly member: string;
  readonly name?: string;
  readonly location?: string;
  readonly project?: string;
}

/**
 * Equal where both are known strings, or both unset (the provider's default project or location); an unknown value
 * never matches, so a grant that may be on another queue is not taken for this one's.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined && b === undefined) return true;
  return typeof a === "string" && typeof b === "string" && a === b;
}

/** Every enqueuer grant of the stack, with the queue it is on. */
function enqueuerGrants(resources: readonly StackResource[]): EnqueuerGrant[] {
  const grants: EnqueuerGrant[] = [];
  for (const grant of resources.flatMap(grantsOf)) {
    if (grant.scope !== "queue" || grant.role !== SOURCE_ROLES.enqueuer) continue;
    if (typeof grant.target !== "string" || isUnknown(grant.member)) continue;
    grants.push({
      member: normalizeMember(grant.member),
      name: grant.target,
      ...(typeof grant.location === "string" ? { location: grant.location } : {}),
      ...(typeof grant.project === "string" ? { project: grant.project } : {}),
    });
  }
  return grants;
}

/** The project numbers the stack's CallGraph components record: whose Pub/Sub agent is this project's. */
function projectNumbersOf(resources: readonly StackResource[]): Set<string> {
  const numbers = new Set<string>();
  for (const r of resources) {
    if (r.type !== "callgraph:index:CallGraph") continue;
    const n = stringAt(r.props, "projectNumber");
    if (typeof n === "string") numbers.add(n);
  }
  return numbers;
}
