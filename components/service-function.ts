import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { Generation, Ingress } from "../topology";
import type { RecordedCallSites } from "./call-sites";

/** Arguments of one {@link ServiceFunction}. Everything it needs is computed before it is created. */
export interface ServiceFunctionArgs {
  /** The function's name: its deployed name and the last segment of its URL. */
  readonly functionName: string;
  /** GCP project to deploy into. */
  readonly project: string;
  /** Region to deploy into, e.g. `us-central1`. */
  readonly region: string;
  /** The function's URL, computed from its name (never read from another resource's outputs). */
  readonly url: string;
  /** Service-account id to create for the function (6–30 characters, derived from the name). */
  readonly serviceAccountId: string;
  /**
   * The email GCP gives that account (`ID@PROJECT.iam.gserviceaccount.com`). Passed in, rather than read from
   * the account's outputs, so that the function and the grants that name it are known at preview time.
   */
  readonly serviceAccountEmail: string;
  /** Private bucket the source archive is uploaded to. */
  readonly bucket: pulumi.Input<string>;
  /** Local path of the function's zip archive (one bundled file; see `function-archive.ts`). */
  readonly archivePath: string;
  /** sha256 of the archive; it names the uploaded object, so new code is a new object and the function updates. */
  readonly archiveSha256: string;
  /** Exported handler the platform calls. */
  readonly entryPoint: string;
  /** Environment variables: the function's own URL, its callees' URLs and its invokers. */
  readonly environment: Readonly<Record<string, string>>;
  /** Memory in MB. */
  readonly memoryMb: number;
  /** Request timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Upper bound on instances. */
  readonly maxInstances: number;
  /** Which networks may reach the function. */
  readonly ingress: Ingress;
  /** 1: Cloud Functions (1st gen); 2: Cloud Run functions. Defaults to 1. */
  readonly generation?: Generation;
  /** Node.js runtime of the function; defaults to `nodejs22`. */
  readonly runtime?: string;
  /**
   * The account that builds the function, as `projects/PROJECT/serviceAccounts/EMAIL` (the form both
   * generations take). Without it, builds run as the project's default build identity.
   */
  readonly buildServiceAccount: string;
  /**
   * The Artifact Registry repository the build pushes the image to, `projects/P/locations/L/repositories/R`;
   * the build account may write there and nowhere else.
   */
  readonly dockerRepository: string;
  /** Enabled APIs that the function's resources must wait for; defaults to none. */
  readonly apis?: readonly pulumi.Resource[];
  /** Grants the build account needs; the function waits for them, so no build starts before it may. Defaults to none. */
  readonly buildGrants?: readonly pulumi.Resource[];
  /**
   * What the function's code calls (`checkCallSites`), recorded on this component, inputs and outputs alike, so
   * every reader of the registered resources (the engine, `check`, the policy pack, `graph`, `diff`) sees why each
   * edge exists without reading the code again. No custom resource's inputs change with it. Defaults to none:
   * nothing recorded, which readers must take as "not extracted", never as "calls nothing".
   */
  readonly callSites?: RecordedCallSites;
}

/**
 * One HTTP Cloud Function (1st gen, HTTPS only; or 2nd gen) that runs as its own, dedicated service account,
 * with its code uploaded as a content-addressed object to the private source bucket.
 */
export class ServiceFunction extends pulumi.ComponentResource {
  /** The function's dedicated runtime identity. */
  public readonly serviceAccount: gcp.serviceaccount.Account;
  /** The uploaded source archive. */
  public readonly archive: gcp.storage.BucketObject;
  /** The function itself: a 1st-gen function, or a 2nd-gen one (served by a Cloud Run service of the same name). */
  public readonly function: gcp.cloudfunctions.Function | gcp.cloudfunctionsv2.Function;
  /** The function's URL (also the audience of tokens sent to it). */
  public readonly url: pulumi.Output<string>;
  /** The email of the function's service account. */
  public readonly serviceAccountEmail: pulumi.Output<string>;

