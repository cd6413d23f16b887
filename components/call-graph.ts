import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  callersOf,
  edges,
  functionEnvironment,
  hasSecondGen,
  invokerMembers,
  serviceAccountEmail,
  serviceAccountId,
  urlOf,
  type Edge,
  type Topology,
} from "../topology";
import { buildFunctionArchive } from "./function-archive";
import { ServiceFunction } from "./service-function";

/** The role that lets a member invoke a 1st-gen function. */
export const INVOKER_ROLE = "roles/cloudfunctions.invoker";

/**
 * The role that lets a member invoke a 2nd-gen function: it must be granted on the underlying Cloud Run
 * service, not on the function (terraform-provider-google #21674, #20320).
 */
export const RUN_INVOKER_ROLE = "roles/run.invoker";

/** 2nd-gen functions also need Cloud Run. */
export const SECOND_GEN_APIS = ["run.googleapis.com"] as const;

/**
 * APIs a fresh project needs: functions, their builds (Cloud Build into Artifact Registry), service accounts
 * and the source bucket. https://cloud.google.com/functions/docs/1stgen/deploy#before_you_begin
 */
export const REQUIRED_APIS = [
  "artifactregistry.googleapis.com",
  "cloudbuild.googleapis.com",
  "cloudfunctions.googleapis.com",
  "iam.googleapis.com",
  "storage.googleapis.com",
] as const;

/** Arguments of a {@link CallGraph}. */
export interface CallGraphArgs {
  /** The validated call graph (`parseTopology`); every function, edge and invoker comes from it. */
  readonly topology: Topology;
  /** GCP project to deploy into. */
  readonly project: string;
  /** Region of every function and of the source bucket. */
  readonly region: string;
  /** The project's number, needed for 2nd-gen URLs (`https://NAME-NUMBER.REGION.run.app`); required only then. */
  readonly projectNumber?: string;
  /** Folder that function `source` paths are relative to: the project root. */
  readonly projectRoot: string;
  /**
   * Whether to enable the APIs a fresh project needs (never disabled on destroy, since other workloads may
   * use them). Defaults to true.
   */
  readonly enableApis?: boolean;
}

/**
 * A whole declared call graph: a private source bucket, one {@link ServiceFunction} per function, and one
 * authoritative invoker binding per function that has invokers, granting `roles/cloudfunctions.invoker` to
 * exactly its callers' service accounts and its declared invokers.
 */
export class CallGraph extends pulumi.ComponentResource {
  /** Every function, by name. */
  public readonly functions: Readonly<Record<string, ServiceFunction>>;
  /**
   * The invoker binding of every function that has invokers, by function name: on the function (1st gen), or
   * on its Cloud Run service (2nd gen).
   */
  public readonly invokerBindings: Readonly<
    Record<string, gcp.cloudfunctions.FunctionIamBinding | gcp.cloudrunv2.ServiceIamBinding>
  >;
  /** The private bucket that holds the source archives. */
  public readonly sourceBucket: gcp.storage.Bucket;
  /** Function name -> URL. */
  public readonly urls: pulumi.Output<Record<string, string>>;
  /** Function name -> service-account email. */
  public readonly serviceAccounts: pulumi.Output<Record<string, string>>;
  /** The declared edges, sorted. */
  public readonly edges: readonly Edge[];

  /**
   * @param name Logical name; children are named `${name}-<role>` and `${name}-<function>`.
   * @param args The call graph and where to deploy it.
   * @param opts Resource options.
   */
  constructor(name: string, args: CallGraphArgs, opts?: pulumi.ComponentResourceOptions) {
    super("callgraph:index:CallGraph", name, {}, opts);
    const { topology, project, region } = args;
    const target = { project, region, projectNumber: args.projectNumber };

    const apis =
      args.enableApis === false
        ? []
        : [...REQUIRED_APIS, ...(hasSecondGen(topology) ? SECOND_GEN_APIS : [])].map(
            (service) =>
              new gcp.projects.Service(
                `${name}-api-${service.split(".")[0]}`,
                { project, service, disableOnDestroy: false, disableDependentServices: false },
                { parent: this },
              ),
          );

    this.sourceBucket = new gcp.storage.Bucket(
      `${name}-source`,
      {
        project,
        location: region.toUpperCase(),
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        // The bucket only holds archives this program uploads; let `pulumi destroy` remove them with it.
        forceDestroy: true,
        labels: { "managed-by": "callgraph" },
      },
      { parent: this, dependsOn: apis },
    );

    const functions: Record<string, ServiceFunction> = {};
    for (const spec of topology.functions) {
      const archive = buildFunctionArchive({ projectRoot: args.projectRoot, source: spec.source });
      functions[spec.name] = new ServiceFunction(
        `${name}-${spec.name}`,
        {
          functionName: spec.name,
          project,
          region,
          url: urlOf(spec, target),
          serviceAccountId: serviceAccountId(spec.name),
          serviceAccountEmail: serviceAccountEmail(spec.name, project),
          bucket: this.sourceBucket.name,
          archivePath: archive.path,
          archiveSha256: archive.sha256,
          entryPoint: spec.entryPoint,
          environment: functionEnvironment(topology, spec.name, target),
          memoryMb: spec.memoryMb,
          timeoutSeconds: spec.timeoutSeconds,
          maxInstances: spec.maxInstances,
          ingress: spec.ingress,
          generation: spec.generation,
          apis,
        },
        { parent: this },
      );
    }

    const bindings: Record<string, gcp.cloudfunctions.FunctionIamBinding | gcp.cloudrunv2.ServiceIamBinding> =
      {};
    for (const spec of topology.functions) {
      const members = invokerMembers(topology, spec.name, project);
      if (members.length === 0) continue; // IAM rejects a binding with no members
      const callee = functions[spec.name];
      const opts: pulumi.CustomResourceOptions = {
        parent: this,
        // Members name accounts by computed email; IAM refuses accounts that do not exist yet.
        dependsOn: [
          callee.function,
          ...callersOf(topology, spec.name).map((caller) => functions[caller].serviceAccount),
        ],
        // A replaced function comes back with an empty IAM policy, and an unchanged binding would not be
        // re-applied (terraform-provider-google #18308): replace the binding whenever its function is.
        replaceWith: [callee.function],
      };
      // Authoritative for the role on the function (or service): a member added by hand is removed by the next `up`.
      bindings[spec.name] =
        spec.generation === 2
          ? new gcp.cloudrunv2.ServiceIamBinding(
              `${name}-${spec.name}-invokers`,
              // A 2nd-gen function's service has the function's name; naming it directly keeps the grant known at
              // preview time (the function's `serviceConfig.service` output is not).
              { project, location: region, name: spec.name, role: RUN_INVOKER_ROLE, members },
              opts,
            )
          : new gcp.cloudfunctions.FunctionIamBinding(
              `${name}-${spec.name}-invokers`,
              { project, region, cloudFunction: callee.function.name, role: INVOKER_ROLE, members },
              opts,
            );
    }

    this.functions = functions;
    this.invokerBindings = bindings;
    this.edges = edges(topology);
    this.urls = pulumi.output(
      Object.fromEntries(topology.functions.map((f) => [f.name, functions[f.name].url])),
    );
    this.serviceAccounts = pulumi.output(
      Object.fromEntries(topology.functions.map((f) => [f.name, functions[f.name].serviceAccountEmail])),
    );
    this.registerOutputs({ urls: this.urls, serviceAccounts: this.serviceAccounts, edges: this.edges });
  }
}
