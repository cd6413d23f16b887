import { describeRefusal } from "./check-apis";
import type { RequiredPermissions } from "./deploy-permissions";
import type { Finding, Observed } from "./types";

/**
 * A predefined role that holds the permission, to name in the fix (the narrowest that also holds its
 * siblings the deploy needs). https://cloud.google.com/iam/docs/understanding-roles
 */
const SUGGESTED_ROLES: readonly (readonly [prefix: string, role: string])[] = [
  ["iam.serviceAccounts.actAs", "roles/iam.serviceAccountUser"],
  ["iam.serviceAccounts.", "roles/iam.serviceAccountAdmin"],
  // cloudfunctions.developer lacks setIamPolicy; the invoker grants need it.
  ["cloudfunctions.", "roles/cloudfunctions.admin"],
  ["run.services.", "roles/run.admin"],
  ["storage.", "roles/storage.admin"],
  ["serviceusage.", "roles/serviceusage.serviceUsageAdmin"],
  ["resourcemanager.projects.get", "roles/browser"],
  ["resourcemanager.projects.", "roles/resourcemanager.projectIamAdmin"],
  ["artifactregistry.", "roles/artifactregistry.admin"],
];

export function suggestedRole(permission: string): string | undefined {
  return SUGGESTED_ROLES.find(([prefix]) => permission === prefix || permission.startsWith(prefix))?.[1];
}

/**
 * One blocker per permission the deployer lacks on the project (`held`: what `testIamPermissions` returned),
 * and a warning per registered type whose permissions preflight does not know.
 */
export function checkPermissions(
  required: RequiredPermissions,
  held: Observed<ReadonlySet<string>>,
  project: string,
): Finding[] {
  const findings: Finding[] = required.unknownTypes.map((u): Finding => ({
    check: "permissions",
    severity: "warning",
    subject: u.type,
    problem: `preflight does not know what creating a ${u.type} needs (${u.resources.join(", ")}); not checked.`,
    fix: "add the type to DEPLOY_PERMISSIONS in live/preflight/deploy-permissions.ts",
  }));
  if (!held.visible) {
    findings.push({
      check: "permissions",
      severity: "not-visible",
      subject: `${required.permissions.length} permissions on project ${project}`,
      problem: `could not test the deployer's permissions (${describeRefusal(held)})`,
      fix: `enable cloudresourcemanager.googleapis.com (gcloud services enable cloudresourcemanager.googleapis.com --project=${project})`,
    });
    return findings;
  }
  for (const need of required.permissions) {
    if (held.value.has(need.permission)) continue;
    const role = suggestedRole(need.permission);
    findings.push({
      check: "permissions",
      severity: "blocker",
      subject: need.permission,
      problem: `the deployer lacks it on project ${project}; needed for: ${need.neededFor.join("; ")}.`,
      fix:
        `gcloud projects add-iam-policy-binding ${project} --member=PRINCIPAL --role=${role ?? "ROLE_WITH_IT"}` +
        " (PRINCIPAL: the identity that runs `pulumi up`, e.g. user:you@example.com)",
      source: need.source,
    });
  }
  return findings;
}
