/**
 * The kinds of caller that is not a function (`callgraph:callers`), and the words every layer names them with:
 * the topology's messages, the accounts' display names, the review, the policy pack and the audit say the same.
 * - `scheduler`: a Cloud Scheduler job's HTTP target (https://cloud.google.com/scheduler/docs/http-target-auth);
 * - `pubsub`: a Pub/Sub push subscription (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions);
 * - `tasks`: a Cloud Tasks queue's queue-level HTTP target (https://cloud.google.com/tasks/docs/reference/rest/v2/OidcToken);
 * - `workflow`: a Workflows workflow's OIDC steps (https://cloud.google.com/workflows/docs/authenticate-from-workflow);
 * - `eventarc`: an Eventarc trigger (https://cloud.google.com/eventarc/docs/access-control).
 */
export const SOURCE_KINDS = ["scheduler", "pubsub", "tasks", "workflow", "eventarc"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Each kind in a sentence: "a Cloud Scheduler job", "the chain workflow". */
export const SOURCE_KIND_WORDS: Readonly<Record<SourceKind, string>> = {
  scheduler: "Cloud Scheduler job",
  pubsub: "Pub/Sub push subscription",
  tasks: "Cloud Tasks queue",
  workflow: "workflow",
  eventarc: "Eventarc trigger",
};

/** Each kind at the start of a title or a message: "Workflow chain", "Cloud Tasks queue retries". */
export function sourceKindTitle(kind: SourceKind): string {
  const words = SOURCE_KIND_WORDS[kind];
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The words for a kind read from elsewhere (a live answer, a diff's JSON), or undefined for one that is not a kind. */
export function sourceKindWords(kind: string | undefined): string | undefined {
  return kind !== undefined && Object.hasOwn(SOURCE_KIND_WORDS, kind)
    ? SOURCE_KIND_WORDS[kind as SourceKind]
    : undefined;
}
