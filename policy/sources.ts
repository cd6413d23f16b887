import {
  GCP,
  isUnknown,
  lastSegment,
  sourceKindTitle,
  stringAt,
  type Maybe,
  type SourceKind,
  type StackResource,
  valueAt,
} from "../iam";

/** The kinds of caller that are not functions, by the type of the resource that is one. */
export const SOURCE_RESOURCE_KINDS: Readonly<Record<string, SourceKind>> = {
  "gcp:cloudscheduler/job:Job": "scheduler",
  "gcp:pubsub/subscription:Subscription": "pubsub",
  "gcp:cloudtasks/queue:Queue": "tasks",
  "gcp:workflows/workflow:Workflow": "workflow",
  "gcp:eventarc/trigger:Trigger": "eventarc",
};

export type { SourceKind } from "../iam";

/** What each kind is, in messages. */
/** One caller that is not a function, as a policy reads it from the resource's props. */
export interface Source {
  readonly resource: StackResource;
  readonly kind: SourceKind;
  /** The account its tokens are minted for (lower case); undefined when it names none. */
  readonly account: Maybe<string>;
  /** Whether it sends a token at all: a pull subscription or a job without `oidcToken` calls with none. */
  readonly authenticated: boolean;
  /** For a queue: its name and location, which its enqueuer grants name. */
  readonly queue?: {
    readonly name: Maybe<string>;
    readonly location: Maybe<string>;
    readonly project: Maybe<string>;
  };
}

/** The property each kind names its token's account in (a workflow and a trigger: the account they run as). */
const ACCOUNT_PATHS: Readonly<Record<SourceKind, string>> = {
  scheduler: "httpTarget.oidcToken.serviceAccountEmail",
  pubsub: "pushConfig.oidcToken.serviceAccountEmail",
  tasks: "httpTarget.oidcToken.serviceAccountEmail",
  workflow: "serviceAccount",
  eventarc: "serviceAccount",
};

/**
 * The stack's callers that are not functions: Scheduler jobs with an HTTP target, push subscriptions, queues with
 * a queue-level HTTP target, workflows and Eventarc triggers. A pull subscription, a job with another target and a
 * queue without an HTTP target call no URL, and are none.
 */
export function sourcesOf(resources: readonly StackResource[]): Source[] {
  const sources: Source[] = [];
  for (const resource of resources) {
    const kind = SOURCE_RESOURCE_KINDS[resource.type];
    if (!kind) continue;
    const props = resource.props;
    if (kind === "scheduler" && valueAt(props, "httpTarget") === undefined) continue;
    if (kind === "pubsub" && valueAt(props, "pushConfig") === undefined) continue;
    if (kind === "tasks" && valueAt(props, "httpTarget") === undefined) continue;
    const raw = stringAt(props, ACCOUNT_PATHS[kind]);
    // A workflow and a trigger take the email or `projects/P/serviceAccounts/EMAIL`: the email either way.
    const account = isUnknown(raw) ? raw : raw === undefined ? undefined : lastSegment(raw).toLowerCase();
    sources.push({
      resource,
      kind,
      account,
      authenticated: kind === "workflow" || kind === "eventarc" || raw !== undefined,
      ...(kind === "tasks"
        ? {
            queue: {
              name: stringAt(props, "name"),
              location: stringAt(props, "location"),
              project: stringAt(props, "project"),
            },
          }
        : {}),
    });
  }
  return sources;
}

/** `Cloud Scheduler job "nightly"`. */
export function describeSource(source: Source): string {
  const name = stringAt(source.resource.props, "name");
  return `${sourceKindTitle(source.kind)} ${typeof name === "string" ? `"${name}"` : `"${source.resource.name}"`}`;
}

/** The type of the grant that gives an Eventarc trigger's account its project-level event receiver role. */
export const PROJECT_IAM_MEMBER = GCP.projectIamMember;
