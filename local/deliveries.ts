import { randomUUID } from "node:crypto";
import type { GraphSource } from "../engine";
import { callFunction, fetchIdTokenFrom, type CallOptions, type FunctionResponse } from "./metadata-client";
import type { LocalStackDescription } from "./stack";

/** One request a source sends its callee: the path below the callee's URL, the method, headers and body. */
export interface Delivery {
  readonly path: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What `callgraph invoke <source> --local` may give a delivery: the message data and its attributes. */
export interface DeliveryInput {
  /** The message's data (Pub/Sub), the task's body (Tasks), the event's data (Eventarc); the job's own body otherwise. */
  readonly data?: string;
  /** Pub/Sub message attributes. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** The project the source is in: it names subscriptions, queues and event sources. */
  readonly project: string;
  readonly region: string;
  readonly now?: Date;
}

/**
 * The request a source would send, as each product documents it (verified against those pages and nothing else: no
 * cloud account is used here):
 * - Cloud Scheduler: the job's method and body, with `User-Agent: Google-Cloud-Scheduler`, `X-CloudScheduler: true`,
 *   `X-CloudScheduler-JobName` and `X-CloudScheduler-ScheduleTime` (HttpTarget, https://cloud.google.com/scheduler/docs/reference/rest/v1/projects.locations.jobs#HttpTarget);
 * - Pub/Sub push: `POST` of the wrapped envelope `{"message": {"data", "attributes", "messageId", "publishTime"},
 *   "subscription"}` (https://cloud.google.com/pubsub/docs/push#receive_push), or, unwrapped without metadata, the
 *   data itself and nothing else (https://cloud.google.com/pubsub/docs/payload-unwrapping);
 * - Cloud Tasks: the queue's method with `X-CloudTasks-QueueName`, `X-CloudTasks-TaskName`,
 *   `X-CloudTasks-TaskRetryCount`, `X-CloudTasks-TaskExecutionCount` and `X-CloudTasks-TaskETA`
 *   (https://cloud.google.com/tasks/docs/creating-http-target-tasks#handler);
 * - Eventarc: a CloudEvent in binary content mode, its attributes as `ce-*` headers and its data as the body
 *   (https://cloud.google.com/eventarc/docs/cloudevents, https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/http-protocol-binding.md).
 * A workflow runs its own definition, which the local stack does not interpret: undefined.
 */
export function deliveryOf(source: GraphSource, input: DeliveryInput): Delivery | undefined {
  const now = input.now ?? new Date();
  const d = source.delivery;
  const path = pathOf(d.endpoint);
  switch (source.kind) {
    case "scheduler": {
      const body = input.data ?? d.body;
      return {
        path,
        method: d.httpMethod ?? "POST",
        headers: {
          "user-agent": "Google-Cloud-Scheduler",
          "x-cloudscheduler": "true",
          "x-cloudscheduler-jobname": source.name,
          "x-cloudscheduler-scheduletime": now.toISOString(),
          ...(body === undefined ? {} : { "content-type": "application/octet-stream" }),
        },
        ...(body === undefined ? {} : { body }),
      };
    }
    case "pubsub": {
      const data = input.data ?? "";
      const attributes = input.attributes ?? {};
      const messageId = String(Math.floor(Math.random() * 1e15));
      // Unwrapped without metadata (the component sets writeMetadata: false), Pub/Sub sends the data and nothing
      // else: no attributes, no message id (https://cloud.google.com/pubsub/docs/payload-unwrapping).
      if (d.noWrapper) return { path, method: "POST", headers: {}, body: data };
      const message = {
        data: Buffer.from(data).toString("base64"),
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
        messageId,
        message_id: messageId,
        publishTime: now.toISOString(),
        publish_time: now.toISOString(),
      };
      return {
        path,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          message,
          subscription: `projects/${input.project}/subscriptions/${source.name}`,
        }),
      };
    }
    case "tasks":
      return {
        path,
        method: d.httpMethod ?? "POST",
        headers: {
          "user-agent": "Google-Cloud-Tasks",
          "x-cloudtasks-queuename": source.name,
          "x-cloudtasks-taskname": randomUUID().replace(/-/g, ""),
          "x-cloudtasks-taskretrycount": "0",
          "x-cloudtasks-taskexecutioncount": "0",
          "x-cloudtasks-tasketa": (now.getTime() / 1000).toFixed(6),
          // Cloud Tasks' default when the task sets none (HttpRequest.headers: "application/octet-stream").
          ...(input.data === undefined ? {} : { "content-type": "application/octet-stream" }),
        },
        ...(input.data === undefined ? {} : { body: input.data }),
      };
    case "eventarc":
      return {
        path,
        method: "POST",
        headers: {
          "ce-id": randomUUID(),
          "ce-specversion": "1.0",
          "ce-type": d.eventType ?? "",
          "ce-source": eventSource(d, input),
          "ce-time": now.toISOString(),
          ...Object.fromEntries(Object.entries(d.filters ?? {}).map(([k, v]) => [`ce-${k}`, v])),
          "content-type": "application/json",
        },
        body: input.data ?? "{}",
      };
    case "workflow":
      return undefined;
  }
}

