import { ANSWERS, assertUnique } from "../answers";
import type { GoogleFailure } from "../google-errors";
import { API_HOSTS } from "../google-clients";
import type { AuditClients } from "./audit-clients";
import { readAllPages } from "./pages";
import type { PolicyRef } from "./types";

/**
 * Asset types whose policies the audit asks Asset Inventory for. `cloudfunctions.googleapis.com/CloudFunction`
 * covers 1st-gen functions only ("This only includes 1st gen Cloud Functions",
 * https://cloud.google.com/asset-inventory/docs/supported-asset-types): a 2nd-gen function's own policy is still
 * read per function, while the policy that lets callers in, its Cloud Run service's, comes from the query.
 */
export const ASSET_TYPES = {
  function: "cloudfunctions.googleapis.com/CloudFunction",
  "run-service": "run.googleapis.com/Service",
  project: "cloudresourcemanager.googleapis.com/Project",
  folder: "cloudresourcemanager.googleapis.com/Folder",
  organization: "cloudresourcemanager.googleapis.com/Organization",
} as const;

/** One policy the query found: the resource's full name (`//HOST/NAME`) and the policy set on it. */
export interface AssetPolicy {
  readonly resource: string;
  readonly policy: unknown;
}

/**
 * Every IAM policy set on a resource of {@link ASSET_TYPES} within `scope`, through Cloud Asset Inventory v1
 * `searchAllIamPolicies`, all pages (500 results each, the cap). No `query`: a query keeps only the bindings it
 * matches, and the audit classifies every binding itself (`iam/`). A resource with no policy set has no result.
 * Response: `{ results: [IamPolicySearchResult { resource, assetType, project, folders, organization, policy }],
 * nextPageToken }`. https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies
 */
export async function searchIamPolicies(
  clients: AuditClients,
  scope: string,
): Promise<{ policies: AssetPolicy[]; requests: number }> {
  const pages = await readAllPages(API_HOSTS.cloudasset, (pageToken) =>
    clients.call("cloudasset", ANSWERS.searchAllIamPolicies, (o) =>
      clients.cloudasset.v1.searchAllIamPolicies(
        { scope, assetTypes: Object.values(ASSET_TYPES), pageSize: 500, pageToken },
        o,
      ),
    ),
  );
  const policies = pages.flatMap((page) =>
    (page.results ?? []).map((r) => ({ resource: r.resource, policy: r.policy ?? {} })),
  );
  // One result per resource that has a policy: a resource found twice (two different policies) is no answer.
  assertUnique(API_HOSTS.cloudasset, policies, (p) => p.resource, "resource");
  return { policies, requests: pages.length };
}

/**
 * Whether a refusal says the API is not enabled on the project: Google answers 403 with reason
 * `SERVICE_DISABLED` and a message "... API has not been used in project ... before or it is disabled"
 * (https://cloud.google.com/service-usage/docs/reference/rest/v1/services: ErrorInfo reasons).
 */
export function isServiceDisabled(failure: Pick<GoogleFailure, "status" | "reason" | "message">): boolean {
  return (
    failure.status === 403 &&
    (failure.reason === "SERVICE_DISABLED" ||
      /has not been used in project|it is disabled/i.test(failure.message))
  );
}

/**
 * The key a policy is found by, the same for a {@link PolicyRef} and an Asset result: the resource name without
 * its `//HOST/` prefix, its project named by id. Asset Inventory names a project by number
 * (`//cloudresourcemanager.googleapis.com/projects/NUMBER`, https://cloud.google.com/asset-inventory/docs/asset-names),
 * the Cloud Functions API by id; both stand for the same project.
 */
export function policyKey(name: string, project: { id: string; number?: string }): string {
  const bare = name.replace(/^\/\/[^/]+\//, "");
  const m = /^projects\/([^/]+)(\/.*)?$/.exec(bare);
  if (!m) return bare;
  const id = m[1] === project.number ? project.id : m[1];
  return `projects/${id}${m[2] ?? ""}`;
}

/** The policies of `refs` the query answered for, by key; a ref with no result has no policy set (empty). */
export function matchAssetPolicies(
  refs: readonly PolicyRef[],
  found: readonly AssetPolicy[],
  project: { id: string; number?: string },
): Map<PolicyRef, unknown> {
  const byKey = new Map(found.map((p) => [policyKey(p.resource, project), p.policy]));
  return new Map(refs.map((ref) => [ref, byKey.get(policyKey(ref.name, project)) ?? {}]));
}
