/** Stands for a value that is not known until the resource is created (a preview's computed output). */
export const UNKNOWN = "<computed>";

import type { FunctionSettings } from "./function-settings";

export type { FunctionSettings, GraphSecret } from "./function-settings";

/** One resource the program registered, as the engine would have received it. */
export interface RegisteredResource {
  readonly urn: string;
  /** Type token, e.g. `gcp:cloudfunctions/function:Function`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** True for provider-managed resources, false for components. */
  readonly custom: boolean;
  /** URN of the parent resource, if any. */
  readonly parent?: string;
  /** Inputs as sent to the engine; computed values are {@link UNKNOWN}, assets are `{ asset: path }`. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /**
   * A custom resource's state as the (mock) provider answered, in preview only what is known before creation; a
   * component's, what it registered with `registerOutputs` (the engine answers its registration with nothing).
   */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Provider id; {@link UNKNOWN} in preview. */
  readonly id: string;
  /** URNs this resource depends on (explicit `dependsOn` and implicit through inputs). */
  readonly dependencies: readonly string[];
  /** Input property -> URNs it depends on. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** Resource options that matter to a reviewer. */
  readonly options: {
    /** URNs whose replacement also replaces this resource. */
    readonly replaceWith: readonly string[];
    readonly deleteBeforeReplace: boolean;
    readonly protect: boolean;
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
  };
}

/** A function of the deployment, as the registered resources describe it. */
export interface GraphFunction {
  readonly name: string;
  readonly urn: string;
  readonly project: string;
  readonly region: string;
  /** Cloud Functions generation: 1, or 2 (Cloud Run functions, invoked through their Cloud Run service). */
  readonly generation: 1 | 2;
  /** Email of the account it runs as ({@link UNKNOWN} if that is not known before deployment). */
  readonly serviceAccount: string;
  /** Its URL, as GCP gives it. */
  readonly url: string;
  /** Entry point, runtime and archive, for the local stack. */
  readonly entryPoint: string;
  readonly runtime: string;
  /** Request timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Local path of the uploaded archive, if the program uploads one. */
  readonly archivePath?: string;
  /** The environment it is deployed with. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Its runtime settings as registered (`function-settings.ts`): the user's variables, its secrets, instances,
   * connector, labels, 2nd gen's concurrency and CPU.
   */
  readonly settings: FunctionSettings;
}

/**
 * A grant of a role that reads Secret Manager secrets to a function's account (`secret-grants.ts`): on one secret,
 * or on a whole project, folder or organization (every secret in it).
 */
export interface SecretGrant {
  /** The function whose account holds it. */
  readonly function: string;
  /**
   * `projects/P/secrets/S` for a grant on one secret ({@link UNKNOWN} parts where not known before deployment);
   * `projects/P/secrets/*` (or `folders/F/…`, `organizations/O/…`) for a grant on everything of a project.
   */
  readonly secret: string;
  readonly scope: "secret" | "project" | "folder" | "organization";
  readonly role: string;
  readonly member: string;
  /** True when an IAM condition narrows it (what it then opens is the condition's to say). */
  readonly conditional: boolean;
  /** The resource that grants it. */
  readonly resource: { readonly urn: string; readonly type: string; readonly name: string };
  /** True when the callgraph components made it (one per secret a function declares); false for any other resource. */
  readonly managed: boolean;
}

/**
 * Where a grant of an invoker role applies: one function (for 2nd gen, its Cloud Run service), or every
 * function of the project ("project" also stands for folder- and organization-level grants).
 */
export type GrantScope = "function" | "project";

/** One member granted an invoker role by one resource. */
export interface Grant {
  /** Function name for a function-level grant; `*` for a project-level one (every function of the project). */
  readonly target: string;
  readonly scope: GrantScope;
  readonly role: string;
  readonly member: string;
  /** The function whose service account `member` is, if any. */
  readonly callerFunction?: string;
  /** The caller that is not a function (a Scheduler job, a push subscription, ...) whose account `member` is, if any. */
  readonly callerSource?: { readonly name: string; readonly kind: SourceKind };
  /** The resource that grants it. */
  readonly resource: { readonly urn: string; readonly type: string; readonly name: string };
  /** True when the callgraph components made it (from the declaration); false for any other resource. */
  readonly managed: boolean;
}

