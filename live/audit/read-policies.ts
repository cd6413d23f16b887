import { ANSWERS, assertUnique, type Policy } from "../answers";
import { API_HOSTS } from "../google-clients";
import type { AuditClients } from "./audit-clients";
import type { LiveFunction, PolicyRef } from "./types";

/**
 * One read per policy. Every `getIamPolicy` asks for version 3, so conditional bindings come with their
 * conditions (a version 1 answer hides them: https://cloud.google.com/iam/docs/policies#versions). Each answers a
 * `Policy { version, etag, bindings: [{ role, members, condition }] }`
 * (https://cloud.google.com/iam/docs/reference/rest/v1/Policy).
 */

const VERSION = 3;

/** The policies that govern who may invoke `f`: its own, and for 2nd gen its Cloud Run service's. */
export function policyRefsOf(f: LiveFunction): PolicyRef[] {
  return [
    { scope: "function", name: f.resourceName },
    ...(f.generation === 2 && f.service ? [{ scope: "run-service" as const, name: f.service }] : []),
  ];
}

/**
 * Reads one policy where it lives:
 * - 1st-gen function: Cloud Functions v1 `functions.getIamPolicy`
 *   https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions/getIamPolicy
 * - 2nd-gen function: Cloud Functions v2 `functions.getIamPolicy`
 *   https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/getIamPolicy
 * - Cloud Run service (what `roles/run.invoker` of a 2nd-gen function sits on): Run v2 `services.getIamPolicy`
 *   https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services/getIamPolicy
 * - project, folder, organization: Resource Manager v3 `getIamPolicy` (POST, `options.requestedPolicyVersion`)
 *   https://cloud.google.com/resource-manager/reference/rest/v3/projects/getIamPolicy (folders, organizations alike)
 */
export function readPolicy(clients: AuditClients, ref: PolicyRef, generation?: 1 | 2): Promise<Policy> {
  const resource = ref.name;
  const v3 = { resource, requestBody: { options: { requestedPolicyVersion: VERSION } } };
  switch (ref.scope) {
    case "function":
      return generation === 2
        ? clients.call("cloudfunctions", ANSWERS.policy, (o) =>
            clients.cloudfunctions.projects.locations.functions.getIamPolicy(
              { resource, "options.requestedPolicyVersion": VERSION },
              o,
            ),
          )
        : clients.call("cloudfunctions", ANSWERS.policy, (o) =>
            clients.cloudfunctionsV1.projects.locations.functions.getIamPolicy(
              { resource, "options.requestedPolicyVersion": VERSION },
              o,
            ),
          );
    case "run-service":
      return clients.call("run", ANSWERS.policy, (o) =>
        clients.run.projects.locations.services.getIamPolicy(
          { resource, "options.requestedPolicyVersion": VERSION },
          o,
        ),
      );
    case "project":
      return clients.call("cloudresourcemanager", ANSWERS.policy, (o) =>
        clients.cloudresourcemanager.projects.getIamPolicy(v3, o),
      );
    case "folder":
      return clients.call("cloudresourcemanager", ANSWERS.policy, (o) =>
        clients.cloudresourcemanager.folders.getIamPolicy(v3, o),
      );
    case "organization":
      return clients.call("cloudresourcemanager", ANSWERS.policy, (o) =>
        clients.cloudresourcemanager.organizations.getIamPolicy(v3, o),
      );
  }
}

/**
 * The folders and organization above the project, nearest first, through Resource Manager v1
 * `projects.getAncestry`: one call, and it needs only `resourcemanager.projects.get` on the project, so the chain
 * is known even where the caller may not read a folder. Response: `{ ancestor: [{ resourceId: { type, id } }] }`,
 * the project itself first. https://cloud.google.com/resource-manager/reference/rest/v1/projects/getAncestry
 */
export async function readAncestry(clients: AuditClients, project: string): Promise<PolicyRef[]> {
  const answer = await clients.call("cloudresourcemanager", ANSWERS.ancestry, (o) =>
    clients.cloudresourcemanagerV1.projects.getAncestry({ projectId: project, requestBody: {} }, o),
  );
  const ancestors = (answer.ancestor ?? []).flatMap((a): PolicyRef[] => {
    const { type, id } = a.resourceId ?? {};
    if (!id) return [];
    if (type === "folder") return [{ scope: "folder", name: `folders/${id}` }];
    if (type === "organization") return [{ scope: "organization", name: `organizations/${id}` }];
    return [];
  });
  assertUnique(API_HOSTS.cloudresourcemanager, ancestors, (a) => a.name, "ancestor");
  return ancestors;
}

/**
 * The IAM policy of a service account, through IAM v1 `projects.serviceAccounts.getIamPolicy` (version 3): who
 * may act as it. https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/getIamPolicy
 */
export function readAccountPolicy(clients: AuditClients, email: string): Promise<Policy> {
  return clients.call("iam", ANSWERS.policy, (o) =>
    clients.iam.projects.serviceAccounts.getIamPolicy(
      { resource: `projects/-/serviceAccounts/${email}`, "options.requestedPolicyVersion": VERSION },
      o,
    ),
  );
}

/**
 * The project's number (`name` is `projects/NUMBER`) through Resource Manager v3 `projects.get`: Asset Inventory
 * names the project by it. https://cloud.google.com/resource-manager/reference/rest/v3/projects/get
 */
export async function readProjectNumber(clients: AuditClients, project: string): Promise<string | undefined> {
  const answer = await clients.call("cloudresourcemanager", ANSWERS.project, (o) =>
    clients.cloudresourcemanager.projects.get({ name: `projects/${project}` }, o),
  );
  // The schema holds `name` to `projects/NUMBER`.
  return answer.name.slice(answer.name.lastIndexOf("/") + 1);
}
