import * as gcp from "./gcp";
import * as pulumi from "@pulumi/pulumi";
import { resolveInputs, type CallGraphInputs } from "./call-graph-inputs";
import {
  BUILD_ROLES,
  callerAccountEmail,
  callerAccountId,
  MANAGED_LABEL,
  sourcesOf,
  type CallerKind,
  type CallerSpec,
  BUILD_SERVICE_ACCOUNT_ID,
  buildProjectGrants,
  buildServiceAccountEmail,
  callersOf,
  connectorRegionProblem,
  edges,
  functionEnvironment,
  functionUrls,
  getFunction,
  hasSecondGen,
  hasSecrets,
  invokerMembers,
  SECRET_MANAGER_API,
  serviceAccountEmail,
  serviceAccountId,
  urlOf,
  type Edge,
  type Topology,
} from "../topology";
import * as time from "@pulumiverse/time";
import { ServiceFunction } from "./service-function";
import type { CallerSourceArgs, SourceCallee } from "./caller-source";
import { EventarcCaller } from "./eventarc-caller";
import { PushCaller } from "./push-caller";
import { QueueCaller } from "./queue-caller";
import { SchedulerCaller } from "./scheduler-caller";
import { WorkflowCaller } from "./workflow-caller";
import { claimProject } from "./project-claims";

/** The role that lets a member invoke a 1st-gen function. */
export const INVOKER_ROLE = "roles/cloudfunctions.invoker";

/**
 * The role that lets a member invoke a 2nd-gen function: it must be granted on the underlying Cloud Run
 * service, not on the function (terraform-provider-google #21674, #20320).
 */
export const RUN_INVOKER_ROLE = "roles/run.invoker";

/** What the build account needs (`iam/build-grants.ts`, where each role's source is cited). */
export { BUILD_ROLES };

/** The id of the Docker repository in Artifact Registry that holds the functions' built images. */
export const IMAGE_REPOSITORY_ID = "callgraph-functions";

/** 2nd-gen functions also need Cloud Run. */
export const SECOND_GEN_APIS = ["run.googleapis.com"] as const;

/** A function that reads a secret needs Secret Manager (https://cloud.google.com/functions/docs/configuring/secrets). */
export const SECRET_APIS = [SECRET_MANAGER_API] as const;

/**
 * The APIs each kind of caller that is not a function needs: its own product's, and for Eventarc also Pub/Sub, which
 * carries its deliveries ("Eventarc ... uses Pub/Sub topics as its transport layer",
 * https://cloud.google.com/eventarc/docs/overview#event-delivery). Each product's "Before you begin" enables its API:
 * https://cloud.google.com/scheduler/docs/schedule-run-cron-job, https://cloud.google.com/pubsub/docs/push,
 * https://cloud.google.com/tasks/docs/creating-http-target-tasks, https://cloud.google.com/workflows/docs/create-workflow-gcloud,
 * https://cloud.google.com/eventarc/docs/run/route-trigger-cloud-storage.
 */
export const SOURCE_APIS: Readonly<Record<CallerKind, readonly string[]>> = {
  scheduler: ["cloudscheduler.googleapis.com"],
  pubsub: ["pubsub.googleapis.com"],
  tasks: ["cloudtasks.googleapis.com"],
  workflow: ["workflows.googleapis.com"],
  eventarc: ["eventarc.googleapis.com", "pubsub.googleapis.com"],
};

/** One caller that is not a function, as its component. */
export type SourceCaller = SchedulerCaller | PushCaller | QueueCaller | WorkflowCaller | EventarcCaller;

/**
 * APIs a fresh project needs: functions, their builds (Cloud Build into Artifact Registry, logging to Cloud
 * Logging: the build account writes its logs there), service accounts and the source bucket.
 * https://cloud.google.com/functions/docs/1stgen/deploy#before_you_begin, and for Cloud Run functions
 * https://cloud.google.com/run/docs/deploy-functions ("Enable the Artifact Registry, Cloud Build, Cloud Run Admin
 * API, and Cloud Logging APIs").
 */
