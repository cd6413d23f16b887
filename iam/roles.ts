/**
 * Roles that let a member invoke a function: the invoker roles, and the broader roles that contain
 * `cloudfunctions.functions.invoke` or `run.routes.invoke`.
 * https://cloud.google.com/functions/docs/reference/iam/roles, https://cloud.google.com/run/docs/reference/iam/roles
 */
export const INVOKING_ROLES: readonly string[] = [
  "roles/cloudfunctions.invoker",
  "roles/cloudfunctions.developer",
  "roles/cloudfunctions.admin",
  "roles/run.invoker",
  "roles/run.servicesInvoker",
  "roles/run.developer",
  "roles/run.admin",
  "roles/editor",
  "roles/owner",
];

/** Roles that do nothing but invoke: granted on a project, they open every function in it to the member. */
export const INVOKER_ROLES: readonly string[] = [
  "roles/cloudfunctions.invoker",
  "roles/run.invoker",
  "roles/run.servicesInvoker",
];

/** Whether `role` lets its members invoke functions (the invoker roles and the broader ones containing it). */
export function isInvokingRole(role: string): boolean {
  return INVOKING_ROLES.includes(role);
}

/** Whether `role` does nothing but invoke (so it has no other reason to be granted on a project). */
export function isInvokerRole(role: string): boolean {
  return INVOKER_ROLES.includes(role);
}
