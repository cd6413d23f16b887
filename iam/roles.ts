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

/**
 * Roles that let a member act as a service account: mint its ID or access tokens, or run something as it
 * ("Roles for service account impersonation", https://cloud.google.com/iam/docs/service-account-permissions). Held on
 * a function's or a caller's account, they let the holder call whatever that account may call: a caller the
 * declaration never named. `roles/iam.serviceAccountAdmin` sets the account's own IAM policy, so it can grant the
 * rest; the basic roles contain `iam.serviceAccounts.actAs` (editor) or everything (owner).
 */
export const IMPERSONATING_ROLES: readonly string[] = [
  "roles/iam.serviceAccountTokenCreator",
  "roles/iam.serviceAccountOpenIdTokenCreator",
  "roles/iam.serviceAccountUser",
  "roles/iam.workloadIdentityUser",
  "roles/iam.serviceAccountAdmin",
  // Creates keys for the account: a key is the account, from anywhere, until deleted.
  "roles/iam.serviceAccountKeyAdmin",
  "roles/editor",
  "roles/owner",
];

/** Whether `role` lets its members act as the service account it is granted on (or every account of a project). */
export function isImpersonatingRole(role: string): boolean {
  return IMPERSONATING_ROLES.includes(role);
}

/**
 * The roles the callers that are not functions need besides the invoker role, each cited where it is granted
 * (components/): the Pub/Sub service agent's token creator on a push account, a Tasks enqueuer's right to add tasks
 * and to act as the queue's account, and Eventarc's event receiver.
 */
export const SOURCE_ROLES = {
  /** https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions */
  tokenCreator: "roles/iam.serviceAccountTokenCreator",
  /** https://cloud.google.com/tasks/docs/reference/rest/v2/OidcToken ("iam.serviceAccounts.actAs") */
  serviceAccountUser: "roles/iam.serviceAccountUser",
  /** https://cloud.google.com/tasks/docs/reference-access-control */
  enqueuer: "roles/cloudtasks.enqueuer",
  /** https://cloud.google.com/eventarc/docs/access-control */
  eventReceiver: "roles/eventarc.eventReceiver",
} as const;
