import type { Principals } from "./principals";
import type { CallerHttpMethod, CallerKind } from "./caller-schema";
import type { Generation, Ingress, VpcConnectorEgress } from "./schema";

/**
 * One Secret Manager secret a function reads: as an environment variable (`env`) or as a file (`path`), exactly one
 * of the two. Granted to the function's own account alone, on that secret alone (`roles/secretmanager.secretAccessor`).
 */
export interface SecretSpec {
  /** The secret's id (`api-key`), in {@link project}. */
  readonly secret: string;
  /** The project that holds it (an id or a number) when it is not the function's own; absent for the function's. */
  readonly project?: string;
  /** A version number, or `latest`. */
  readonly version: string;
  /** The environment variable it is given as. */
  readonly env?: string;
  /** The absolute path of the file it is mounted as (its folder holds this secret only). */
  readonly path?: string;
}

/** One function of the call graph, with every default applied. */
export interface FunctionSpec {
  /** The function's name; also its deployed name and the last segment of its URL. */
  readonly name: string;
  /** Functions this one may invoke (the edges out of it), sorted. */
  readonly calls: readonly string[];
  /**
   * IAM members, other than callers, that may invoke it (e.g. a developers group), sorted: those written in its
   * `invokers` and the members of the principals named there.
   */
  readonly invokers: readonly string[];
  /** The principals (`callgraph:principals`) its `invokers` names, sorted; their members are in `invokers`. */
  readonly principals: readonly string[];
  /** Folder holding the function's code, relative to the project root. */
  readonly source: string;
  /** Exported handler name the platform calls. */
  readonly entryPoint: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly maxInstances: number;
  readonly ingress: Ingress;
  /** 1: Cloud Functions (1st gen); 2: Cloud Run functions, invoked through their Cloud Run service. */
  readonly generation: Generation;
  /** Node.js runtime id, e.g. `nodejs22`: one its generation offers (see `runtimes.ts`). */
  readonly runtime: string;
  /**
   * The user's own environment variables (`environment`), name -> value, sorted by name; absent when none. None
   * shadows one the program or the platform sets (`settings.ts`).
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Secrets it reads (`secrets`), sorted by variable name then path; absent when none. */
  readonly secrets?: readonly SecretSpec[];
  /** Instances kept warm; absent means none (the platform's default, 0). */
  readonly minInstances?: number;
  /** The Serverless VPC Access connector its egress goes through, as declared (a name or a full name); absent: none. */
  readonly vpcConnector?: string;
  /** What goes through {@link vpcConnector}; set (default `PRIVATE_RANGES_ONLY`) exactly when it is. */
  readonly vpcConnectorEgressSettings?: VpcConnectorEgress;
  /** The user's own labels, sorted by key; absent when none. The program adds `managed-by: callgraph`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** 2nd gen: concurrent requests per instance; absent means the platform's default (1). */
  readonly concurrency?: number;
  /** 2nd gen: vCPUs per instance as Google spells them (`"1"`, `"0.5"`); absent means derived from memory. */
  readonly cpu?: string;
}

/** What every caller that is not a function has: its name, its kind and the functions it calls. */
interface CallerBase {
  /** Its name (`callgraph:callers.NAME`): the name of its own service account, job, subscription or queue. */
  readonly name: string;
  readonly kind: CallerKind;
  /** The functions it calls, sorted; exactly one for every kind but `workflow`. */
  readonly calls: readonly string[];
  /** A path below the callee's URL that it calls (`/nightly`); absent: the URL itself. Never part of the audience. */
  readonly path?: string;
}

/** A Cloud Scheduler job calling one function over HTTP with an OIDC token. */
export interface SchedulerCallerSpec extends CallerBase {
  readonly kind: "scheduler";
  /** unix-cron, five fields. */
  readonly schedule: string;
  /** A tz database name; `Etc/UTC` unless declared. */
  readonly timeZone: string;
  readonly httpMethod: CallerHttpMethod;
  readonly body?: string;
}

/** A Pub/Sub push subscription delivering one topic's messages to one function. */
export interface PushCallerSpec extends CallerBase {
  readonly kind: "pubsub";
  /** A topic id this stack creates (`orders`), or an existing topic's full name (`projects/P/topics/T`). */
  readonly topic: string;
  /** Whether the message data is delivered unwrapped, as the whole body. */
  readonly noWrapper: boolean;
  readonly ackDeadlineSeconds?: number;
}

/** A Cloud Tasks queue whose queue-level HTTP target sends every task to one function. */
export interface QueueCallerSpec extends CallerBase {
  readonly kind: "tasks";
  /** Functions that may add tasks to it, sorted. */
  readonly enqueuers: readonly string[];
  readonly httpMethod: CallerHttpMethod;
  readonly maxAttempts?: number;
}

/** A Workflow calling its callees from `http.*` steps with `auth: {type: OIDC}`. */
export interface WorkflowCallerSpec extends CallerBase {
  readonly kind: "workflow";
  /** Its definition's file, relative to the project root. */
  readonly source: string;
  readonly description?: string;
}

/** An Eventarc trigger delivering matching events to one 2nd-gen function. */
export interface EventarcCallerSpec extends CallerBase {
  readonly kind: "eventarc";
  readonly eventType: string;
  /** Attribute -> value the events must also match, sorted by attribute; absent when none. */
  readonly filters?: Readonly<Record<string, string>>;
}

/** A caller that is not a function (`callgraph:callers`), with every default applied. */
export type CallerSpec =
  SchedulerCallerSpec | PushCallerSpec | QueueCallerSpec | WorkflowCallerSpec | EventarcCallerSpec;

/** A validated call graph. Functions are sorted by name, so everything derived from it is deterministic. */
export interface Topology {
  readonly functions: readonly FunctionSpec[];
  /**
   * The callers that are not functions (`callgraph:callers`), sorted by name; absent when none is declared, so a
   * graph of functions only is what it always was.
   */
  readonly callers?: readonly CallerSpec[];
  /** The stack's named principals (`callgraph:principals`), name -> members; `[]` for one not set yet. */
  readonly principals: Principals;
}

/** A declared edge: `from` may invoke `to`. */
export interface Edge {
  readonly from: string;
  readonly to: string;
}