  /**
   * @param name Logical name; children are named `${name}-sa`, `${name}-source` and `${name}-function`.
   * @param args The function's settings.
   * @param opts Resource options; `dependsOn` is typically the project's enabled APIs.
   */
  constructor(name: string, args: ServiceFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    // Component inputs reach the engine (and the recorded state); the outputs below reach stack policies, which
    // see each resource's outputs (pulumi/pulumi pkg/resource/deploy/step_generator.go, AnalyzeResources).
    super("callgraph:index:ServiceFunction", name, recordOf(args), opts);
    const apis = [...(args.apis ?? [])];

    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        project: args.project,
        accountId: args.serviceAccountId,
        displayName: `Cloud Function ${args.functionName}`,
        description: `Runtime identity of the ${args.functionName} function (managed by callgraph).`,
      },
      { parent: this, dependsOn: apis },
    );

    this.archive = new gcp.storage.BucketObject(
      `${name}-source`,
      {
        bucket: args.bucket,
        name: `${args.functionName}/${args.archiveSha256}.zip`,
        source: new pulumi.asset.FileAsset(args.archivePath),
        contentType: "application/zip",
      },
      { parent: this, dependsOn: apis },
    );

    // The emails are passed as plain strings, so the dependencies on the accounts and grants are made explicit.
    const functionOptions = {
      parent: this,
      dependsOn: [...apis, this.serviceAccount, ...(args.buildGrants ?? [])],
    };
    const labels = { "managed-by": "callgraph" };
    const runtime = args.runtime ?? "nodejs22";
    this.function =
      args.generation === 2
        ? new gcp.cloudfunctionsv2.Function(
            `${name}-function`,
            {
              project: args.project,
              location: args.region,
              name: args.functionName,
              description: `callgraph function ${args.functionName}`,
              buildConfig: {
                runtime,
                entryPoint: args.entryPoint,
                serviceAccount: args.buildServiceAccount,
                dockerRepository: args.dockerRepository,
                source: { storageSource: { bucket: args.bucket, object: this.archive.name } },
              },
              serviceConfig: {
                // Without this, gen2 runs as PROJECT_NUMBER-compute@developer.gserviceaccount.com (Editor).
                serviceAccountEmail: args.serviceAccountEmail,
                environmentVariables: { ...args.environment },
                availableMemory: `${args.memoryMb}M`,
                timeoutSeconds: args.timeoutSeconds,
                maxInstanceCount: args.maxInstances,
                ingressSettings: args.ingress,
                allTrafficOnLatestRevision: true,
              },
              labels,
            },
            functionOptions,
          )
        : new gcp.cloudfunctions.Function(
            `${name}-function`,
            {
              project: args.project,
              region: args.region,
              name: args.functionName,
              description: `callgraph function ${args.functionName}`,
              runtime,
              entryPoint: args.entryPoint,
              sourceArchiveBucket: args.bucket,
              sourceArchiveObject: this.archive.name,
              triggerHttp: true,
              httpsTriggerSecurityLevel: "SECURE_ALWAYS",
              // Without this, gen1 runs as PROJECT@appspot.gserviceaccount.com (Editor).
              serviceAccountEmail: args.serviceAccountEmail,
              environmentVariables: { ...args.environment },
              availableMemoryMb: args.memoryMb,
              timeout: args.timeoutSeconds,
              maxInstances: args.maxInstances,
              ingressSettings: args.ingress,
              dockerRegistry: "ARTIFACT_REGISTRY",
              dockerRepository: args.dockerRepository,
              buildServiceAccount: args.buildServiceAccount,
              labels,
            },
            functionOptions,
          );

    this.url = pulumi.output(args.url);
    this.serviceAccountEmail = pulumi.output(args.serviceAccountEmail);
    this.registerOutputs({
      url: this.url,
      serviceAccountEmail: this.serviceAccountEmail,
      ...recordOf(args),
    });
  }
}

/** The component's own record: its function's name and, when extracted, its code's call sites. */
function recordOf(args: ServiceFunctionArgs): Record<string, unknown> {
  return args.callSites === undefined ? {} : { functionName: args.functionName, callSites: args.callSites };
}
