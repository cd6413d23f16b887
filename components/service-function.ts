import * as gcp from "./gcp";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import {
  connectorName,
  connectorRegionProblem,
  distinctSecrets,
  MANAGED_LABEL,
  mountOf,
  parseConnector,
  SECRET_ACCESSOR_ROLE,
  type Generation,
  type Ingress,
  type SecretSpec,
  type VpcConnectorEgress,
} from "../topology";
import type { RecordedCallSites } from "./call-sites";

/**
 * How long a function waits after its secret grants are created before it is deployed: both generations check at
 * deployment that the runtime account may read every secret it names, and fail otherwise ("During service
 * deployment, all secrets used ... are checked to ensure the service account used to run the container has access to
 * them. If any check fails, the service deployment fails": https://cloud.google.com/run/docs/configuring/secrets),
 * and IAM changes take minutes to apply ("typically within 2 minutes", https://cloud.google.com/iam/docs/access-change-propagation).
 * The build grants' wait (call-graph.ts) is as long, and on a first `up` the two run side by side.
 */
export const SECRET_GRANTS_PROPAGATION = "120s";

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
  /** Environment variables: the user's own, then the function's own URL, its callees' URLs and its invokers. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Secret Manager secrets it reads, as environment variables or files. Each distinct secret is granted
   * `roles/secretmanager.secretAccessor` on that secret alone, to this function's account alone, and the function
   * waits for its grants. Defaults to none.
   */
  readonly secrets?: readonly SecretSpec[];
  /** Instances kept warm; defaults to none (the platform's 0). */
  readonly minInstances?: number;
  /** Serverless VPC Access connector for its egress: a name in its project and region, or a full name; defaults to none. */
  readonly vpcConnector?: string;
  /** What goes through the connector; defaults to `PRIVATE_RANGES_ONLY` when there is one. */
  readonly vpcConnectorEgressSettings?: VpcConnectorEgress;
  /** Labels of the function besides `managed-by: callgraph`; defaults to none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** 2nd gen: concurrent requests per instance (`maxInstanceRequestConcurrency`); defaults to the platform's 1. */
  readonly concurrency?: number;
  /** 2nd gen: vCPUs per instance as `availableCpu` takes them (`"1"`, `"0.5"`); defaults to what the memory comes with. */
  readonly cpu?: string;
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
   * What the function's code calls (`checkCallSites`), recorded in this component's outputs, so every reader of the
   * registered resources (the engine, `check`, the policy pack, `graph`, `diff`) sees why each edge exists without
   * reading the code again. No custom resource's inputs change with it. Defaults to none: nothing recorded, which
   * readers must take as "not extracted", never as "calls nothing".
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
  /** One `roles/secretmanager.secretAccessor` grant per secret it reads, on that secret, to its account; by secret name. */
  public readonly secretGrants: Readonly<Record<string, gcp.secretmanager.SecretIamMember>>;

  /**
   * @param name Logical name; children are named `${name}-sa`, `${name}-source` and `${name}-function`, and for each
   *   secret `${name}-secret-<id>` (`<project>/<id>` for another project's) with `${name}-secret-propagation`.
   * @param args The function's settings.
   * @param opts Resource options; `dependsOn` is typically the project's enabled APIs.
   */
  constructor(name: string, args: ServiceFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    // No inputs: the record is registered once, as outputs (below), which is where the engine keeps it in state and
    // what stack policies see of a resource (pulumi/pulumi pkg/resource/deploy/step_generator.go, AnalyzeResources:
    // "AnalyzeStack is called on the final outputs of each resource"). Sent as inputs too, as callgraph 0.3 did, it
    // made a second trip through the SDK's serialization, the mocks and back for every function: about 3% of an
    // evaluation's CPU at 300 functions (in 14 of 16 paired rounds; issue 19, P3).
    super("callgraph:index:ServiceFunction", name, {}, opts);
    // parseTopology checks these for a declared graph; a program that builds a ServiceFunction itself gets them here.
    const connectorProblem =
      args.vpcConnector === undefined
        ? undefined
        : parseConnector(args.vpcConnector)
          ? connectorRegionProblem(args.vpcConnector, args.region)
          : `${JSON.stringify(args.vpcConnector)} is not a connector's name or full name`;
    if (connectorProblem)
      throw new pulumi.ResourceError(
        `function ${args.functionName}: vpcConnector: ${connectorProblem}`,
        this,
      );
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

    // Each secret once, granted on itself to this function's account and nobody else (a SecretIamMember adds one
    // member and leaves the secret's other grants alone: https://www.pulumi.com/registry/packages/gcp/api-docs/secretmanager/secretiammember/).
    const secrets = (args.secrets ?? []).map((s) => ownProject(s, args.project));
    const grants: Record<string, gcp.secretmanager.SecretIamMember> = {};
    for (const secret of distinctSecrets(secrets, args.project)) {
      const key = secret.project === undefined ? secret.secret : `${secret.project}/${secret.secret}`;
      grants[key] = new gcp.secretmanager.SecretIamMember(
        `${name}-secret-${key}`,
        {
          project: secret.project ?? args.project,
          secretId: secret.secret,
          role: SECRET_ACCESSOR_ROLE,
          member: `serviceAccount:${args.serviceAccountEmail}`,
        },
        // The member names the account by its computed email, which IAM refuses until the account exists.
        { parent: this, dependsOn: [...apis, this.serviceAccount] },
      );
    }
    this.secretGrants = grants;
    const secretWait =
      Object.keys(grants).length === 0
        ? []
        : [
            new time.Sleep(
              `${name}-secret-propagation`,
              {
                createDuration: SECRET_GRANTS_PROPAGATION,
                // Waited again only when the function gains a secret.
                triggers: { grants: Object.keys(grants).sort().join("\n") },
              },
              { parent: this, dependsOn: Object.values(grants) },
            ),
          ];

    // The emails are passed as plain strings, so the dependencies on the accounts and grants are made explicit.
    const functionOptions = {
      parent: this,
      dependsOn: [
        ...apis,
        this.serviceAccount,
        ...(args.buildGrants ?? []),
        ...Object.values(grants),
        ...secretWait,
      ],
    };
    const labels = { [MANAGED_LABEL.key]: MANAGED_LABEL.value, ...args.labels };
    const runtime = args.runtime ?? "nodejs22";
    const gen1 = args.generation !== 2;
    const connector =
      args.vpcConnector === undefined
        ? {}
        : {
            vpcConnector: connectorName(args.vpcConnector, args.project, args.region),
            vpcConnectorEgressSettings: args.vpcConnectorEgressSettings ?? "PRIVATE_RANGES_ONLY",
          };
    const secretFields = secretInputs(secrets, args.project, gen1);
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
                // Each setting below is sent only when declared, so a function that declares none registers what
                // it always did (no diff on upgrade).
                ...(args.minInstances === undefined ? {} : { minInstanceCount: args.minInstances }),
                ...(args.concurrency === undefined
                  ? {}
                  : { maxInstanceRequestConcurrency: args.concurrency }),
                ...(args.cpu === undefined ? {} : { availableCpu: args.cpu }),
                ...connector,
                ...secretFields,
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
              ...(args.minInstances === undefined ? {} : { minInstances: args.minInstances }),
              ...connector,
              ...secretFields,
            },
            functionOptions,
          );

    this.url = pulumi.output(args.url);
    this.serviceAccountEmail = pulumi.output(args.serviceAccountEmail);
    // The plain strings rather than the outputs above: the same recorded values without an output to await each.
    this.registerOutputs({
      url: args.url,
      serviceAccountEmail: args.serviceAccountEmail,
      ...recordOf(args),
    });
  }
}

