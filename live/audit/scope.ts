import { LiveConfigError } from "../errors";
import type { PolicyRef } from "./types";

/**
 * `--scope`: where one Asset Inventory query looks, as `searchAllIamPolicies` takes it: `projects/ID` or
 * `projects/NUMBER`, `folders/NUMBER`, `organizations/NUMBER`.
 * https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies (scope)
 */
export function parseScope(value: string): string {
  if (/^projects\/[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(value) || /^(folders|organizations)\/\d+$/.test(value))
    return value;
  throw new LiveConfigError(
    `--scope "${value}" is not a scope: give projects/PROJECT_ID, folders/FOLDER_NUMBER or organizations/ORGANIZATION_NUMBER`,
  );
}

/**
 * Splits the ancestors (nearest first) into those the query at `scope` covers and those above it, which are still
 * read one by one. A scope that is neither the project nor one of its ancestors would not see the project's
 * policies at all: a mistake, refused.
 */
export function ancestorsWithin(
  scope: string,
  project: { id: string; number?: string },
  ancestors: readonly PolicyRef[],
): { within: PolicyRef[]; above: PolicyRef[] } {
  if (scope === `projects/${project.id}` || (project.number && scope === `projects/${project.number}`))
    return { within: [], above: [...ancestors] };
  const at = ancestors.findIndex((a) => a.name === scope);
  if (at < 0)
    throw new LiveConfigError(
      `--scope ${scope} does not contain project ${project.id} (its ancestors: ${ancestors.map((a) => a.name).join(", ") || "none"}): ` +
        `give projects/${project.id} or one of its ancestors`,
    );
  return { within: ancestors.slice(0, at + 1), above: ancestors.slice(at + 1) };
}