export const REQUIRED_APIS = [
  "artifactregistry.googleapis.com",
  "cloudbuild.googleapis.com",
  "cloudfunctions.googleapis.com",
  "iam.googleapis.com",
  "logging.googleapis.com",
  "storage.googleapis.com",
] as const;

/**
 * How long the first `pulumi up` waits between the build account's grants and the first build. IAM changes take
 * up to minutes to apply, and a build that starts before them fails ("Access to bucket gcf-sources-… denied"):
 * terraform-provider-google's own 2nd-gen example waits 60 s ("builder permissions need to stablize before it can
 * pull the source zip", magic-modules `cloudfunctions2_basic_builder.tf.tmpl`) and still failed half of its runs
 * (terraform-provider-google#20571); its 1st-gen test needed 120 s (magic-modules#11909, "doubled the waiting time
 * for the permission propagation"). So 120 s, waited once: a `Sleep` waits only when it is created.
 */
export const BUILD_GRANTS_PROPAGATION = "120s";

/**
 * How long the first `pulumi up` waits after enabling APIs: enabling is "eventually consistent ... service
 * activation is not guaranteed by the time the google_project_service resource is done provisioning"
 * (terraform-provider-google's guide to google_project_service, "Mitigation - Adding sleeps"; Google's own error
 * says "If you enabled this API recently, wait a few minutes for the action to propagate"). 60 s, as Google's own
 * googleapis/google-cloud-rust#5444 waits for the same reason; waited once, and again only when the set of APIs changes.
 */
export const API_PROPAGATION = "60s";

/** Arguments of a {@link CallGraph}. */
/**
 * The call graph and where to deploy it. Everything has a default read from this stack's config, so
 * `new CallGraph("callgraph", {})` deploys the declaration under `callgraph:functions` to `gcp:project` and
 * `gcp:region`; a program may pass any of it in code instead (`declaration`, `project`, ...).
 */
export interface CallGraphArgs extends CallGraphInputs {
  /**
   * Whether to enable the APIs a fresh project needs (never disabled on destroy, since other workloads may
   * use them). Defaults to true.
   */
  readonly enableApis?: boolean;
}

