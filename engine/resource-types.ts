/** Type tokens of the GCP resources the engine reads. One list, shared by the graph extractor and the checks. */
export const TYPES = {
  function: "gcp:cloudfunctions/function:Function",
  functionIamBinding: "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding",
  functionIamMember: "gcp:cloudfunctions/functionIamMember:FunctionIamMember",
  functionIamPolicy: "gcp:cloudfunctions/functionIamPolicy:FunctionIamPolicy",
  projectIamBinding: "gcp:projects/iAMBinding:IAMBinding",
  projectIamMember: "gcp:projects/iAMMember:IAMMember",
  projectIamPolicy: "gcp:projects/iAMPolicy:IAMPolicy",
  serviceAccount: "gcp:serviceaccount/account:Account",
  serviceAccountKey: "gcp:serviceaccount/key:Key",
  bucket: "gcp:storage/bucket:Bucket",
  bucketObject: "gcp:storage/bucketObject:BucketObject",
  projectService: "gcp:projects/service:Service",
  callGraph: "callgraph:index:CallGraph",
  serviceFunction: "callgraph:index:ServiceFunction",
} as const;

/**
 * Roles that let a member invoke a function: the invoker roles themselves, and the broader roles that contain
 * `cloudfunctions.functions.invoke` / `run.routes.invoke`.
 * https://cloud.google.com/functions/docs/reference/iam/roles
 */
export const INVOKING_ROLES = [
  "roles/cloudfunctions.invoker",
  "roles/cloudfunctions.developer",
  "roles/cloudfunctions.admin",
  "roles/run.invoker",
  "roles/run.developer",
  "roles/run.admin",
  "roles/editor",
  "roles/owner",
] as const;

export function isInvokingRole(role: string): boolean {
  return (INVOKING_ROLES as readonly string[]).includes(role);
}
