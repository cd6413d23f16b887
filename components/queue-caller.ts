import * as gcp from "./gcp";
import * as pulumi from "@pulumi/pulumi";
import { SOURCE_ROLES, type CallerHttpMethod } from "../topology";
import { accountResource, sourceAccount, type CallerSourceArgs, type SourceCallee } from "./caller-source";

/** Arguments of a {@link QueueCaller}. */
export interface QueueCallerArgs extends CallerSourceArgs {
  /** The one function every task of the queue is sent to. */
  readonly callee: SourceCallee;
  /** The accounts (`serviceAccount:…`) of the functions that may add tasks to it, sorted; defaults to none. */
  readonly enqueuers?: readonly string[];
  readonly httpMethod: CallerHttpMethod;
  /** RetryConfig.maxAttempts; defaults to Google's (100). */
  readonly maxAttempts?: number;
  /** A path below the callee's URL; defaults to the URL's own. */
  readonly path?: string;
}

/**
 * A Cloud Tasks queue whose queue-level HTTP target sends every task to one function with an OIDC token for the
 * queue's own account (queue-level routing, https://cloud.google.com/tasks/docs/configuring-queues#configuring_queue-level_routing_for_http_tasks;
 * `uriOverride` with `uriOverrideEnforceMode: ALWAYS`, so a task cannot point the queue's token elsewhere; OidcToken,
 * https://cloud.google.com/tasks/docs/reference/rest/v2/OidcToken: "The service account must be within the same project
 * as the queue. The caller must have iam.serviceAccounts.actAs permission for the service account"). Each declared
 * enqueuer gets `roles/cloudtasks.enqueuer` on this queue alone (https://cloud.google.com/tasks/docs/reference-access-control)
 * and `roles/iam.serviceAccountUser` on this queue's account alone, the actAs the OidcToken reference asks of it.
 */
export class QueueCaller extends pulumi.ComponentResource {
  /** The account the tasks' tokens are minted for: the member its callee's invoker binding admits. */
  public readonly serviceAccount: gcp.serviceaccount.Account;
  public readonly queue: gcp.cloudtasks.Queue;
  /** Per enqueuer member: its enqueuer grant on the queue and its act-as grant on the queue's account. */
  public readonly enqueuerGrants: readonly (gcp.cloudtasks.QueueIamMember | gcp.serviceaccount.IAMMember)[];

  /**
   * @param name Logical name; children are `${name}-sa`, `${name}-queue`, and per enqueuer `${name}-enqueuer-<i>` and
   *   `${name}-act-as-<i>`.
   * @param args The queue and the function it calls.
   * @param opts Resource options.
   */
  constructor(name: string, args: QueueCallerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("callgraph:index:QueueCaller", name, { callerName: args.callerName, kind: "tasks" }, opts);
    this.serviceAccount = sourceAccount(name, "tasks", args, this);
    const url = new URL(args.callee.url);
    const path = `${url.pathname.replace(/\/$/, "")}${args.path ?? ""}` || "/";
    this.queue = new gcp.cloudtasks.Queue(
      `${name}-queue`,
      {
        project: args.project,
        location: args.region,
        // A queue's name cannot be reused for 7 days after it is deleted
        // (https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues/delete).
        name: args.callerName,
        httpTarget: {
          httpMethod: args.httpMethod,
          uriOverride: {
            scheme: "HTTPS",
            host: url.host,
            pathOverride: { path },
            uriOverrideEnforceMode: "ALWAYS",
          },
          oidcToken: { serviceAccountEmail: args.serviceAccountEmail, audience: args.callee.url },
        },
        ...(args.maxAttempts === undefined ? {} : { retryConfig: { maxAttempts: args.maxAttempts } }),
      },
      { parent: this, dependsOn: [...(args.apis ?? []), this.serviceAccount] },
    );
    const grants: (gcp.cloudtasks.QueueIamMember | gcp.serviceaccount.IAMMember)[] = [];
    (args.enqueuers ?? []).forEach((member, i) => {
      grants.push(
        new gcp.cloudtasks.QueueIamMember(
          `${name}-enqueuer-${i}`,
          {
            project: args.project,
            location: args.region,
            name: args.callerName,
            role: SOURCE_ROLES.enqueuer,
            member,
          },
          { parent: this, dependsOn: [this.queue] },
        ),
        new gcp.serviceaccount.IAMMember(
          `${name}-act-as-${i}`,
          {
            serviceAccountId: accountResource(args.project, args.serviceAccountEmail),
            role: SOURCE_ROLES.serviceAccountUser,
            member,
          },
          { parent: this, dependsOn: [this.serviceAccount] },
        ),
      );
    });
    this.enqueuerGrants = grants;
    this.registerOutputs({ serviceAccountEmail: args.serviceAccountEmail });
  }
}
