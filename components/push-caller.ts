import * as gcp from "./gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  pushAgentGrant,
  sourceAccount,
  targetUrl,
  type CallerSourceArgs,
  type SourceCallee,
} from "./caller-source";

/** Arguments of a {@link PushCaller}. */
export interface PushCallerArgs extends CallerSourceArgs {
  /** The one function the subscription delivers to. */
  readonly callee: SourceCallee;
  /** The topic: its full name `projects/P/topics/T`, or the id of one in `project` (an output of the stack's own topic). */
  readonly topic: pulumi.Input<string>;
  /** The project's number: it names the Pub/Sub service agent. */
  readonly projectNumber: string;
  /** Deliver the message data alone as the body (payload unwrapping); defaults to the wrapped envelope. */
  readonly noWrapper?: boolean;
  readonly ackDeadlineSeconds?: number;
  /** A path below the callee's URL; defaults to the URL itself. */
  readonly path?: string;
}

/**
 * A Pub/Sub push subscription that delivers one topic's messages to one function with an OIDC token
 * ("Authentication for push subscriptions", https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions):
 * `pushConfig.oidcToken` names the subscription's own account and the function's URL as audience (the default
 * audience is the push endpoint, which carries the declared path). Pub/Sub's service agent,
 * `service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com`, mints the token, and needs
 * `roles/iam.serviceAccountTokenCreator` for that ("If you enabled Pub/Sub on or before April 8, 2021, you must grant
 * ..."; granted here whatever the project's age): granted **on the push account only**, never on the project, so
 * the agent can mint tokens for no other account. Without it, Pub/Sub delivers nothing, silently but for its metrics.
 */
export class PushCaller extends pulumi.ComponentResource {
  /** The account the deliveries' tokens are minted for: the member its callee's invoker binding admits. */
  public readonly serviceAccount: gcp.serviceaccount.Account;
  public readonly subscription: gcp.pubsub.Subscription;
  /** The Pub/Sub service agent's token creator, on {@link serviceAccount} alone. */
  public readonly agentGrant: gcp.serviceaccount.IAMMember;

  /**
   * @param name Logical name; children are `${name}-sa`, `${name}-agent-token` and `${name}-subscription`.
   * @param args The subscription and the function it delivers to.
   * @param opts Resource options.
   */
  constructor(name: string, args: PushCallerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("callgraph:index:PushCaller", name, { callerName: args.callerName, kind: "pubsub" }, opts);
    this.serviceAccount = sourceAccount(name, "pubsub", args, this);
    this.agentGrant = pushAgentGrant(name, args, this.serviceAccount, this);
    this.subscription = new gcp.pubsub.Subscription(
      `${name}-subscription`,
      {
        project: args.project,
        name: args.callerName,
        topic: args.topic,
        ...(args.ackDeadlineSeconds === undefined ? {} : { ackDeadlineSeconds: args.ackDeadlineSeconds }),
        pushConfig: {
          pushEndpoint: targetUrl(args.callee, args.path),
          oidcToken: { serviceAccountEmail: args.serviceAccountEmail, audience: args.callee.url },
          ...(args.noWrapper ? { noWrapper: { writeMetadata: false } } : {}),
        },
        labels: { ...args.labels },
      },
      // The first deliveries need the agent's grant: a subscription created before it fails them silently.
      { parent: this, dependsOn: [...(args.apis ?? []), this.serviceAccount, this.agentGrant] },
    );
    this.registerOutputs({ serviceAccountEmail: args.serviceAccountEmail });
  }
}
