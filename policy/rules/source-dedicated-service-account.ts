import { isDefaultAccount, isUnknown } from "../../iam";
import { describeFunction, functionsOf } from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeSource, sourcesOf, type Source } from "../sources";
import { describeResource } from "../values";

export interface SourceDedicatedServiceAccountConfig {
  readonly allowedSharedAccounts: readonly string[];
}

/**
 * Invariants 1 and 2 for the callers that are not functions: each Scheduler job, push subscription, queue, workflow
 * and Eventarc trigger calls as an account of its own. One that sends no token is refused by every private function;
 * one that runs as a default account (a workflow or a trigger without `serviceAccount` runs as the Compute Engine
 * default, Editor on the project) or as a function's account may call whatever that account may; two sources behind
 * one account are one caller to IAM, each may call the other's callees.
 */
export const sourceDedicatedServiceAccount = stackRule<SourceDedicatedServiceAccountConfig>({
  name: "source-dedicated-service-account",
  description:
    "Every Cloud Scheduler job, Pub/Sub push subscription, Cloud Tasks queue, Workflow and Eventarc trigger calls with a token for an account of its own: named, not a default one, no function's and no other source's.",
  remediation:
    "Declare the caller under callgraph:callers: the CallGraph component gives each its own gcp.serviceaccount.Account and token configuration.",
  fields: {
    allowedSharedAccounts: {
      type: "string-list",
      default: [],
      description: "Service-account emails that several sources (or a source and a function) may share.",
    },
  },
  check(resources, config): Finding[] {
    const allowed = new Set(config.allowedSharedAccounts.map((a) => a.toLowerCase()));
    const sources = sourcesOf(resources);
    const functions = functionsOf(resources);
    const findings: Finding[] = [];
    const byAccount = new Map<string, Source[]>();
    for (const source of sources) {
      const subject = `${describeResource(source.resource)} (${describeSource(source)})`;
      const urn = source.resource.urn;
      if (isUnknown(source.account)) {
        findings.push(
          undecided(urn, `${subject}: the account it calls as is not known until deployment`, source.account),
        );
        continue;
      }
      if (source.account === undefined) {
        findings.push(
          violation(
            urn,
            source.authenticated
              ? `${subject} names no service account: it runs as the project's default account, which holds Editor on the project.`
              : `${subject} sends no ID token: every private function refuses its calls, and making the callee public to let it in would let anyone in.`,
            "give it its own account and an OIDC token for it (callgraph:callers does).",
          ),
        );
        continue;
      }
      if (allowed.has(source.account)) continue;
      if (isDefaultAccount(source.account)) {
        findings.push(
          violation(
            urn,
            `${subject} calls as ${source.account}, a default account: it holds Editor on the project, and whatever else runs as it may call what the source may.`,
            "give it its own account (callgraph:callers does).",
          ),
        );
        continue;
      }
      const runsAs = functions.filter(
        (fn) => typeof fn.account === "string" && fn.account.toLowerCase() === source.account,
      );
      if (runsAs.length > 0)
        findings.push(
          violation(
            urn,
            `${subject} calls as ${source.account}, the account ${runsAs.map(describeFunction).join(", ")} runs as: the function may then call whatever the source may, and the source whatever the function may.`,
            "give the source its own account (callgraph:callers does).",
          ),
        );
      byAccount.set(source.account, [...(byAccount.get(source.account) ?? []), source]);
    }
    for (const [account, sharing] of byAccount) {
      if (sharing.length < 2) continue;
      for (const source of sharing)
        findings.push(
          violation(
            source.resource.urn,
            `${describeResource(source.resource)} (${describeSource(source)}) calls as ${account}, as do ${sharing
              .filter((o) => o !== source)
              .map(describeSource)
              .join(", ")}: IAM grants name accounts, so each of them may call whatever the others may.`,
            "give each source its own account (callgraph:callers does).",
          ),
        );
    }
    return findings;
  },
});
