import {
  GCP,
  type Grant,
  isUnknown,
  lastSegment,
  type Maybe,
  normalizeMember,
  type StackResource,
  stringAt,
  type Unknown,
  valueAt,
} from "../iam";
import { listed } from "./values";

/**
 * The environment variable in which a function declares, as a JSON array of IAM members, who may invoke it.
 * The callgraph components set it to exactly the function's invoker binding, and the function's own code
 * refuses any service-account caller not in it; the policies keep IAM and that list equal.
 */
export const INVOKERS_ENV = "CALLGRAPH_INVOKERS";

/**
 * The environment variable in which the CallGraph component tells a function that Google's front end enforces its
 * invoker grant (`"true"`): its code then believes a user's token whose signature the front end removed
 * (SIGNATURE_REMOVED_BY_GOOGLE) on its claims. `topology/environment.ts` writes it (this folder may not import it;
 * `tests/policy/function-token-trust-matches-grants.test.ts` keeps the names equal); the function reads it in
 * `functions/shared/env.ts`, where only `"true"` (trimmed) turns it on.
 */
export const PLATFORM_VERIFIES_TOKENS_ENV = "CALLGRAPH_PLATFORM_VERIFIES_TOKENS";

/** What a function declares in {@link INVOKERS_ENV}. */
export type Declaration =
  | { readonly kind: "none" }
  | { readonly kind: "unknown"; readonly unknown: Unknown }
  | { readonly kind: "invalid"; readonly raw: string }
  /** Members as IAM compares them (see `normalizeMember`). */
  | { readonly kind: "members"; readonly members: readonly string[] };

/** A Cloud Function of the stack, gen1 or gen2, with what the rules need to know about it. */
export interface CloudFunction {
  readonly resource: StackResource;
  readonly generation: 1 | 2;
  /** Deployed name (the last segment of `name`); the logical name when `name` is not set. */
  readonly name: string | Unknown;
  /** Undefined: the provider's default project. */
  readonly project: Maybe<string>;
  /** Region (gen1) or location (gen2); undefined: the provider's default. */
  readonly location: Maybe<string>;
  /** Email of the account it runs as, lower case; undefined when none is set (the default account). */
  readonly account: Maybe<string>;
  /**
   * The build service account as set (`projects/PROJECT/serviceAccounts/EMAIL`); undefined when none is set, so
   * Cloud Build builds the function as the project's default build identity.
   */
  readonly buildAccountReference: Maybe<string>;
  /** Email of the build account, lower case; undefined when none is set or the reference is malformed. */
  readonly buildAccount: Maybe<string>;
  /** Name of the Cloud Run service that serves a gen2 function (the function's own name unless stated). */
  readonly service: string | Unknown;
  readonly declaration: Declaration;
  /**
   * Whether its environment says {@link PLATFORM_VERIFIES_TOKENS_ENV}=true, so that its code believes stripped user
   * tokens; {@link Unknown} while the value is.
   */
  readonly trustsPlatform: boolean | Unknown;
}

/** Property paths of each generation's settings. */
const SHAPES = {
  [GCP.functionV1]: {
    generation: 1,
    location: "region",
    account: "serviceAccountEmail",
    build: "buildServiceAccount",
    env: "environmentVariables",
  },
  [GCP.functionV2]: {
    generation: 2,
    location: "location",
    account: "serviceConfig.serviceAccountEmail",
    build: "buildConfig.serviceAccount",
    env: "serviceConfig.environmentVariables",
  },
} as const;

export const FUNCTION_TYPES: readonly string[] = Object.keys(SHAPES);

/** The property that names a function's build service account: `buildServiceAccount` or `buildConfig.serviceAccount`. */
export function buildAccountField(fn: CloudFunction): string {
  return fn.generation === 1 ? SHAPES[GCP.functionV1].build : SHAPES[GCP.functionV2].build;
}

/**
 * The email in a build-account reference. Both generations document one form,
 * `projects/{project}/serviceAccounts/{serviceAccountEmail}` (`buildServiceAccount`:
 * https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions, `buildConfig.serviceAccount`:
 * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions); anything else is
 * undefined, as the API refuses it.
 */
export function buildAccountEmail(reference: string): string | undefined {
  const match = /^projects\/[^/]+\/serviceAccounts\/([^/@]+@[^/@]+)$/.exec(reference);
  return match ? match[1].toLowerCase() : undefined;
}

/** The function a resource is, or undefined if it is not a Cloud Function. */
export function toFunction(resource: StackResource): CloudFunction | undefined {
  const shape = SHAPES[resource.type as keyof typeof SHAPES];
  if (!shape) return undefined;
  const props = resource.props;
  const rawName = stringAt(props, "name") ?? resource.name;
  const name = isUnknown(rawName) ? rawName : lastSegment(rawName);
  const account = stringAt(props, shape.account);
  const build = stringAt(props, shape.build);
  const service = shape.generation === 2 ? stringAt(props, "serviceConfig.service") : undefined;
  return {
    resource,
    generation: shape.generation,
    name,
    project: stringAt(props, "project"),
    location: stringAt(props, shape.location),
    account: typeof account === "string" ? account.toLowerCase() : account,
    buildAccountReference: build,
    buildAccount: typeof build === "string" ? buildAccountEmail(build) : build,
    // The service is an output, unknown in preview; GCP names it after the function.
    service: typeof service === "string" ? lastSegment(service) : name,
    declaration: declarationOf(valueAt(props, `${shape.env}.${INVOKERS_ENV}`)),
    trustsPlatform: flagOf(valueAt(props, `${shape.env}.${PLATFORM_VERIFIES_TOKENS_ENV}`)),
  };
}

