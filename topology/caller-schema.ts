import { z } from "zod";
import { SOURCE_KINDS, type SourceKind } from "../iam/source-kinds";

/**
 * The kinds of caller that are not functions: each is a Google service that calls an HTTP endpoint with an ID token
 * it mints for a service account of the user's choosing, so each can be given its own account and join its callees'
 * invoker bindings like a function.
 * - `scheduler`: a Cloud Scheduler job with an HTTP target and an OIDC token
 *   (https://cloud.google.com/scheduler/docs/http-target-auth, "Use authentication with HTTP targets");
 * - `pubsub`: a Pub/Sub push subscription with authentication
 *   (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions);
 * - `tasks`: a Cloud Tasks queue whose queue-level HTTP target calls one function with an OIDC token
 *   (https://cloud.google.com/tasks/docs/reference/rest/v2/OidcToken,
 *   https://cloud.google.com/tasks/docs/configuring-queues#configuring_queue-level_routing_for_http_tasks);
 * - `workflow`: a Workflow whose `http.*` steps call with `auth: {type: OIDC}`
 *   (https://cloud.google.com/workflows/docs/authenticate-from-workflow, "Make authenticated requests");
 * - `eventarc`: an Eventarc trigger delivering to a 2nd-gen function's Cloud Run service
 *   (https://cloud.google.com/eventarc/docs/access-control, "Roles and permissions").
 */
export const CALLER_KINDS = SOURCE_KINDS;
export type CallerKind = SourceKind;

/**
 * Cloud Scheduler's HTTP methods (https://cloud.google.com/scheduler/docs/reference/rest/v1/projects.locations.jobs#httpmethod)
 * and Cloud Tasks' (https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks#httpmethod):
 * the same seven names.
 */
export const CALLER_HTTP_METHODS = ["POST", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;
export type CallerHttpMethod = (typeof CALLER_HTTP_METHODS)[number];

/** A path below the callee's URL the source calls (`/nightly`); the token's audience stays the callee's URL. */
const path = z.string().optional();

const schedulerSchema = z.strictObject({
  // unix-cron, five fields (https://cloud.google.com/scheduler/docs/configuring/cron-job-schedules); checked in callers.ts.
  schedule: z.string(),
  // A tz database name; the job's default is Etc/UTC (Job.timeZone). Checked in callers.ts.
  timeZone: z.string().optional(),
  httpMethod: z.enum(CALLER_HTTP_METHODS).optional(),
  // "HTTP request body. A request body is allowed only if the HTTP method is POST, PUT, or PATCH" (HttpTarget.body).
  body: z.string().optional(),
  path,
});

const pubsubSchema = z.strictObject({
  // A topic id this stack creates, or an existing topic's full name `projects/P/topics/T`.
  topic: z.string(),
  // Payload unwrapping: the message data is the whole body (https://cloud.google.com/pubsub/docs/payload-unwrapping).
  noWrapper: z.boolean().optional(),
  // 10 to 600 seconds (Subscription.ackDeadlineSeconds); for push, how long the endpoint has to answer.
  ackDeadlineSeconds: z.number().int().min(10).max(600).optional(),
  path,
});

const tasksSchema = z.strictObject({
  // Functions that may add tasks to the queue (roles/cloudtasks.enqueuer on it, and act as its account).
  enqueuers: z.array(z.string()).optional(),
  httpMethod: z.enum(CALLER_HTTP_METHODS).optional(),
  // RetryConfig.maxAttempts: -1 for unlimited; Google's default is 100.
  maxAttempts: z.number().int().min(-1).max(1000).optional(),
  path,
});

const workflowSchema = z.strictObject({
  // The workflow's definition (YAML or JSON), relative to the project root.
  source: z.string().min(1),
  description: z.string().optional(),
});

const eventarcSchema = z.strictObject({
  // The CloudEvents `type` the trigger matches, e.g. google.cloud.storage.object.v1.finalized.
  eventType: z.string().min(1),
  // Other attributes the event must have (e.g. bucket: my-uploads), attribute -> value.
  filters: z.record(z.string(), z.string()).optional(),
  path,
});

/**
 * One caller that is not a function (`callgraph:callers.NAME`): exactly one source kind and the functions it
 * `calls`. Strict, like a function's declaration: a typo must not silently drop an edge.
 */
export const callerDeclarationSchema = z.strictObject({
  calls: z.array(z.string()),
  scheduler: schedulerSchema.optional(),
  pubsub: pubsubSchema.optional(),
  tasks: tasksSchema.optional(),
  workflow: workflowSchema.optional(),
  eventarc: eventarcSchema.optional(),
});

export type CallerDeclaration = z.infer<typeof callerDeclarationSchema>;

/** Each kind's own settings, checked key by key for a declaration the whole schema refuses (callers.ts). */
export const CALLER_KIND_SCHEMAS = {
  scheduler: schedulerSchema,
  pubsub: pubsubSchema,
  tasks: tasksSchema,
  workflow: workflowSchema,
  eventarc: eventarcSchema,
} as const satisfies Record<CallerKind, z.ZodObject>;

/** Keys a caller's declaration may have, and each kind's own, for the "unknown key" message. */
export const CALLER_KEYS = Object.keys(callerDeclarationSchema.shape);
export const CALLER_KIND_KEYS: Readonly<Record<CallerKind, readonly string[]>> = {
  scheduler: Object.keys(schedulerSchema.shape),
  pubsub: Object.keys(pubsubSchema.shape),
  tasks: Object.keys(tasksSchema.shape),
  workflow: Object.keys(workflowSchema.shape),
  eventarc: Object.keys(eventarcSchema.shape),
};
