import {
  type Grant,
  grantsOf,
  isInvokingRole,
  isUnknown,
  normalizeMember,
  serviceAccountOf,
} from "../../iam";
import { describeGrantTarget } from "../describe-grant";
import {
  buildAccountsOf,
  describeFunction,
  describeFunctions,
  functionsOf,
  isListed,
  type BuildAccounts,
  type CloudFunction,
} from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource } from "../values";

export interface BuildServiceAccountIsolatedConfig {
  readonly exemptFunctions: readonly string[];
}

/**
 * Invariant 9, beyond naming one: a build account only builds. Code runs during a build (a dependency's install
 * script, a build step), so a build account that may invoke a function, or that a function runs as, joins the
 * build's permissions (write the images functions are deployed from, read their sources) to a function's (call
 * its callees): either side could then act as the other, outside the declared call graph.
 */
export const buildServiceAccountIsolated = stackRule<BuildServiceAccountIsolatedConfig>({
  name: "build-service-account-isolated",
  description:
    "No Cloud Function runs as an account that builds a function of the stack, and no such build account holds an invoking role on a function, a Cloud Run service, a project, a folder or an organization.",
  remediation:
    "Keep build accounts for builds only: run each function as its own account, and grant invocation only to the accounts functions run as, from the declared graph (callgraph:functions).",
  fields: {
    exemptFunctions: {
      type: "string-list",
      default: [],
      description:
        "Functions (deployed or logical names) left out: their build account is not checked, and they may run as a build account.",
    },
  },
  check(resources, config): Finding[] {
    const functions = functionsOf(resources).filter((fn) => !isListed(config.exemptFunctions, fn));
    const builds = buildAccountsOf(functions);
    if (builds.byAccount.size === 0 && !builds.unknown) return [];
    return [
      ...runningAsBuildAccount(functions, builds),
      ...resources.flatMap(grantsOf).flatMap((g) => invokingGrant(g, builds)),
    ];
  },
});

function runningAsBuildAccount(functions: readonly CloudFunction[], builds: BuildAccounts): Finding[] {
  const findings: Finding[] = [];
  for (const fn of functions) {
    const subject = `${describeResource(fn.resource)} (Cloud Function ${describeFunction(fn)})`;
    const account = fn.account;
    if (account === undefined) continue; // the default account: function-explicit-service-account's finding
    if (isUnknown(account)) {
      findings.push(
        undecided(
          fn.resource.urn,
          `${subject}: whether it runs as a build account is not known until deployment`,
          account,
        ),
      );
      continue;
    }
    const built = builds.byAccount.get(account);
    if (built) {
      findings.push(
        violation(
          fn.resource.urn,
          `${subject} runs as ${account}, the account that builds ${describeFunctions(built)}: the function's code ` +
            "holds the build's permissions (writing the images functions are deployed from, reading their sources), " +
            "and whatever runs during a build, a dependency's install script included, holds the function's.",
          "run the function as its own gcp.serviceaccount.Account (serviceAccountEmail; gen2: " +
            "serviceConfig.serviceAccountEmail) and use the build account for builds only; the CallGraph component " +
            "does both.",
        ),
      );
    } else if (builds.unknown) {
      findings.push(
        undecided(
          fn.resource.urn,
          `${subject}: whether ${account} is the account that builds some function is not known until deployment`,
          builds.unknown,
        ),
      );
    }
  }
  return findings;
}

function invokingGrant(grant: Grant, builds: BuildAccounts): Finding[] {
  if (!isUnknown(grant.role) && !isInvokingRole(grant.role)) return [];
  const subject = describeResource(grant.resource);
  const where = describeGrantTarget(grant);
  if (isUnknown(grant.member)) {
    return [
      undecided(
        grant.resource.urn,
        `${subject}: whether it grants a build account an invoking role on ${where} is not known until deployment`,
        grant.member,
      ),
    ];
  }
  const member = normalizeMember(grant.member);
  const account = serviceAccountOf(member);
  if (account === undefined) return [];
  const built = builds.byAccount.get(account);
  if (!built) {
    if (!builds.unknown) return [];
    return [
      undecided(
        grant.resource.urn,
        `${subject}: whether ${member} is the account that builds some function is not known until deployment`,
        builds.unknown,
      ),
    ];
  }
  if (isUnknown(grant.role)) {
    return [
      undecided(
        grant.resource.urn,
        `${subject}: the role it grants on ${where} to ${member}, the account that builds ${describeFunctions(built)}, is not known until deployment`,
        grant.role,
      ),
    ];
  }
  return [
    violation(
      grant.resource.urn,
      `${subject} grants ${grant.role} on ${where} to ${member}, the account that builds ${describeFunctions(built)}: ` +
        "whatever runs during a build, a dependency's install script included, could invoke what that role reaches, " +
        "outside the declared call graph.",
      "remove this grant: a build account needs no invoking role. Callers are declared in callgraph:functions and " +
        "call as the account their own function runs as.",
    ),
  ];
}
