import { isDefaultAccount, isUnknown } from "../../iam";
import { describeFunction, functionsOf, type CloudFunction } from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource } from "../values";

export interface FunctionDedicatedServiceAccountConfig {
  readonly allowedSharedAccounts: readonly string[];
}

/**
 * Invariant 1, across functions: no two functions share an account. The graph is a graph of accounts (an
 * invoker grant names an account, not a function), so two functions behind one account are one node: each can
 * call whatever the other may, and each may be called by the other's callers' tokens.
 */
export const functionDedicatedServiceAccount = stackRule<FunctionDedicatedServiceAccountConfig>({
  name: "function-dedicated-service-account",
  description: "No two Cloud Functions run as the same service account.",
  remediation:
    "Give each function its own gcp.serviceaccount.Account (the CallGraph component creates one per function).",
  fields: {
    allowedSharedAccounts: {
      type: "string-list",
      default: [],
      description:
        "Service-account emails that several functions may share (for example during a migration).",
    },
  },
  check(resources, config): Finding[] {
    const functions = functionsOf(resources);
    const allowed = new Set(config.allowedSharedAccounts.map((a) => a.toLowerCase()));
    const byAccount = new Map<string, CloudFunction[]>();
    const findings: Finding[] = [];
    for (const fn of functions) {
      // No account or a default one is function-explicit-service-account's finding, not a second one here.
      if (typeof fn.account !== "string" || isDefaultAccount(fn.account) || allowed.has(fn.account)) continue;
      byAccount.set(fn.account, [...(byAccount.get(fn.account) ?? []), fn]);
    }
    for (const [account, sharing] of byAccount) {
      if (sharing.length < 2) continue;
      for (const fn of sharing) {
        const others = sharing
          .filter((o) => o !== fn)
          .map(describeFunction)
          .join(", ");
        findings.push(
          violation(
            fn.resource.urn,
            `${describeResource(fn.resource)} (Cloud Function ${describeFunction(fn)}) runs as ${account}, as do ${others}: ` +
              "IAM grants name accounts, not functions, so each of them may call whatever the others may and is " +
              "admitted wherever the others are; the declared graph no longer says who calls whom.",
            "give each function its own gcp.serviceaccount.Account (the CallGraph component creates one per function); " +
              "if the sharing is intended, list the account in allowedSharedAccounts.",
          ),
        );
      }
    }
    if (functions.length > 1) {
      for (const fn of functions) {
        if (!isUnknown(fn.account)) continue;
        findings.push(
          undecided(
            fn.resource.urn,
            `${describeResource(fn.resource)}: whether it shares its account with another function is not known until deployment`,
            fn.account,
          ),
        );
      }
    }
    return findings;
  },
});
