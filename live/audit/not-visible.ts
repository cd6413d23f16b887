import { describeRefusal } from "../preflight/check-apis";
import { describeRef } from "./describe-ref";
import type { NotVisible } from "./findings";
import type { LiveSnapshot, PolicyScope } from "./types";

/**
 * What each refused read leaves unknown, with the permission that would make it visible (and a predefined role
 * holding it). https://cloud.google.com/iam/docs/understanding-roles
 */
const POLICY_READ: Record<PolicyScope, { permission: string; role: string; hides: string }> = {
  function: {
    permission: "cloudfunctions.functions.getIamPolicy",
    role: "roles/cloudfunctions.viewer",
    hides: "who is granted on the function itself",
  },
  "run-service": {
    permission: "run.services.getIamPolicy",
    role: "roles/run.viewer",
    hides: "who may invoke the 2nd-gen function (roles/run.invoker sits on its Cloud Run service)",
  },
  project: {
    permission: "resourcemanager.projects.getIamPolicy",
    role: "roles/iam.securityReviewer",
    hides: "invoking roles granted on the project, which reach every function in it",
  },
  folder: {
    permission: "resourcemanager.folders.getIamPolicy",
    role: "roles/iam.securityReviewer on the folder",
    hides: "invoking roles granted on the folder, which reach every function below it",
  },
  organization: {
    permission: "resourcemanager.organizations.getIamPolicy",
    role: "roles/iam.securityReviewer on the organization",
    hides: "invoking roles granted on the organization, which reach every function in it",
  },
};

export function notVisibleOf(live: LiveSnapshot): NotVisible[] {
  const entries: NotVisible[] = [];
  for (const { generation, observed } of live.listings) {
    if (observed.visible) continue;
    entries.push({
      subject: `${generation === 1 ? "1st" : "2nd"}-gen functions in ${live.region}`,
      problem: `could not list them (${describeRefusal(observed)}): declared functions of this generation are not known to be deployed, and undeclared ones are not seen.`,
      fix: "grant the auditor cloudfunctions.functions.list (roles/cloudfunctions.viewer)",
      source: `https://cloud.google.com/functions/docs/reference/rest/v${generation}/projects.locations.functions/list`,
    });
  }
  if (!live.ancestry.visible)
    entries.push({
      subject: `ancestry of project ${live.project}`,
      problem: `could not read it (${describeRefusal(live.ancestry)}): invoking roles granted on its folders and organization are not known.`,
      fix: "grant the auditor resourcemanager.projects.get (roles/browser)",
      source: "https://cloud.google.com/resource-manager/reference/rest/v1/projects/getAncestry",
    });
  for (const { ref, observed } of live.policies) {
    if (observed.visible) continue;
    const read = POLICY_READ[ref.scope];
    entries.push({
      subject: `IAM policy of ${describeRef(ref)}`,
      problem: `not visible (${describeRefusal(observed)}): ${read.hides} is not known, so this is not clean.`,
      fix: `grant the auditor ${read.permission} (${read.role})`,
    });
  }
  for (const [name, observed] of live.services) {
    if (observed.visible) continue;
    entries.push({
      subject: `Cloud Run service ${name.slice(name.lastIndexOf("/") + 1)}`,
      problem: `could not read it (${describeRefusal(observed)}): whether its invoker IAM check is off (invokerIamDisabled: anyone may invoke the 2nd-gen function, whatever its IAM policy says) is not known.`,
      fix: "grant the auditor run.services.get (roles/run.viewer)",
      source: "https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services/get",
    });
  }
  for (const [email, observed] of live.accountPolicies) {
    if (observed.visible) continue;
    entries.push({
      subject: `IAM policy of service account ${email}`,
      problem: `not visible (${describeRefusal(observed)}): who may act as it (mint its tokens, or attach it to code), and so invoke what it may invoke, is not known.`,
      fix: "grant the auditor iam.serviceAccounts.getIamPolicy (roles/iam.securityReviewer)",
      source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/getIamPolicy",
    });
  }
  for (const [email, observed] of live.accounts) {
    if (observed.visible && (!observed.value.exists || observed.value.keys.visible)) continue;
    const refusal = observed.visible
      ? observed.value.exists && !observed.value.keys.visible
        ? observed.value.keys
        : undefined
      : observed;
    entries.push({
      subject: `keys of ${email}`,
      problem: `could not list its user-managed keys (${refusal ? describeRefusal(refusal) : "not read"}): not known to be keyless.`,
      fix: "grant the auditor iam.serviceAccounts.get and iam.serviceAccountKeys.list (roles/iam.serviceAccountViewer)",
      source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list",
    });
  }
  return entries;
}
