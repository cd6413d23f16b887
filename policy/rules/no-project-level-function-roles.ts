import {
  grantsOf,
  isInheritedScope,
  isInvokerRole,
  isInvokingRole,
  isUnknown,
  normalizeMember,
  serviceAccountOf,
  type Unknown,
} from "../../iam";
import { describeGrantTarget } from "../describe-grant";
import { describeFunction, functionsOf, isListed, type CloudFunction } from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource } from "../values";

export interface NoProjectLevelFunctionRolesConfig {
  readonly exemptFunctions: readonly string[];
  readonly additionalRoles: readonly string[];
  readonly allowedMembers: readonly string[];
}

/** What a role granted on a whole project, folder or organization lets its holder do. */
function effect(role: string, scope: string): string {
  if (isInvokerRole(role)) return `lets it invoke every function in the ${scope}`;
  if (role === "roles/editor" || role === "roles/owner") {
    return `lets it invoke, change or delete almost anything in the ${scope}, every function included`;
  }
  if (isInvokingRole(role)) return `lets it invoke and redeploy every function in the ${scope}`;
  return `grants it ${role} on everything in the ${scope}`;
}

/**
 * Invariant 2 beyond the functions: a function's account holds no invoker, developer, admin, editor or owner role
 * on a project, folder or organization, where it would reach every function at once, outside the declared graph.
 * An invoker role at those levels is refused for any member, for the same reason.
 */
export const noProjectLevelFunctionRoles = stackRule<NoProjectLevelFunctionRolesConfig>({
  name: "no-project-level-function-roles",
  description:
    "No function's service account holds an invoker, Cloud Functions/Cloud Run developer or admin, editor or owner role on a project, folder or organization, and nobody holds an invoker role there.",
  remediation:
    "Grant invocation per function, from the declared graph (callgraph:functions); grant other roles on the individual resources a function needs.",
  fields: {
    exemptFunctions: {
      type: "string-list",
      default: [],
      description:
        "Functions (deployed or logical names) whose accounts may hold such roles (e.g. a deployer function).",
    },
    additionalRoles: {
      type: "string-list",
      default: [],
      description:
        "More roles that function accounts must not hold at those levels (e.g. roles/iam.serviceAccountUser).",
    },
    allowedMembers: {
      type: "string-list",
      default: [],
      description:
        "Members other than function accounts that may hold an invoker role on a project, folder or organization.",
    },
  },
  check(resources, config): Finding[] {
    const functions = functionsOf(resources);
    const byAccount = new Map<string, CloudFunction[]>();
    let unknownAccount: Unknown | undefined;
    for (const fn of functions) {
      if (isUnknown(fn.account)) unknownAccount ??= fn.account;
      else if (fn.account) byAccount.set(fn.account, [...(byAccount.get(fn.account) ?? []), fn]);
    }
    const exempt = (fn: CloudFunction) => isListed(config.exemptFunctions, fn);
    const allowed = new Set(config.allowedMembers.map(normalizeMember));
    const findings: Finding[] = [];

    for (const grant of resources.flatMap(grantsOf)) {
      if (!isInheritedScope(grant.scope)) continue;
      const subject = describeResource(grant.resource);
      if (isUnknown(grant.role)) {
        findings.push(
          undecided(
            grant.resource.urn,
            `${subject}: the role it grants on the ${grant.scope} is not known until deployment`,
            grant.role,
          ),
        );
        continue;
      }
      const role = grant.role;
      const invokerOnly = isInvokerRole(role);
      if (!invokerOnly && !isInvokingRole(role) && !config.additionalRoles.includes(role)) continue;
      const grants = `${subject} grants ${role} on ${describeGrantTarget(grant)}`;
      if (isUnknown(grant.member)) {
        if (invokerOnly && allowed.size === 0) {
          findings.push(
            violation(
              grant.resource.urn,
              `${grants} to a member not known until deployment: whoever it is, that ${effect(role, grant.scope)}, whatever each function declares.`,
              "grant the invoker role on the individual functions instead, from the declared graph (callgraph:functions).",
            ),
          );
        } else {
          findings.push(
            undecided(grant.resource.urn, `${grants} to a member not known until deployment`, grant.member),
          );
        }
        continue;
      }
      const member = normalizeMember(grant.member);
      const account = serviceAccountOf(member);
      const owners = account ? (byAccount.get(account) ?? []) : [];
      if (owners.length > 0) {
        if (owners.every(exempt)) continue;
        const names = owners.map(describeFunction).join(" and ");
        const runs = owners.length === 1 ? `Cloud Function ${names} runs` : `Cloud Functions ${names} run`;
        findings.push(
          violation(
            grant.resource.urn,
            `${grants} to ${member}, the account ${runs} as: that ${effect(role, grant.scope)}, outside the declared call graph.`,
            "remove this grant; if the function must call another, declare the edge in callgraph:functions (calls: [...]) so it is " +
              "granted roles/cloudfunctions.invoker on that function only, and grant any other role on the individual resources it " +
              "uses; to accept it, list the function in exemptFunctions.",
          ),
        );
        continue;
      }
      if (account && unknownAccount) {
        findings.push(
          undecided(
            grant.resource.urn,
            `${grants} to ${member}, which may be the account of a function whose account is not known until deployment`,
            unknownAccount,
          ),
        );
        continue;
      }
      if (invokerOnly && !allowed.has(member)) {
        findings.push(
          violation(
            grant.resource.urn,
            `${grants} to ${member}: that ${effect(role, grant.scope)}, whatever each function declares in CALLGRAPH_INVOKERS.`,
            "grant the invoker role on the functions this member should call instead (list it in their invokers in " +
              "callgraph:functions); to accept it, list the member in allowedMembers.",
          ),
        );
      }
    }
    return findings;
  },
});
