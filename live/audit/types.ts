import type { GrantScope } from "../../iam";
import type { Policy } from "../answers";
import type { LiveAccount } from "../preflight/check-accounts";
import type { Observed } from "../preflight/types";

export type { Observed };

/** The scopes a live IAM policy can sit at, for the audit. */
export type PolicyScope = Extract<
  GrantScope,
  "function" | "run-service" | "project" | "folder" | "organization"
>;

/** Where a live IAM policy is attached. */
export interface PolicyRef {
  readonly scope: PolicyScope;
  /**
   * Full resource name: `projects/P/locations/L/functions/F`, `projects/P/locations/L/services/S`, `projects/P`,
   * `folders/F` or `organizations/O`.
   */
  readonly name: string;
}

/** A deployed function of either generation, as the Cloud Functions API lists it. */
export interface LiveFunction {
  /** Short name (last segment of `resourceName`). */
  readonly name: string;
  /** `projects/P/locations/L/functions/NAME`. */
  readonly resourceName: string;
  readonly generation: 1 | 2;
  readonly region: string;
  /** Runtime account email, lower case; undefined when the API names none. */
  readonly serviceAccount?: string;
  /** Build account email, lower case; undefined when the function names none (a default build identity). */
  readonly buildServiceAccount?: string;
  readonly url?: string;
  /** 2nd gen: the Cloud Run service that serves it, `projects/P/locations/L/services/S`. */
  readonly service?: string;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Its deployment state as the API gives it: v1 `status` (ACTIVE, OFFLINE, DEPLOY_IN_PROGRESS, DELETE_IN_PROGRESS,
   * UNKNOWN, ...) or v2 `state` (ACTIVE, FAILED, DEPLOYING, DELETING, UNKNOWN, DETACHING, DETACH_FAILED, ...);
   * undefined when the API gives none.
   */
  readonly state?: string;
  /** v2 `stateMessages[].message` of severity ERROR (else the first), when there is one. */
  readonly stateMessage?: string;
}

/** A 2nd-gen function's Cloud Run service, as Cloud Run Admin v2 `services.get` gives it. */
export interface LiveService {
  readonly name: string;
  /** True when Cloud Run's invoker IAM check is off: anyone can invoke it, whatever its IAM policy says. */
  readonly invokerIamDisabled: boolean;
  readonly ingress?: string;
}

/** Where the policies came from: one Asset Inventory query, or one read per resource. */
export type PolicySource =
  | { readonly mode: "asset"; readonly scope: string; readonly requests: number }
  | {
      readonly mode: "per-resource";
      /** Why the Asset query (asked for with `--scope`) was not used, e.g. the API is disabled. */
      readonly assetRefusal?: string;
    };

/** Everything the audit read from the live project: raw answers, refusals kept as refusals. */
export interface LiveSnapshot {
  readonly project: string;
  readonly region: string;
  /** One listing per generation (Cloud Functions v1 for 1st gen, v2 for 2nd gen). */
  readonly listings: readonly {
    readonly generation: 1 | 2;
    readonly observed: Observed<readonly LiveFunction[]>;
  }[];
  /** The folders and organization above the project, nearest first. */
  readonly ancestry: Observed<readonly PolicyRef[]>;
  /** Every policy read (or refused): the functions', their services', the project's and its ancestors'. */
  readonly policies: readonly { readonly ref: PolicyRef; readonly observed: Observed<unknown> }[];
  /** Runtime and build accounts, by lower-case email. */
  readonly accounts: ReadonlyMap<string, Observed<LiveAccount>>;
  readonly policySource: PolicySource;
  /** The Cloud Run service of every 2nd-gen function that names one, by service name. */
  readonly services: ReadonlyMap<string, Observed<LiveService>>;
  /**
   * The IAM policy of every service account that may invoke a function (a caller's account), by lower-case email:
   * who may act as it (mint its tokens, or attach it to code) can invoke what it invokes.
   */
  readonly accountPolicies: ReadonlyMap<string, Observed<Policy>>;
}
