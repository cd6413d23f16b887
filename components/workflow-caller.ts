import * as gcp from "./gcp";
import * as pulumi from "@pulumi/pulumi";
import { workflowUrlVariable } from "../topology";
import { sourceAccount, type CallerSourceArgs, type SourceCallee } from "./caller-source";

/** Arguments of a {@link WorkflowCaller}. */
export interface WorkflowCallerArgs extends CallerSourceArgs {
  /** The functions its steps call, sorted. */
  readonly callees: readonly SourceCallee[];
  /** Its definition (YAML or JSON), as read from its file. */
  readonly sourceContents: string;
  readonly description?: string;
}

/**
 * A Workflow that runs as its own account and calls its declared callees from `http.*` steps with
 * `auth: {type: OIDC}` ("Make authenticated requests from a workflow",
 * https://cloud.google.com/workflows/docs/authenticate-from-workflow: the token is minted for the workflow's service
 * account, its audience defaulting to the url). It is told each callee's URL, and no other, as a user environment
 * variable `CALLGRAPH_URL_<NAME>` (`userEnvVars`, https://cloud.google.com/workflows/docs/reference/environment-variables#user-defined),
 * which `parseTopology` checked every OIDC step reads.
 */
export class WorkflowCaller extends pulumi.ComponentResource {
  /** The account the workflow's tokens are minted for: the member its callees' invoker bindings admit. */
  public readonly serviceAccount: gcp.serviceaccount.Account;
  public readonly workflow: gcp.workflows.Workflow;

  /**
   * @param name Logical name; children are `${name}-sa` and `${name}-workflow`.
   * @param args The workflow and the functions it calls.
   * @param opts Resource options.
   */
  constructor(name: string, args: WorkflowCallerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("callgraph:index:WorkflowCaller", name, { callerName: args.callerName, kind: "workflow" }, opts);
    this.serviceAccount = sourceAccount(name, "workflow", args, this);
    this.workflow = new gcp.workflows.Workflow(
      `${name}-workflow`,
      {
        project: args.project,
        region: args.region,
        name: args.callerName,
        description:
          args.description ?? `Calls ${args.callees.map((c) => c.name).join(", ")} (managed by callgraph).`,
        serviceAccount: args.serviceAccountEmail,
        sourceContents: args.sourceContents,
        userEnvVars: Object.fromEntries(args.callees.map((c) => [workflowUrlVariable(c.name), c.url])),
        labels: { ...args.labels },
        deletionProtection: false,
      },
      { parent: this, dependsOn: [...(args.apis ?? []), this.serviceAccount] },
    );
    this.registerOutputs({ serviceAccountEmail: args.serviceAccountEmail });
  }
}
