import { lastSegment } from "../../iam";
import { ANSWERS, assertUnique } from "../answers";
import { API_HOSTS, type ApiName } from "../google-clients";
import { observe } from "../preflight/read-project";
import type { Observed } from "../preflight/types";
import type { AuditClients } from "./audit-clients";
import { readAllPages } from "./pages";

/** The kinds of caller that are not functions, as the declaration names them. */
export type { SourceKind } from "../../iam";
import type { SourceKind } from "../../iam";

/** One caller that is not a function, as its API answers: the account it calls as and where its tokens go. */
export interface LiveSource {
  readonly kind: SourceKind;
  /** Its short name (the last segment of its resource name). */
  readonly name: string;
  /** The account its tokens are minted for (lower case); undefined when it names none. */
  readonly account?: string;
  /**
   * Where its tokens go: the audience (else the URL it calls) for a job, a subscription and a queue; the callee URLs
   * it is told for a workflow; the Cloud Run service for a trigger.
   */
  readonly targets: readonly string[];
}

/** What each kind's listing is, for messages: the API, the method's reference page, and the viewer role. */
export const SOURCE_LISTINGS: Readonly<
  Record<
    SourceKind,
    { readonly api: ApiName; readonly what: string; readonly source: string; readonly role: string }
  >
> = {
  scheduler: {
    api: "cloudscheduler",
    what: "Cloud Scheduler jobs",
    source: "https://cloud.google.com/scheduler/docs/reference/rest/v1/projects.locations.jobs/list",
    role: "roles/cloudscheduler.viewer",
  },
  pubsub: {
    api: "pubsub",
    what: "Pub/Sub subscriptions",
    source: "https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.subscriptions/list",
    role: "roles/pubsub.viewer",
  },
  tasks: {
    api: "cloudtasks",
    what: "Cloud Tasks queues",
    source: "https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues/list",
    role: "roles/cloudtasks.viewer",
  },
  workflow: {
    api: "workflows",
    what: "Workflows",
    source: "https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows/list",
    role: "roles/workflows.viewer",
  },
  eventarc: {
    api: "eventarc",
    what: "Eventarc triggers",
    source: "https://cloud.google.com/eventarc/docs/reference/rest/v1/projects.locations.triggers/list",
    role: "roles/eventarc.viewer",
  },
};

/**
 * Lists the callers of each kind the stack declares, every page, in the stack's project and region (Pub/Sub's
 * subscriptions are listed for the whole project: they have no region). A kind the stack does not declare is not
 * read: its API may well be off in the project, and nothing of the declaration depends on it.
 */
export async function readSources(
  clients: AuditClients,
  project: string,
  region: string,
  kinds: readonly SourceKind[],
): Promise<{ readonly kind: SourceKind; readonly observed: Observed<LiveSource[]> }[]> {
  const parent = `projects/${project}/locations/${region}`;
  return Promise.all(
    [...new Set(kinds)].sort().map(async (kind) => ({
      kind,
      observed: await observe(() => LISTERS[kind](clients, project, parent)),
    })),
  );
}

const email = (value: string | null | undefined) => (value ? value.toLowerCase() : undefined);
const present = (...values: (string | null | undefined)[]) =>
  values.filter((v): v is string => typeof v === "string" && v !== "");
const account = (value: string | null | undefined) => {
  const e = email(value);
  return e === undefined ? {} : { account: e };
};

const LISTERS: Readonly<
  Record<SourceKind, (clients: AuditClients, project: string, parent: string) => Promise<LiveSource[]>>