/** An effective edge: `from`'s service account may invoke `to`. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly managed: boolean;
}

/** The kinds of caller that are not functions, as `topology/caller-schema.ts` names them. */
export type { SourceKind } from "../iam/source-kinds";
import type { SourceKind } from "../iam/source-kinds";

/**
 * A caller that is not a function, as its registered resource describes it: a Cloud Scheduler job, a Pub/Sub push
 * subscription, a Cloud Tasks queue, a Workflow or an Eventarc trigger, with the account its tokens are minted for and
 * where they are sent.
 */
export interface GraphSource {
  /** Its name: the job's, subscription's, queue's, workflow's or trigger's. */
  readonly name: string;
  readonly kind: SourceKind;
  readonly urn: string;
  /**
   * The account its tokens are minted for, as registered; `""` when it names none (a job or subscription that sends
   * no token, or a workflow or trigger running as the project's default account).
   */
  readonly serviceAccount: string;
  /** The audiences its tokens carry (a workflow's: the callee URLs it is told), sorted. */
  readonly audiences: readonly string[];
  /** The functions those audiences (or a trigger's destination) name, sorted. */
  readonly targets: readonly string[];
  /** True when the callgraph components made it. */
  readonly managed: boolean;
  /** How it delivers, as registered: what the local stack needs to send what the source would. */
  readonly delivery: SourceDelivery;
}

/** What a source sends, read from its resource; absent fields are not set (or not known before deployment). */
export interface SourceDelivery {
  /** The URL it calls (the callee's URL and the declared path); a trigger's is its service's path alone. */
  readonly endpoint?: string;
  /** Scheduler and Tasks: the HTTP method. */
  readonly httpMethod?: string;
  /** Scheduler: the body it sends, decoded from the base64 the API takes. */
  readonly body?: string;
  readonly schedule?: string;
  readonly timeZone?: string;
  /** Pub/Sub: the topic, and whether messages arrive unwrapped. */
  readonly topic?: string;
  readonly noWrapper?: boolean;
  /** Eventarc: the event type and the other attributes it matches. */
  readonly eventType?: string;
  readonly filters?: Readonly<Record<string, string>>;
}

/** An edge from a caller that is not a function: `from`'s account may invoke `to`. */
export interface SourceEdge {
  readonly from: string;
  readonly kind: SourceKind;
  readonly to: string;
  readonly managed: boolean;
}

/** Who can invoke what, derived from the registered IAM resources (not from the config). */
export interface EffectiveGraph {
  readonly functions: readonly GraphFunction[];
  /** Every grant of an invoker role, function- or project-level, sorted. */
  readonly grants: readonly Grant[];
  /** Function-to-function edges, sorted. */
  readonly edges: readonly GraphEdge[];
  /** The callers that are not functions, sorted by name. */
  readonly sources: readonly GraphSource[];
  /** Edges from those callers (grants to their accounts), sorted. */
  readonly sourceEdges: readonly SourceEdge[];
  /**
   * Grants to members that are neither a function's service account nor a source's (groups, users, allUsers…),
   * sorted.
   */
  readonly externalInvokers: readonly {
    readonly function: string;
    readonly member: string;
    readonly managed: boolean;
  }[];
  /** Every grant that lets a function's account read secrets, sorted by function, then secret. */
  readonly secretGrants: readonly SecretGrant[];
}

/** The result of evaluating the program once. */
export interface Evaluation {
  readonly project: string;
  readonly stack: string;
  readonly preview: boolean;
  /** Every registered resource, in registration order. */
  readonly resources: readonly RegisteredResource[];
  /** The program's exports, with unknown values as {@link UNKNOWN}. */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly graph: EffectiveGraph;
  /** The config the program ran with (keys like `callgraph:functions`, values as parsed YAML). */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * The program's own module files, real paths, sorted: its entry and what it loaded from outside node_modules (a
   * declaration in code lives there). What the development loop watches besides the stack file.
   */
  readonly programFiles: readonly string[];
}