/**
 * A whole declared call graph: a private source bucket, a build account with the few grants a build needs and
 * the image repository it pushes to, one {@link ServiceFunction} per function, and one authoritative invoker
 * binding per function that has invokers, granting the invoker role to exactly its callers' service accounts
 * and its declared invokers.
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
  /** The account every function is built by (invariant 9): never one a function runs as, never an invoker. */
  public readonly buildServiceAccount: gcp.serviceaccount.Account;
  /** The Docker repository the builds push the functions' images to. */
  public readonly imageRepository: gcp.artifactregistry.Repository;
  /** The build account's grants (logs, images, sources); every function waits for them. */
  public readonly buildGrants: readonly pulumi.CustomResource[];
  /**
   * The wait between the build account's grants and the first build ({@link BUILD_GRANTS_PROPAGATION}); every
   * function depends on it. Created again (and so waited again) only when the grants change.
   */
  public readonly buildGrantsPropagation: time.Sleep;
  /** Function name -> URL. */
  public readonly urls: pulumi.Output<Record<string, string>>;
  /** Function name -> service-account email. */
  public readonly serviceAccounts: pulumi.Output<Record<string, string>>;
  /** The declared edges, sorted. */
  public readonly edges: readonly Edge[];
  /** The validated declaration it deployed: every function, its calls and its invokers. */
  public readonly topology: Topology;
  /** Every caller that is not a function (`callgraph:callers`), by name. */
  public readonly callers: Readonly<Record<string, SourceCaller>>;
  /** The Pub/Sub topics this stack creates for its push subscriptions (declared by id, not by full name), by id. */
  public readonly topics: Readonly<Record<string, gcp.pubsub.Topic>>;

  /**
   * @param name Logical name; children are named `${name}-<role>` and `${name}-<function>`.
   * @param args The call graph and where to deploy it.
   * @param opts Resource options.
   */
  constructor(name: string, args: CallGraphArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated, built and checked before the component itself is registered: a bad declaration registers nothing.
    const inputs = resolveInputs(args);
    claimProject(inputs.project, name, {
      account: BUILD_SERVICE_ACCOUNT_ID,
      repository: IMAGE_REPOSITORY_ID,
    });
    // The project and its number are recorded, inputs and outputs alike, so a policy can tell this project's service
    // agents (service-NUMBER@gcp-sa-pubsub...) from another project's, and the engine's mocks answer with the URLs
    // this number predicts (engine/gcp-mocks.ts).
    super(
      "callgraph:index:CallGraph",
      name,
      { project: inputs.project, projectNumber: inputs.projectNumber },
      opts,
    );
    const { topology, project, region, projectNumber } = inputs;
    this.topology = topology;
    const target = { project, region, projectNumber };

    // A connector in another region is known to be wrong only now that the region is: refused before any child.
    const misplaced = topology.functions.flatMap((f) => {
      const problem =
        f.vpcConnector === undefined ? undefined : connectorRegionProblem(f.vpcConnector, region);
      return problem ? [`functions.${f.name}.vpcConnector: ${problem}`] : [];
    });
    if (misplaced.length > 0) throw new pulumi.ResourceError(misplaced.join("; "), this);

    const declaredCallers = topology.callers ?? [];
    const services = [
      ...new Set([
        ...REQUIRED_APIS,
        ...(hasSecondGen(topology) ? SECOND_GEN_APIS : []),
        ...(hasSecrets(topology) ? SECRET_APIS : []),
        ...declaredCallers.flatMap((c) => SOURCE_APIS[c.kind]),
      ]),
    ];
    const enabled =
      args.enableApis === false
        ? []
        : services.map(
            (service) =>
              new gcp.projects.Service(
                `${name}-api-${service.split(".")[0]}`,
                { project, service, disableOnDestroy: false, disableDependentServices: false },
                { parent: this },
              ),
          );
    // Everything else waits for the APIs to be usable, not just enabled; the set of services is the trigger, so
    // enabling one more (a first 2nd-gen function) waits again, and nothing else does.
    const apis: pulumi.Resource[] =
      enabled.length === 0
        ? []
        : [
            new time.Sleep(
              `${name}-api-propagation`,
              { createDuration: API_PROPAGATION, triggers: { services: [...services].sort().join(",") } },
              { parent: this, dependsOn: enabled },
            ),
          ];

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

    const buildEmail = buildServiceAccountEmail(project);
    const buildMember = `serviceAccount:${buildEmail}`;
    this.buildServiceAccount = new gcp.serviceaccount.Account(
      `${name}-build-sa`,
      {
        project,
        accountId: BUILD_SERVICE_ACCOUNT_ID,
        displayName: "callgraph builds",
        description:
          "Builds the callgraph functions (Cloud Build); no function runs as it (managed by callgraph).",
      },
      { parent: this, dependsOn: apis },
    );
    // Grants name the account by its computed email, which IAM refuses until the account exists.
    const afterAccount = { parent: this, dependsOn: [this.buildServiceAccount] };
    this.imageRepository = new gcp.artifactregistry.Repository(
      `${name}-images`,
      {
        project,
        location: region,
        repositoryId: IMAGE_REPOSITORY_ID,
        format: "DOCKER",
        description: "Images of the callgraph functions, pushed by their builds (managed by callgraph).",
        labels: { "managed-by": "callgraph" },
      },
      { parent: this, dependsOn: apis },
    );
    const generations = [...new Set(topology.functions.map((f) => f.generation))].sort();
    // Project-level: the build log writer (no narrower scope exists) and the read of the staging buckets Cloud
    // Functions builds from, conditioned on their names (they exist only after a first function; iam/build-grants.ts).
    const projectGrants = buildProjectGrants(generations, projectNumber, region);
    const projectGrantResources = projectGrants.map(
      (grant) =>
        new gcp.projects.IAMMember(
          `${name}-build-${grant.role === BUILD_ROLES.logs ? "logs" : "sources"}`,
          {
            project,
            role: grant.role,
            member: buildMember,
            ...(grant.condition ? { condition: grant.condition } : {}),
          },
          afterAccount,
        ),
    );
    this.buildGrants = [
      ...projectGrantResources,
      // The repository is named by its id, known at preview time, rather than by its `name` output.
      new gcp.artifactregistry.RepositoryIamMember(
        `${name}-build-images`,
        {
          project,
          location: region,
          repository: IMAGE_REPOSITORY_ID,
          role: BUILD_ROLES.images,
          member: buildMember,
        },
        { parent: this, dependsOn: [this.buildServiceAccount, this.imageRepository] },
      ),
    ];
    // The program's own bucket needs no grant to the build account: Cloud Functions' service agent copies each
    // archive from it into the staging bucket, and the build reads only that copy.
    this.buildGrantsPropagation = new time.Sleep(
      `${name}-build-propagation`,
      {
        createDuration: BUILD_GRANTS_PROPAGATION,
        triggers: {
          grants: projectGrants
            .map((g) => `${g.role}${g.condition ? ` if ${g.condition.expression}` : ""}`)
            .concat(`${BUILD_ROLES.images} on ${IMAGE_REPOSITORY_ID}`)
            .join("\n"),
        },
      },
      { parent: this, dependsOn: [...this.buildGrants] },
    );
    // `projects/P/locations/L/repositories/R`, the form both generations take; computed, so preview knows it.
    const dockerRepository = `projects/${project}/locations/${region}/repositories/${IMAGE_REPOSITORY_ID}`;

    const functions: Record<string, ServiceFunction> = {};
    for (const spec of topology.functions) {
      const archive = inputs.archives[spec.name];
      if (!archive) throw new pulumi.ResourceError(`no archive was built for function ${spec.name}`, this);
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
          secrets: spec.secrets,
          minInstances: spec.minInstances,
          vpcConnector: spec.vpcConnector,
          vpcConnectorEgressSettings: spec.vpcConnectorEgressSettings,
          labels: spec.labels,
          concurrency: spec.concurrency,
          cpu: spec.cpu,
          memoryMb: spec.memoryMb,
          timeoutSeconds: spec.timeoutSeconds,
          maxInstances: spec.maxInstances,
          ingress: spec.ingress,
          generation: spec.generation,
          runtime: spec.runtime,
          buildServiceAccount: `projects/${project}/serviceAccounts/${buildEmail}`,
          dockerRepository,
          apis,
          buildGrants: [this.buildGrantsPropagation],
          callSites: inputs.callSites?.[spec.name],
        },
        { parent: this },
      );
    }

    const { callers, topics } = this.registerCallers(name, declaredCallers, inputs, functions, apis);

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
          ...sourcesOf(topology, spec.name).map((source) => callers[source.name].serviceAccount),
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
    this.callers = callers;
    this.topics = topics;
    this.invokerBindings = bindings;
    this.edges = edges(topology);
    // From the plain strings each function was given, not from its components' outputs: the same values, but one
    // output each instead of one per function unwrapped and recombined (issue 19: plan cost).
    this.urls = pulumi.output(functionUrls(topology, target));
    this.serviceAccounts = pulumi.output(
      Object.fromEntries(topology.functions.map((f) => [f.name, serviceAccountEmail(f.name, project)])),
    );
    // The validated declaration too, wherever it came from (stack config, or code): `callgraph types` and
    // `stackTests()` read one written in code from it (engine/registered-declarations.ts). An output, not an input:
    // the engine diffs a component's inputs, so a declaration among them would show the component itself as updated
    // by every edge (DESIGN.md invariant 6 holds one edge to the caller's environment and the callee's grant).
    this.registerOutputs({
      urls: this.urls,
      serviceAccounts: this.serviceAccounts,
      edges: this.edges,
      buildServiceAccount: buildEmail,
      projectNumber,
      topology,
      // Where it came from, so the stack tests can tell a stack file's declaration that this component ignores.
      declaredIn: args.topology ? "topology" : args.declaration ? "code" : "stack",
    });
  }

  /**
   * The callers that are not functions: each with its own account and the source that calls as it, and the topics
   * the push subscriptions read that this stack creates (one per topic id, however many subscriptions read it).
   */
  private registerCallers(
    name: string,
    declared: readonly CallerSpec[],
    inputs: ReturnType<typeof resolveInputs>,
    functions: Readonly<Record<string, ServiceFunction>>,
    apis: readonly pulumi.Resource[],
  ): { callers: Record<string, SourceCaller>; topics: Record<string, gcp.pubsub.Topic> } {
    const { topology, project, region, projectNumber } = inputs;
    const target = { project, region, projectNumber };
    const labels = { [MANAGED_LABEL.key]: MANAGED_LABEL.value };
    // A Map, not an object: a topic may be called `constructor` or `toString`, which every object already has.
    const topics = new Map<string, gcp.pubsub.Topic>();
    for (const caller of declared) {
      if (caller.kind !== "pubsub" || caller.topic.startsWith("projects/") || topics.has(caller.topic))
        continue;
      topics.set(
        caller.topic,
        new gcp.pubsub.Topic(
          `${name}-topic-${caller.topic}`,
          { project, name: caller.topic, labels },
          { parent: this, dependsOn: [...apis] },
        ),
      );
    }
    const calleeOf = (fn: string): SourceCallee => {
      const spec = getFunction(topology, fn);
      return { name: fn, url: urlOf(spec, target), generation: spec.generation };
    };
    const callers: Record<string, SourceCaller> = {};
    for (const caller of declared) {
      const common: CallerSourceArgs = {
        callerName: caller.name,
        project,
        region,
        serviceAccountId: callerAccountId(caller.name),
        serviceAccountEmail: callerAccountEmail(caller.name, project),
        apis,
        labels,
      };
      const child = `${name}-${caller.name}`;
      const opts = { parent: this };
      switch (caller.kind) {
        case "scheduler":
          callers[caller.name] = new SchedulerCaller(
            child,
            {
              ...common,
              callee: calleeOf(caller.calls[0]),
              schedule: caller.schedule,
              timeZone: caller.timeZone,
              httpMethod: caller.httpMethod,
              body: caller.body,
              path: caller.path,
            },
            opts,
          );
          break;
        case "pubsub":
          callers[caller.name] = new PushCaller(
            child,
            {
              ...common,
              callee: calleeOf(caller.calls[0]),
              topic: caller.topic.startsWith("projects/") ? caller.topic : topics.get(caller.topic)!.id,
              projectNumber,
              noWrapper: caller.noWrapper,
              ackDeadlineSeconds: caller.ackDeadlineSeconds,
              path: caller.path,
            },
            opts,
          );
          break;
        case "tasks":
          callers[caller.name] = new QueueCaller(
            child,
            {
              ...common,
              callee: calleeOf(caller.calls[0]),
              enqueuers: caller.enqueuers.map((fn) => `serviceAccount:${serviceAccountEmail(fn, project)}`),
              httpMethod: caller.httpMethod,
              maxAttempts: caller.maxAttempts,
              path: caller.path,
            },
            { parent: this, dependsOn: caller.enqueuers.map((fn) => functions[fn].serviceAccount) },
          );
          break;
        case "workflow": {
          const contents = inputs.workflowSources?.[caller.name];
          if (contents === undefined)
            throw new pulumi.ResourceError(`no definition was read for workflow ${caller.name}`, this);
          callers[caller.name] = new WorkflowCaller(
            child,
            {
              ...common,
              callees: caller.calls.map(calleeOf),
              sourceContents: contents,
              description: caller.description,
            },
            opts,
          );
          break;
        }
        case "eventarc":
          callers[caller.name] = new EventarcCaller(
            child,
            {
              ...common,
              callee: calleeOf(caller.calls[0]),
              projectNumber,
              eventType: caller.eventType,
              filters: caller.filters,
              path: caller.path,
              calleeFunction: functions[caller.calls[0]].function,
            },
            opts,
          );
          break;
      }
    }
    return { callers, topics: Object.fromEntries(topics) };
  }
}
