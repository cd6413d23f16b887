import * as gcp from "./gcp";
import * as pulumi from "@pulumi/pulumi";
import type { CallerHttpMethod } from "../topology";
import { sourceAccount, targetUrl, type CallerSourceArgs, type SourceCallee } from "./caller-source";

/** Arguments of a {@link SchedulerCaller}. */
export interface SchedulerCallerArgs extends CallerSourceArgs {
  /** The one function the job calls. */
  readonly callee: SourceCallee;
  /** unix-cron, five fields. */
  readonly schedule: string;
  /** A tz database name, e.g. `Etc/UTC`. */
  readonly timeZone: string;
  readonly httpMethod: CallerHttpMethod;
  /** The request body, as text (sent base64-encoded, as the API takes it); defaults to none. */
  readonly body?: string;
  /** A path below the callee's URL; defaults to the URL itself. */
  readonly path?: string;
}

/**
 * A Cloud Scheduler job that calls one function on a schedule, with an OIDC token minted for its own account and
 * the function's URL as audience ("Use authentication with HTTP targets",
 * https://cloud.google.com/scheduler/docs/http-target-auth: `oidcToken.serviceAccountEmail`, and `audience`, which
 * "if not specified, the URI specified in target will be used", so it is pinned here for a job that calls a path).
 * The Cloud Scheduler service agent mints the token; Google grants it `roles/cloudscheduler.serviceAgent` when the
 * API is enabled, and the deployer needs `iam.serviceAccounts.actAs` on the job's account (`preflight` checks it).
 */
export class SchedulerCaller extends pulumi.ComponentResource {
  /** The account the job's tokens are minted for: the member its callee's invoker binding admits. */
  public readonly serviceAccount: gcp.serviceaccount.Account;
  public readonly job: gcp.cloudscheduler.Job;

  /**
   * @param name Logical name; children are `${name}-sa` and `${name}-job`.
   * @param args The job and the function it calls.
   * @param opts Resource options.
   */
  constructor(name: string, args: SchedulerCallerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("callgraph:index:SchedulerCaller", name, { callerName: args.callerName, kind: "scheduler" }, opts);
    this.serviceAccount = sourceAccount(name, "scheduler", args, this);
    this.job = new gcp.cloudscheduler.Job(
      `${name}-job`,
      {
        project: args.project,
        region: args.region,
        name: args.callerName,
        description: `Calls ${args.callee.name} (managed by callgraph).`,
        schedule: args.schedule,
        timeZone: args.timeZone,
        httpTarget: {
          uri: targetUrl(args.callee, args.path),
          httpMethod: args.httpMethod,
          ...(args.body === undefined ? {} : { body: Buffer.from(args.body).toString("base64") }),
          oidcToken: { serviceAccountEmail: args.serviceAccountEmail, audience: args.callee.url },
        },
      },
      // The token's account is named by its computed email, which Scheduler refuses until the account exists.
      { parent: this, dependsOn: [...(args.apis ?? []), this.serviceAccount] },
    );
    this.registerOutputs({ serviceAccountEmail: args.serviceAccountEmail });
  }
}
