import * as gcp from "./gcp";
import * as pulumi from "@pulumi/pulumi";
import { serviceAgentEmail, SOURCE_ROLES, sourceKindTitle, type CallerKind } from "../topology";

/** What every component of a caller that is not a function is given: who it is, where, and whom it calls. */
export interface CallerSourceArgs {
  /** The caller's name (`callgraph:callers.NAME`): its job's, subscription's, queue's, workflow's or trigger's name. */
  readonly callerName: string;
  readonly project: string;
  readonly region: string;
  /** Its own account's id (`src-…`, derived from its name) and the email GCP gives it, known at preview time. */
  readonly serviceAccountId: string;
  readonly serviceAccountEmail: string;
  /** Enabled APIs its resources wait for; defaults to none. */
  readonly apis?: readonly pulumi.Resource[];
  /** The project's labels for everything it creates (`managed-by: callgraph`). */
  readonly labels: Readonly<Record<string, string>>;
}

/** One function a source calls: its name, its URL (the tokens' audience) and its generation. */
export interface SourceCallee {
  readonly name: string;
  readonly url: string;
  readonly generation: 1 | 2;
}

/**
 * The caller's own service account: never a default one, never a function's (invariant 1 for sources). Its id
 * starts with `src-`, so it cannot be a function's (`fn-`) or the build account.
 */
export function sourceAccount(
  name: string,
  kind: CallerKind,
  args: CallerSourceArgs,
  parent: pulumi.Resource,
): gcp.serviceaccount.Account {
  return new gcp.serviceaccount.Account(
    `${name}-sa`,
    {
      project: args.project,
      accountId: args.serviceAccountId,
      displayName: `${sourceKindTitle(kind)} ${args.callerName}`,
      description: `Identity the ${args.callerName} ${sourceKindTitle(kind)} calls its functions as (managed by callgraph).`,
    },
    { parent, dependsOn: [...(args.apis ?? [])] },
  );
}

/** The URL a source calls: its callee's, with the declared path below it. The audience stays the callee's URL. */
export function targetUrl(callee: SourceCallee, path: string | undefined): string {
  return path === undefined ? callee.url : `${callee.url.replace(/\/$/, "")}${path}`;
}

/** `projects/P/serviceAccounts/EMAIL`, the form an IAM grant on a service account names it by. */
export function accountResource(project: string, email: string): string {
  return `projects/${project}/serviceAccounts/${email}`;
}

/**
 * `roles/iam.serviceAccountTokenCreator` for Pub/Sub's service agent (`service-PROJECT_NUMBER@gcp-sa-pubsub...`) on
 * `account` alone, never the project: what lets it mint the tokens of a push subscription, and of an Eventarc
 * trigger, whose deliveries Pub/Sub pushes (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions).
 */
export function pushAgentGrant(
  name: string,
  args: Pick<CallerSourceArgs, "project" | "serviceAccountEmail"> & { readonly projectNumber: string },
  account: gcp.serviceaccount.Account,
  parent: pulumi.Resource,
): gcp.serviceaccount.IAMMember {
  return new gcp.serviceaccount.IAMMember(
    `${name}-agent-token`,
    {
      serviceAccountId: accountResource(args.project, args.serviceAccountEmail),
      role: SOURCE_ROLES.tokenCreator,
      member: `serviceAccount:${serviceAgentEmail("pubsub", args.projectNumber)}`,
    },
    { parent, dependsOn: [account] },
  );
}
