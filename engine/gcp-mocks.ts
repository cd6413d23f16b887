import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { TYPES } from "./resource-types";

type Mocks = pulumi.runtime.Mocks;
type State = Record<string, unknown>;

export interface GcpMocksOptions {
  /** Default project (`gcp:project`) for resources that do not name one. */
  readonly project: string;
  /** Default region (`gcp:region`). */
  readonly region: string;
  /** Preview: computed outputs are left out, so the SDK treats them as unknown, as in a real preview. */
  readonly preview: boolean;
  /**
   * The default project's number when the stack says it (`callgraph:projectNumber`): Google's answers then carry
   * that number (2nd-gen URLs, `getProject`), as they would for the real project. Otherwise a stable stand-in.
   */
  readonly projectNumber?: string;
}

function conditionTitle(condition: unknown): string | undefined {
  const title = (condition as { title?: unknown } | undefined)?.title;
  return typeof title === "string" ? title : undefined;
}

/** A short deterministic suffix, standing in for the random suffix of Pulumi auto-naming. */
function suffix(seed: string): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, 7);
}

/** A stable stand-in for a project's number, the same for every answer that needs it. */
export function mockProjectNumber(projectId: string): string {
  return BigInt(`0x${createHash("sha256").update(projectId).digest("hex").slice(0, 10)}`).toString();
}

/**
 * The number of `projectId`: the one a `CallGraph` in that project was given (in code or from config), else the
 * stack's own for its default project, else the stand-in.
 */
function numberOf(projectId: string, o: GcpMocksOptions, known?: ReadonlyMap<string, string>): string {
  return (
    known?.get(projectId) ??
    (projectId === o.project && o.projectNumber ? o.projectNumber : mockProjectNumber(projectId))
  );
}

/** Answers for the types whose computed outputs matter; the rest echo their inputs. */
const ANSWERS: Record<
  string,
  (
    args: pulumi.runtime.MockResourceArgs,
    o: GcpMocksOptions,
    known: ReadonlyMap<string, string>,
  ) => { id: string; computed: State }
> = {
  // https://cloud.google.com/iam/docs/service-accounts: email is ACCOUNT_ID@PROJECT.iam.gserviceaccount.com
  "gcp:serviceaccount/account:Account": ({ inputs }, o) => {
    const project = (inputs.project as string) ?? o.project;
    const email = `${inputs.accountId}@${project}.iam.gserviceaccount.com`;
    const name = `projects/${project}/serviceAccounts/${email}`;
    const uniqueId = BigInt(`0x${createHash("sha256").update(email).digest("hex").slice(0, 15)}`).toString();
    return { id: name, computed: { email, name, uniqueId, member: `serviceAccount:${email}`, project } };
  },
  "gcp:storage/bucket:Bucket": ({ inputs, name: logical }) => {
    const name = (inputs.name as string) ?? `${logical}-${suffix(logical)}`;
    return {
      id: name,
      computed: { name, url: `gs://${name}`, selfLink: `https://www.googleapis.com/storage/v1/b/${name}` },
    };
  },
  "gcp:storage/bucketObject:BucketObject": ({ inputs }) => {
    const bucket = inputs.bucket as string;
    const object = inputs.name as string;
    const path = `${bucket}/o/${encodeURIComponent(object)}`;
    return {
      id: `${bucket}-${object}`,
      computed: {
        mediaLink: `https://storage.googleapis.com/download/storage/v1/b/${path}?alt=media`,
        selfLink: `https://www.googleapis.com/storage/v1/b/${path}`,
        outputName: object,
      },
    };
  },
  // https://cloud.google.com/functions/docs/calling/http: https://REGION-PROJECT.cloudfunctions.net/NAME
  "gcp:cloudfunctions/function:Function": ({ inputs }, o) => {
    const project = (inputs.project as string) ?? o.project;
    const region = (inputs.region as string) ?? o.region;
    const name = inputs.name as string;
    return {
      id: `projects/${project}/locations/${region}/functions/${name}`,
      computed: {
        httpsTriggerUrl: `https://${region}-${project}.cloudfunctions.net/${name}`,
        project,
        region,
        status: "ACTIVE",
      },
    };
  },
  // https://cloud.google.com/run/docs/triggering/https-request#deterministic: https://NAME-NUMBER.REGION.run.app,
  // served by a Cloud Run service named after the function.
  "gcp:cloudfunctionsv2/function:Function": ({ inputs }, o, known) => {
    const project = (inputs.project as string) ?? o.project;
    const location = (inputs.location as string) ?? o.region;
    const name = inputs.name as string;
    const url = `https://${name}-${numberOf(project, o, known)}.${location}.run.app`;
    const serviceConfig = {
      ...((inputs.serviceConfig as Record<string, unknown>) ?? {}),
      service: `projects/${project}/locations/${location}/services/${name}`,
      uri: url,
    };
    return {
      id: `projects/${project}/locations/${location}/functions/${name}`,
      computed: { url, serviceConfig, project, location, state: "ACTIVE", environment: "GEN_2" },
    };
  },
  "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding": ({ inputs }, o) => ({
    id: `projects/${inputs.project ?? o.project}/locations/${inputs.location ?? o.region}/services/${inputs.name}/${inputs.role}`,
    computed: { etag: `BwY${suffix(JSON.stringify(inputs))}=` },
  }),
  "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding": ({ inputs }, o) => ({
    id: `projects/${inputs.project ?? o.project}/locations/${inputs.region ?? o.region}/functions/${inputs.cloudFunction}/${inputs.role}`,
    computed: { etag: `BwY${suffix(JSON.stringify(inputs))}=` },
  }),
  "gcp:cloudfunctions/functionIamMember:FunctionIamMember": ({ inputs }, o) => ({
    id: `projects/${inputs.project ?? o.project}/locations/${inputs.region ?? o.region}/functions/${inputs.cloudFunction}/${inputs.role}/${inputs.member}`,
    computed: { etag: `BwY${suffix(JSON.stringify(inputs))}=` },
  }),
  // https://cloud.google.com/artifact-registry/docs/repositories/repo-locations: images are addressed as
  // LOCATION-docker.pkg.dev/PROJECT/REPOSITORY; the resource's id is projects/P/locations/L/repositories/R.
  "gcp:artifactregistry/repository:Repository": ({ inputs }, o) => {
    const project = (inputs.project as string) ?? o.project;
    const location = (inputs.location as string) ?? o.region;
    const id = inputs.repositoryId as string;
    const name = `projects/${project}/locations/${location}/repositories/${id}`;
    return {
      id: name,
      computed: {
        name: id,
        project,
        location,
        registryUri: `${location}-docker.pkg.dev/${project}/${id}`,
        createTime: "2026-01-01T00:00:00Z",
        updateTime: "2026-01-01T00:00:00Z",
      },
    };
  },
  // IAM member resources are identified as "RESOURCE ROLE MEMBER" (the import ids the provider documents).
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": ({ inputs }, o) => ({
    id: `projects/${inputs.project ?? o.project}/locations/${inputs.location ?? o.region}/repositories/${inputs.repository} ${inputs.role} ${inputs.member}`,
    computed: { etag: `BwY${suffix(JSON.stringify(inputs))}=` },
  }),
  "gcp:storage/bucketIAMMember:BucketIAMMember": ({ inputs }) => ({
    id: `b/${inputs.bucket} ${inputs.role} ${inputs.member}`,
    computed: { etag: `CAE${suffix(JSON.stringify(inputs))}=` },
  }),
  // A conditional member's import id ends with its condition's title.
  "gcp:projects/iAMMember:IAMMember": ({ inputs }, o) => ({
    id: [inputs.project ?? o.project, inputs.role, inputs.member, conditionTitle(inputs.condition)]
      .filter(Boolean)
      .join(" "),
    computed: { etag: `BwY${suffix(JSON.stringify(inputs))}=` },
  }),
  // A secret's IAM member is imported as "projects/P/secrets/S ROLE MEMBER"; its secretId is answered in that full form.
  "gcp:secretmanager/secretIamMember:SecretIamMember": ({ inputs }, o) => {
    const secret = String(inputs.secretId);
    const name = secret.startsWith("projects/")
      ? secret
      : `projects/${inputs.project ?? o.project}/secrets/${secret}`;
    return {
      id: `${name} ${inputs.role} ${inputs.member}`,
      computed: { secretId: name, etag: `BwY${suffix(JSON.stringify(inputs))}=` },
    };
  },
  "gcp:projects/service:Service": ({ inputs }, o) => ({
    id: `${inputs.project ?? o.project}/${inputs.service}`,
    computed: {},
  }),
  "gcp:serviceaccount/key:Key": ({ name }) => ({
    id: `key-${suffix(name)}`,
    computed: { privateKey: "<mock key: never real>" },
  }),
};