/** A Cloud Storage event's source names its bucket; any other, the trigger's project and region. */
function eventSource(d: GraphSource["delivery"], input: DeliveryInput): string {
  if (d.eventType?.startsWith("google.cloud.storage.") && d.filters?.bucket)
    return `//storage.googleapis.com/projects/_/buckets/${d.filters.bucket}`;
  return `//eventarc.googleapis.com/projects/${input.project}/locations/${input.region}`;
}

/**
 * The part of the source's endpoint below its callee's URL. A 1st-gen URL ends in the function's name
 * (`…/cloudfunctions.net/beta`), and the callee's local URL already stands for that; a 2nd-gen URL is the origin.
 */
function pathOf(endpoint: string | undefined): string {
  if (!endpoint) return "";
  if (endpoint.startsWith("/")) return endpoint === "/" ? "" : endpoint;
  try {
    const url = new URL(endpoint);
    const rest = url.hostname.endsWith(".cloudfunctions.net")
      ? url.pathname.split("/").slice(2).join("/")
      : url.pathname.replace(/^\//, "");
    return rest ? `/${rest}` : "";
  } catch {
    return "";
  }
}

/** A delivery the local stack did not make: the source is broken (`--break`), or it sends nothing here. */
export class NotDelivered extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotDelivered";
  }
}

/** What {@link deliver} needs of the serving local stack (its description). */
export interface DeliveryTarget {
  readonly sources?: LocalStackDescription["sources"];
  readonly functions: LocalStackDescription["functions"];
  readonly identities: LocalStackDescription["identities"];
  readonly project?: string;
  readonly region?: string;
}

/**
 * Sends what source `name` would send to the function it calls (or, with `to`, to another function, as an attacker
 * who re-points it would), with a token its account's metadata server mints: through the function's front end,
 * which admits it only if the source's account may invoke that function. Throws {@link NotDelivered} when nothing
 * would arrive (a broken source's token is refused; a workflow is not emulated).
 */
export async function deliver(
  stack: DeliveryTarget,
  name: string,
  input: Omit<DeliveryInput, "project" | "region"> & { readonly to?: string } = {},
  options: CallOptions = {},
  /** Headers of the local tools besides the source's own (the probe mark). */
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<FunctionResponse & { readonly function: string; readonly delivery: Delivery }> {
  const source = stack.sources?.[name];
  if (!source) throw new NotDelivered(`the local stack has no caller "${name}"`);
  const fn = input.to ?? source.targets[0];
  const target = fn === undefined ? undefined : stack.functions[fn];
  if (!target || fn === undefined)
    throw new NotDelivered(`${name} calls no function of the local stack${fn ? ` named "${fn}"` : ""}`);
  const delivery = deliveryOf({ name, kind: source.kind, delivery: source.delivery } as GraphSource, {
    ...input,
    project: stack.project ?? "",
    region: stack.region ?? "",
  });
  if (!delivery)
    throw new NotDelivered(
      `${name} is a workflow: the local stack does not run workflow definitions. Call each of its callees as it instead: callgraph invoke <function> --local --as ${name}`,
    );
  const member = `serviceAccount:${source.serviceAccount}`;
  const identity = stack.identities[member];
  if (!identity) throw new NotDelivered(`the local stack has no identity for ${member}`);
  let token: string;
  try {
    token = await fetchIdTokenFrom(identity.metadataHost, target.url);
  } catch (error) {
    throw new NotDelivered(
      source.broken ?? `no token could be minted for ${member}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const answer = await callFunction(
    target.url,
    {
      method: delivery.method,
      path: delivery.path,
      headers: { ...delivery.headers, ...extraHeaders },
      rawBody: delivery.body,
    },
    token,
    "authorization",
    options,
  );
  return { ...answer, function: fn, delivery };
}