/** A secret of the function's own project, named by its project anyway, as one named by its id alone. */
function ownProject(secret: SecretSpec, project: string): SecretSpec {
  if (secret.project !== project) return secret;
  const { project: _own, ...rest } = secret;
  return rest;
}

/**
 * The function's secrets in its generation's native fields: `secretEnvironmentVariables` and `secretVolumes`, at the
 * top of a 1st-gen function and under `serviceConfig` of a 2nd-gen one
 * (https://cloud.google.com/functions/docs/configuring/secrets; the provider's cloudfunctions.Function and
 * cloudfunctionsv2.Function). A file is one version in the volume of its folder: 1st gen writes its path with a
 * leading slash (`/etc/secrets` + `/secret_foo`), 2nd gen without (`/etc/secrets` + `secret_foo`), as each API's
 * SecretVersion.path says. 2nd gen's `projectId` is required; 1st gen's is left out for the function's own project
 * (it "will be populated with the function's project") and is a project number otherwise (parse.ts refuses an id).
 */
function secretInputs(secrets: readonly SecretSpec[], project: string, gen1: boolean) {
  // 1st gen: omitted for the function's own project; 2nd gen: always, the function's own when the secret names none.
  const projectId = (s: SecretSpec) => (gen1 ? s.project : (s.project ?? project));
  const secretEnvironmentVariables = secrets
    .filter((s) => s.env !== undefined)
    .map((s) => withProject({ key: s.env!, secret: s.secret, version: s.version }, projectId(s)));
  const volumes = new Map<string, { secret: SecretSpec; versions: { path: string; version: string }[] }>();
  for (const s of secrets.filter((x) => x.path !== undefined)) {
    const { folder, file } = mountOf(s.path!);
    const volume = volumes.get(folder) ?? { secret: s, versions: [] };
    volume.versions.push({ path: gen1 ? `/${file}` : file, version: s.version });
    volumes.set(folder, volume);
  }
  const secretVolumes = [...volumes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([mountPath, v]) =>
      withProject({ mountPath, secret: v.secret.secret, versions: v.versions }, projectId(v.secret)),
    );
  return {
    ...(secretEnvironmentVariables.length === 0 ? {} : { secretEnvironmentVariables }),
    ...(secretVolumes.length === 0 ? {} : { secretVolumes }),
  };
}

/** `fields` with `projectId` when there is one; typed as always having it, which 2nd gen requires and gets. */
function withProject<T extends object>(fields: T, projectId: string | undefined): T & { projectId: string } {
  return (projectId === undefined ? fields : { ...fields, projectId }) as T & { projectId: string };
}

/** The component's own record: its function's name and, when extracted, its code's call sites. */
function recordOf(args: ServiceFunctionArgs): Record<string, unknown> {
  return args.callSites === undefined ? {} : { functionName: args.functionName, callSites: args.callSites };
}