> = {
  scheduler: async (clients, _project, parent) => {
    const pages = await readAllPages(API_HOSTS.cloudscheduler, (pageToken) =>
      clients.call("cloudscheduler", ANSWERS.listSchedulerJobs, (options) =>
        clients.cloudscheduler.projects.locations.jobs.list({ parent, pageToken }, options),
      ),
    );
    const jobs = pages.flatMap((p) => p.jobs ?? []);
    assertUnique(API_HOSTS.cloudscheduler, jobs, (j) => j.name, "job");
    return jobs
      .filter((j) => j.httpTarget)
      .map((j) => ({
        kind: "scheduler",
        name: lastSegment(j.name),
        ...account(j.httpTarget?.oidcToken?.serviceAccountEmail),
        targets: present(j.httpTarget?.oidcToken?.audience || j.httpTarget?.uri),
      }));
  },
  pubsub: async (clients, project) => {
    const pages = await readAllPages(API_HOSTS.pubsub, (pageToken) =>
      clients.call("pubsub", ANSWERS.listSubscriptions, (options) =>
        clients.pubsub.projects.subscriptions.list({ project: `projects/${project}`, pageToken }, options),
      ),
    );
    const subscriptions = pages.flatMap((p) => p.subscriptions ?? []);
    assertUnique(API_HOSTS.pubsub, subscriptions, (s) => s.name, "subscription");
    // A pull subscription calls no URL: not a caller.
    return subscriptions
      .filter((s) => s.pushConfig?.pushEndpoint)
      .map((s) => ({
        kind: "pubsub",
        name: lastSegment(s.name),
        ...account(s.pushConfig?.oidcToken?.serviceAccountEmail),
        targets: present(s.pushConfig?.oidcToken?.audience || s.pushConfig?.pushEndpoint),
      }));
  },
  tasks: async (clients, _project, parent) => {
    const pages = await readAllPages(API_HOSTS.cloudtasks, (pageToken) =>
      clients.call("cloudtasks", ANSWERS.listQueues, (options) =>
        clients.cloudtasks.projects.locations.queues.list({ parent, pageToken }, options),
      ),
    );
    const queues = pages.flatMap((p) => p.queues ?? []);
    assertUnique(API_HOSTS.cloudtasks, queues, (q) => q.name, "queue");
    return queues
      .filter((q) => q.httpTarget)
      .map((q) => {
        const override = q.httpTarget?.uriOverride;
        const path = override?.pathOverride?.path ?? "";
        const url = override?.host ? `https://${override.host}${path === "/" ? "" : path}` : undefined;
        return {
          kind: "tasks",
          name: lastSegment(q.name),
          ...account(q.httpTarget?.oidcToken?.serviceAccountEmail),
          targets: present(q.httpTarget?.oidcToken?.audience || url),
        };
      });
  },
  workflow: async (clients, _project, parent) => {
    const pages = await readAllPages(API_HOSTS.workflows, (pageToken) =>
      clients.call("workflows", ANSWERS.listWorkflows, (options) =>
        clients.workflows.projects.locations.workflows.list({ parent, pageToken }, options),
      ),
    );
    const flows = pages.flatMap((p) => p.workflows ?? []);
    assertUnique(API_HOSTS.workflows, flows, (w) => w.name, "workflow");
    return flows.map((w) => ({
      kind: "workflow",
      name: lastSegment(w.name),
      // The account is `projects/P/serviceAccounts/EMAIL` or the email alone (Workflow.serviceAccount).
      ...account(w.serviceAccount ? lastSegment(w.serviceAccount) : undefined),
      targets: Object.entries(w.userEnvVars ?? {})
        .filter(([name]) => name.startsWith("CALLGRAPH_URL_"))
        .map(([, url]) => url),
    }));
  },
  eventarc: async (clients, _project, parent) => {
    const pages = await readAllPages(API_HOSTS.eventarc, (pageToken) =>
      clients.call("eventarc", ANSWERS.listTriggers, (options) =>
        clients.eventarc.projects.locations.triggers.list({ parent, pageToken }, options),
      ),
    );
    const triggers = pages.flatMap((p) => p.triggers ?? []);
    assertUnique(API_HOSTS.eventarc, triggers, (t) => t.name, "trigger");
    return triggers.map((t) => ({
      kind: "eventarc",
      name: lastSegment(t.name),
      ...account(t.serviceAccount ? lastSegment(t.serviceAccount) : undefined),
      targets: present(t.destination?.cloudRun?.service),
    }));
  },
};
