import * as gcp from "./gcp";
import * as pulumi from "@pulumi/pulumi";
import { SOURCE_ROLES } from "../topology";
import { pushAgentGrant, sourceAccount, type CallerSourceArgs, type SourceCallee } from "./caller-source";

/** Arguments of an {@link EventarcCaller}. */
export interface EventarcCallerArgs extends CallerSourceArgs {
  /** The one 2nd-gen function the trigger delivers to (its Cloud Run service has the function's name). */
  readonly callee: SourceCallee;
  /** The project's number: it names the Pub/Sub service agent that pushes the trigger's deliveries. */
  readonly projectNumber: string;
  readonly eventType: string;
  /** Attribute -> value the events must also match; defaults to none. */
  readonly filters?: Readonly<Record<string, string>>;
  /** A path on the function's service; defaults to its root. */
  readonly path?: string;
  /** The callee's function resource: Eventarc refuses a trigger whose destination service does not exist yet. */
  readonly calleeFunction?: pulumi.Resource;
}

/**
 * An Eventarc trigger delivering matching events to one 2nd-gen function's Cloud Run service as its own account
 * ("Roles and permissions", https://cloud.google.com/eventarc/docs/access-control): the trigger's account needs
 * `roles/run.invoker` on the service (it joins the function's invoker binding) and `roles/eventarc.eventReceiver`,
 * which Google grants on the project only: the one project-level grant a source adds, and the pack allows exactly
 * it. Deliveries travel as Pub/Sub pushes, so Pub/Sub's service agent mints their tokens
 * and gets `roles/iam.serviceAccountTokenCreator` on the trigger's account alone, as for a push subscription.
 */
export class EventarcCaller extends pulumi.ComponentResource {
  /** The account the deliveries' tokens are minted for: the member its callee's invoker binding admits. */
  public readonly serviceAccount: gcp.serviceaccount.Account;
  public readonly trigger: gcp.eventarc.Trigger;
  /** `roles/eventarc.eventReceiver` on the project, to the trigger's account. */
  public readonly receiverGrant: gcp.projects.IAMMember;
  /** The Pub/Sub service agent's token creator, on the trigger's account alone. */
  public readonly agentGrant: gcp.serviceaccount.IAMMember;

  /**
   * @param name Logical name; children are `${name}-sa`, `${name}-receiver`, `${name}-agent-token` and `${name}-trigger`.
   * @param args The trigger and the function it delivers to.
   * @param opts Resource options.
   */
  constructor(name: string, args: EventarcCallerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("callgraph:index:EventarcCaller", name, { callerName: args.callerName, kind: "eventarc" }, opts);
    this.serviceAccount = sourceAccount(name, "eventarc", args, this);
    const member = `serviceAccount:${args.serviceAccountEmail}`;
    this.receiverGrant = new gcp.projects.IAMMember(
      `${name}-receiver`,
      { project: args.project, role: SOURCE_ROLES.eventReceiver, member },
      { parent: this, dependsOn: [this.serviceAccount] },
    );
    this.agentGrant = pushAgentGrant(name, args, this.serviceAccount, this);
    const filters = Object.entries(args.filters ?? {}).map(([attribute, value]) => ({ attribute, value }));
    this.trigger = new gcp.eventarc.Trigger(
      `${name}-trigger`,
      {
        project: args.project,
        location: args.region,
        name: args.callerName,
        matchingCriterias: [{ attribute: "type", value: args.eventType }, ...filters],
        destination: {
          cloudRunService: {
            service: args.callee.name,
            region: args.region,
            ...(args.path === undefined ? {} : { path: args.path }),
          },
        },
        serviceAccount: args.serviceAccountEmail,
        labels: { ...args.labels },
      },
      {
        parent: this,
        dependsOn: [
          ...(args.apis ?? []),
          this.serviceAccount,
          this.receiverGrant,
          this.agentGrant,
          ...(args.calleeFunction ? [args.calleeFunction] : []),
        ],
      },
    );
    this.registerOutputs({ serviceAccountEmail: args.serviceAccountEmail });
  }
}
