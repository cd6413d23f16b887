/**
 * How reviewers see an IAM member. The topology has the same list, but `cli/` reads only what the engine
 * recorded (DESIGN.md, layout), so the two public members are named here too. `allAuthenticatedUsers` is any
 * Google account: as public as `allUsers` (DESIGN.md, "GCP facts").
 * https://cloud.google.com/iam/docs/principal-identifiers
 */
export const PUBLIC_MEMBERS: readonly string[] = ["allUsers", "allAuthenticatedUsers"];

/** Roles that let a member invoke and nothing more; any other invoking role also lets it change the function. */
export const INVOKE_ONLY_ROLES: readonly string[] = ["roles/cloudfunctions.invoker", "roles/run.invoker"];

/**
 * GCP's default runtime identities: gen1's App Engine account holds Editor on the project, and the Compute
 * Engine one is gen2's default. https://cloud.google.com/functions/docs/securing/function-identity
 */
const DEFAULT_ACCOUNT = /(@appspot\.gserviceaccount\.com|-compute@developer\.gserviceaccount\.com)$/;

/**
 * Who an invoker is: another function of the stack (an edge), a caller of the stack that is not a function (a
 * Scheduler job, a push subscription, a queue, a workflow, an Eventarc trigger: `source`), anyone (public), or
 * someone else.
 */
export type InvokerKind = "function" | "source" | "public" | "external";

export function isPublicMember(member: string): boolean {
  return PUBLIC_MEMBERS.includes(member);
}

/** True for no account at all (the platform then uses its default) and for the default accounts themselves. */
export function isDefaultAccount(email: string): boolean {
  return email === "" || DEFAULT_ACCOUNT.test(email);
}

export function invokerKind(
  member: string,
  callerFunction: string | undefined,
  callerSource?: string,
): InvokerKind {
  if (callerFunction !== undefined) return "function";
  if (callerSource !== undefined) return "source";
  return isPublicMember(member) ? "public" : "external";
}

/** What each kind of caller that is not a function is, in a reviewer's words. */