/**
 * Pulumi mocks that answer as GCP would: service-account emails, function URLs, bucket names, ids. In
 * preview, computed outputs are withheld so the program sees unknowns exactly where a real preview would.
 * Invokes (data sources) are answered only where implemented: anything else throws, so a program that
 * starts depending on one fails loudly instead of getting made-up data.
 */
export function gcpMocks(options: GcpMocksOptions): Mocks {
  // Project numbers by project id, as each `CallGraph` registered them (its inputs carry its project and number,
  // whether given in code or read from config): a program that passes `projectNumber` to the component gets the
  // URLs its component predicted from it, not the stand-in. A component registers before any of its children.
  const known = new Map<string, string>();
  return {
    newResource(args) {
      if (args.type === TYPES.callGraph) learnNumber(args.inputs, known);
      // A component's registration is answered with no properties, as the engine answers a local component: "Local
      // ComponentResources may contain unresolved resource refs, so ignore those outputs" (pulumi/pulumi
      // pkg/resource/deploy/source_eval.go, resmon.RegisterResource; pulumi/pulumi#5978). Its outputs are what it
      // registers itself (registerOutputs). Echoing its inputs back would hand the SDK properties the engine never
      // sends, and cost a serialization of them both ways for every component.
      if (!args.custom) return { id: undefined, state: {} };
      const answer = ANSWERS[args.type];
      const { id, computed } = answer
        ? answer(args, options, known)
        : { id: `${args.name}-id`, computed: {} };
      if (options.preview) return { id: undefined, state: { ...args.inputs } };
      return { id, state: { ...args.inputs, ...computed } };
    },
    call(args) {
      if (args.token === "gcp:organizations/getProject:getProject") {
        const projectId = (args.inputs.projectId as string) ?? options.project;
        return {
          projectId,
          number: numberOf(projectId, options, known),
          name: projectId,
          id: `projects/${projectId}`,
        };
      }
      throw new Error(`callgraph engine: no mock for invoke ${args.token}; add one to engine/gcp-mocks.ts`);
    },
  };
}

/** Records a `CallGraph`'s project and number from its registered inputs, when both are plain strings. */
function learnNumber(inputs: Record<string, unknown>, known: Map<string, string>): void {
  const { project, projectNumber } = inputs;
  if (typeof project === "string" && typeof projectNumber === "string" && /^[0-9]+$/.test(projectNumber))
    known.set(project, projectNumber);
}
