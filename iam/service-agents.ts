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
