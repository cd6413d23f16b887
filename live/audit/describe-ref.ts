import { lastSegment } from "../../iam";
import type { PolicyRef } from "./types";

/** Where a grant sits, in words: `function login`, `Cloud Run service login`, `project p`, `folder 123`. */
export function describeRef(ref: PolicyRef): string {
  const id = lastSegment(ref.name);
  return {
    function: `function ${id}`,
    "run-service": `Cloud Run service ${id}`,
    project: `project ${id}`,
    folder: `folder ${id}`,
    organization: `organization ${id}`,
  }[ref.scope];
}

/** `projects/P/locations/L/...` -> L. */
function locationOf(name: string): string {
  return /\/locations\/([^/]+)\//.exec(name)?.[1] ?? "";
}

function projectOf(name: string): string {
  return /^projects\/([^/]+)/.exec(name)?.[1] ?? "";
}

/**
 * The gcloud command that removes one member's role from the policy at `ref`.
 * https://cloud.google.com/sdk/gcloud/reference/functions/remove-iam-policy-binding,
 * https://cloud.google.com/sdk/gcloud/reference/run/services/remove-iam-policy-binding,
 * https://cloud.google.com/sdk/gcloud/reference/projects/remove-iam-policy-binding,
 * https://cloud.google.com/sdk/gcloud/reference/resource-manager/folders/remove-iam-policy-binding,
 * https://cloud.google.com/sdk/gcloud/reference/organizations/remove-iam-policy-binding
 */
export function removeBindingCommand(ref: PolicyRef, member: string, role: string): string {
  const id = lastSegment(ref.name);
  const tail = `--member=${member} --role=${role}`;
  switch (ref.scope) {
    case "function":
      return `gcloud functions remove-iam-policy-binding ${id} --region=${locationOf(ref.name)} --project=${projectOf(ref.name)} ${tail}`;
    case "run-service":
      return `gcloud run services remove-iam-policy-binding ${id} --region=${locationOf(ref.name)} --project=${projectOf(ref.name)} ${tail}`;
    case "project":
      return `gcloud projects remove-iam-policy-binding ${id} ${tail}`;
    case "folder":
      return `gcloud resource-manager folders remove-iam-policy-binding ${id} ${tail}`;
    case "organization":
      return `gcloud organizations remove-iam-policy-binding ${id} ${tail}`;
  }
}
