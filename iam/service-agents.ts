/**
 * The Google-managed service agents that mint the ID tokens of the callers that are not functions, by project
 * number ("Service agents", https://cloud.google.com/iam/docs/service-agents). Each acts for one product in one
 * project; a grant to one is scoped to the single account it delivers as (invariant 2).
 */
export const SERVICE_AGENT_DOMAINS = {
  /** Mints push subscriptions' tokens (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions). */
  pubsub: "gcp-sa-pubsub.iam.gserviceaccount.com",
  /** Mints Scheduler jobs' tokens (https://cloud.google.com/scheduler/docs/http-target-auth). */
  scheduler: "gcp-sa-cloudscheduler.iam.gserviceaccount.com",
  /** Mints the tokens of tasks' HTTP requests (https://cloud.google.com/tasks/docs/creating-http-target-tasks). */
  tasks: "gcp-sa-cloudtasks.iam.gserviceaccount.com",
  /** Runs triggers (https://cloud.google.com/eventarc/docs/access-control). */
  eventarc: "gcp-sa-eventarc.iam.gserviceaccount.com",
  /** Runs workflows' executions (https://cloud.google.com/workflows/docs/access-control). */
  workflows: "gcp-sa-workflows.iam.gserviceaccount.com",
} as const;

export type ServiceAgentProduct = keyof typeof SERVICE_AGENT_DOMAINS;

/**
 * The role each agent is granted on its project when Google creates it, and which it needs to act: the "Service
 * agents" reference lists each (https://cloud.google.com/iam/docs/service-agents). Scheduler's page warns against
 * revoking its agent's role (https://cloud.google.com/scheduler/docs/http-target-auth), and an agent created on
 * request is granted nothing (https://cloud.google.com/iam/docs/create-service-agents).
 */
export const SERVICE_AGENT_ROLES: Readonly<Record<ServiceAgentProduct, string>> = {
  pubsub: "roles/pubsub.serviceAgent",
  scheduler: "roles/cloudscheduler.serviceAgent",
  tasks: "roles/cloudtasks.serviceAgent",
  eventarc: "roles/eventarc.serviceAgent",
  workflows: "roles/workflows.serviceAgent",
};

/** The API whose enabling creates each agent (`gcloud beta services identity create --service=` takes it too). */
export const SERVICE_AGENT_APIS: Readonly<Record<ServiceAgentProduct, string>> = {
  pubsub: "pubsub.googleapis.com",
  scheduler: "cloudscheduler.googleapis.com",
  tasks: "cloudtasks.googleapis.com",
  eventarc: "eventarc.googleapis.com",
  workflows: "workflows.googleapis.com",
};

/** `service-PROJECT_NUMBER@gcp-sa-<product>.iam.gserviceaccount.com`. */
export function serviceAgentEmail(product: ServiceAgentProduct, projectNumber: string): string {
  return `service-${projectNumber}@${SERVICE_AGENT_DOMAINS[product]}`;
}

/** Which product's service agent `email` is, if it is one of them. */
export function serviceAgentProduct(email: string): ServiceAgentProduct | undefined {
  const match = /^service-[0-9]+@(.+)$/.exec(email.toLowerCase());
  if (!match) return undefined;
  return (Object.keys(SERVICE_AGENT_DOMAINS) as ServiceAgentProduct[]).find(
    (product) => SERVICE_AGENT_DOMAINS[product] === match[1],
  );
}