export function functionsOf(resources: readonly StackResource[]): CloudFunction[] {
  return resources.map(toFunction).filter((f): f is CloudFunction => f !== undefined);
}

function declarationOf(value: unknown): Declaration {
  if (isUnknown(value)) return { kind: "unknown", unknown: value };
  if (typeof value !== "string") return { kind: "none" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { kind: "invalid", raw: value };
  }
  if (!Array.isArray(parsed) || !parsed.every((m) => typeof m === "string"))
    return { kind: "invalid", raw: value };
  return { kind: "members", members: parsed.map(normalizeMember) };
}

/** An environment flag as the function reads it (`functions/shared/env.ts`): on only when it is `"true"`, trimmed. */
function flagOf(value: unknown): boolean | Unknown {
  if (isUnknown(value)) return value;
  return typeof value === "string" && value.trim() === "true";
}

/** Whether an allow-list names the function, by its deployed name or its logical name. */
export function isListed(list: readonly string[], fn: CloudFunction): boolean {
  return listed(list, isUnknown(fn.name) ? undefined : fn.name, fn.resource.name);
}

/** A display name for messages: `"login"`, or the logical name while the deployed one is unknown. */
export function describeFunction(fn: CloudFunction): string {
  return typeof fn.name === "string" ? `"${fn.name}"` : `"${fn.resource.name}" (logical name)`;
}

/** Which function a function-level or Cloud Run grant applies to. */
export type GrantTarget =
  | { readonly kind: "function"; readonly fn: CloudFunction }
  /** Names no function of this stack: the function is managed elsewhere. */
  | { readonly kind: "outside" }
  /** Cannot tell before deployment. */
  | { readonly kind: "unknown"; readonly unknown: Unknown };

/**
 * Finds the function a grant is on: same generation, same name (for Cloud Run grants, the serving service's
 * name), same project and location where both sides state them (an unset one is the provider's default).
 */
export function targetOf(grant: Grant, functions: readonly CloudFunction[]): GrantTarget {
  if (isUnknown(grant.target)) return { kind: "unknown", unknown: grant.target };
  if (grant.target === undefined) return { kind: "outside" };
  let undecided: Unknown | undefined;
  for (const fn of functions) {
    if (fn.generation !== grant.generation) continue;
    const verdict = allOf([
      equal(grant.scope === "run-service" ? fn.service : fn.name, grant.target),
      equalUnlessDefault(fn.project, grant.project),
      equalUnlessDefault(fn.location, grant.location),
    ]);
    if (verdict === true) return { kind: "function", fn };
    if (isUnknown(verdict)) undecided ??= verdict;
  }
  return undecided ? { kind: "unknown", unknown: undecided } : { kind: "outside" };
}

/** A match decided, or the unknown value that keeps it from being decided. */
export type Verdict = boolean | Unknown;

function equal(a: string | Unknown, b: string | Unknown): Verdict {
  if (isUnknown(a)) return a;
  if (isUnknown(b)) return b;
  return a === b;
}

/** Equal, where an undefined side (the provider's default) matches anything. */
export function equalUnlessDefault(a: Maybe<string>, b: Maybe<string>): Verdict {
  return a === undefined || b === undefined ? true : equal(a, b);
}

/** False if any verdict is; else the first unknown; else true. */
export function allOf(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes(false)) return false;
  return verdicts.find(isUnknown) ?? true;
}

/** The stack's build accounts: every email some function names as its build account, and the functions built by it. */
export interface BuildAccounts {
  readonly byAccount: ReadonlyMap<string, readonly CloudFunction[]>;
  /** A build account not known until deployment: any service account might be one. */
  readonly unknown?: Unknown;
}

export function buildAccountsOf(functions: readonly CloudFunction[]): BuildAccounts {
  const byAccount = new Map<string, CloudFunction[]>();
  let unknown: Unknown | undefined;
  for (const fn of functions) {
    if (isUnknown(fn.buildAccount)) unknown ??= fn.buildAccount;
    else if (fn.buildAccount !== undefined)
      byAccount.set(fn.buildAccount, [...(byAccount.get(fn.buildAccount) ?? []), fn]);
  }
  return { byAccount, unknown };
}

/** `Cloud Function "login"` or `Cloud Functions "login" and "search"`, for messages. */
export function describeFunctions(functions: readonly CloudFunction[]): string {
  const names = functions.map(describeFunction);
  if (names.length === 1) return `Cloud Function ${names[0]}`;
  return `Cloud Functions ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
