import { TYPES } from "./resource-types";
import {
  UNKNOWN,
  type GraphFunction,
  type GraphSource,
  type RegisteredResource,
  type SourceDelivery,
  type SourceKind,
} from "./types";

/** The resource types of the callers that are not functions, and the kind each is. */
const SOURCE_TYPES: ReadonlyMap<string, SourceKind> = new Map([
  [TYPES.schedulerJob, "scheduler"],
  [TYPES.pubsubSubscription, "pubsub"],
  [TYPES.tasksQueue, "tasks"],
  [TYPES.workflow, "workflow"],
  [TYPES.eventarcTrigger, "eventarc"],
]);

/**
 * The callers that are not functions, from their registered resources (never from the config), each with the
 * account its tokens are minted for and the functions they are meant for:
 * - a Scheduler job: `httpTarget.oidcToken` (its audience, else its `uri`, which Scheduler then uses);
 * - a push subscription: `pushConfig.oidcToken` (its audience, else the push endpoint); one without a push config
 *   is a pull subscription and calls nothing;
 * - a queue: its queue-level `httpTarget.oidcToken` (its audience, else the overridden host and path);
 * - a workflow: its `serviceAccount`, and the callee URLs it is told (`userEnvVars`);
 * - an Eventarc trigger: its `serviceAccount`, and its destination's Cloud Run service (a 2nd-gen function's name).
 * A target is a function whose URL is the audience; an audience that is no function's URL names none.
 */
export function graphSources(
  resources: readonly RegisteredResource[],
  functions: readonly GraphFunction[],
  isManaged: (r: RegisteredResource) => boolean,
): GraphSource[] {
  const byUrl = new Map(functions.map((f) => [stripSlash(f.url), f.name]));
  const byName = new Set(functions.map((f) => f.name));
  const sources: GraphSource[] = [];
  for (const r of resources) {
    const kind = SOURCE_TYPES.get(r.type);
    if (!kind) continue;
    const read = readSource(kind, r.inputs);
    if (!read) continue;
    const targets =
      kind === "eventarc"
        ? read.audiences.filter((service) => byName.has(service))
        : read.audiences.flatMap((a) => {
            const fn = byUrl.get(stripSlash(a));
            return fn ? [fn] : [];
          });
    sources.push({
      name: String(r.inputs.name ?? r.name),
      kind,
      urn: r.urn,
      serviceAccount: read.account,
      audiences: kind === "eventarc" ? [] : [...new Set(read.audiences)].sort(),
      targets: [...new Set(targets)].sort(),
      managed: isManaged(r),
      delivery: deliveryOf(kind, r.inputs),
    });
  }
  return sources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : 1));
}

function readSource(
  kind: SourceKind,
  i: Readonly<Record<string, unknown>>,
): { account: string; audiences: string[] } | undefined {
  switch (kind) {
    case "scheduler": {
      const target = record(i.httpTarget);
      const token = record(target.oidcToken);
      return {
        account: text(token.serviceAccountEmail),
        audiences: [text(token.audience) || text(target.uri)].filter(Boolean),
      };
    }
    case "pubsub": {
      const push = record(i.pushConfig);
      if (Object.keys(push).length === 0) return undefined;
      const token = record(push.oidcToken);
      return {
        account: text(token.serviceAccountEmail),
        audiences: [text(token.audience) || text(push.pushEndpoint)].filter(Boolean),
      };
    }
    case "tasks": {
      const target = record(i.httpTarget);
      const token = record(target.oidcToken);
      const override = record(target.uriOverride);
      const path = text(record(override.pathOverride).path);
      const fallback = text(override.host) ? `https://${text(override.host)}${path === "/" ? "" : path}` : "";
      return {
        account: text(token.serviceAccountEmail),
        audiences: [text(token.audience) || fallback].filter(Boolean),
      };
    }
    case "workflow": {
      const env = record(i.userEnvVars);
      return {
        // The email, or `projects/P/serviceAccounts/EMAIL`: the email either way.
        account: lastPart(text(i.serviceAccount)),
        audiences: Object.entries(env)
          .filter(([name]) => name.startsWith("CALLGRAPH_URL_"))
          .map(([, value]) => text(value))
          .filter(Boolean),
      };
    }
    case "eventarc": {
      const service = text(record(record(i.destination).cloudRunService).service);
      return { account: lastPart(text(i.serviceAccount)), audiences: service ? [service] : [] };
    }
  }
}

/** What the source sends, as its resource says; only what is set (and known). */
function deliveryOf(kind: SourceKind, i: Readonly<Record<string, unknown>>): SourceDelivery {
  const fields: Record<string, unknown> = {};
  const set = (key: keyof SourceDelivery, value: unknown) => {
    if (value !== undefined && value !== "") fields[key] = value;
  };
  switch (kind) {
    case "scheduler": {
      const target = record(i.httpTarget);
      set("endpoint", text(target.uri));
      set("httpMethod", text(target.httpMethod) || "POST");
      const body = text(target.body);
      if (body) set("body", Buffer.from(body, "base64").toString("utf8"));
      set("schedule", text(i.schedule));
      set("timeZone", text(i.timeZone) || "Etc/UTC");
      break;
    }
    case "pubsub": {
      const push = record(i.pushConfig);
      set("endpoint", text(push.pushEndpoint));
      set("topic", text(i.topic));
      set("noWrapper", Object.keys(record(push.noWrapper)).length > 0);
      break;
    }
    case "tasks": {
      const target = record(i.httpTarget);
      const override = record(target.uriOverride);
      const host = text(override.host);
      if (host) set("endpoint", `https://${host}${text(record(override.pathOverride).path)}`);
      set("httpMethod", text(target.httpMethod) || "POST");
      break;
    }
    case "workflow":
      break;
    case "eventarc": {
      const criteria = Array.isArray(i.matchingCriterias) ? i.matchingCriterias.map(record) : [];
      set("eventType", text(criteria.find((c) => c.attribute === "type")?.value));
      const filters = criteria.filter((c) => c.attribute !== "type" && text(c.attribute));
      if (filters.length > 0)
        set("filters", Object.fromEntries(filters.map((c) => [text(c.attribute), text(c.value)])));
      set("endpoint", text(record(record(i.destination).cloudRunService).path) || "/");
      break;
    }
  }
  return fields as SourceDelivery;
}

function lastPart(reference: string): string {
  return reference.slice(reference.lastIndexOf("/") + 1);
}

function text(value: unknown): string {
  return typeof value === "string" && value !== UNKNOWN ? value : "";
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
