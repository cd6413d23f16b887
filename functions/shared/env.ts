import { GCLOUD_USER_AUDIENCES, GOOGLE_TOKEN_ISSUERS } from "../../iam/id-token";

/**
 * The environment contract between the Pulumi program and the function code. `topology/environment.ts` writes
 * the four required variables (this folder may not import it; a test keeps the names equal).
 */
export const ENV = {
  /** The function's own name, e.g. `login`. */
  function: "CALLGRAPH_FUNCTION",
  /** The function's own URL: the audience its callers' tokens must carry. */
  selfUrl: "CALLGRAPH_SELF_URL",
  /** JSON object, declared callee name -> URL. The only URLs the function is told. */
  callees: "CALLGRAPH_CALLEES",
  /** JSON array of the IAM members that may invoke the function (its invoker binding). */
  invokers: "CALLGRAPH_INVOKERS",
} as const;

/** Optional overrides: unset in production, set by the local stack and the tests. */
export const OPTIONAL_ENV = {
  /**
   * JSON object, account email -> `{name, kind}`, of the callers that are not functions (a Scheduler job, a Pub/Sub
   * push subscription, a Cloud Tasks queue, a workflow, an Eventarc trigger) that call the function; the program
   * sets it on a function that has any (`topology/environment.ts`). It only names a caller its invokers admitted.
   */
  sources: "CALLGRAPH_SOURCES",
  /** JSON object, queue caller name -> the queue's full name, of the queues the function may add tasks to. */
  queues: "CALLGRAPH_QUEUES",
  /** Where the signing keys of ID tokens are published. */
  jwksUrl: "CALLGRAPH_JWKS_URL",
  /** Comma-separated accepted `iss` values. */
  tokenIssuers: "CALLGRAPH_TOKEN_ISSUERS",
  /** Comma-separated extra audiences accepted for user (not service-account) callers. */
  userAudiences: "CALLGRAPH_USER_AUDIENCES",
  /** Per-attempt timeout of calls to callees, in milliseconds. */
  callTimeoutMs: "CALLGRAPH_CALL_TIMEOUT_MS",
  /** Retries of an idempotent call to a callee after the first attempt. */
  callRetries: "CALLGRAPH_CALL_RETRIES",
  /**
   * "true" where Google's front end enforces the function's invoker grant (any generation, not public): it checks
   * every token before the code runs and may hand the code a copy whose signature is replaced by
   * SIGNATURE_REMOVED_BY_GOOGLE (documented for Cloud Run, so 2nd gen; undocumented either way for 1st gen), which
   * the code then checks on its claims. A token that carries a signature is always verified. Unset or "false" (a
   * public function, the local stack), a stripped token is refused: nothing verified it, anyone could forge one.
   */
  platformVerifiesTokens: "CALLGRAPH_PLATFORM_VERIFIES_TOKENS",
  /**
   * The largest request body the platform delivers to the function, in bytes (`topology/environment.ts` sets it
   * per generation). A host that runs the function refuses a larger body with 413 before reading it.
   */
  maxRequestBytes: "CALLGRAPH_MAX_REQUEST_BYTES",
  /**
   * "false": calls to callees carry no Authorization header and the metadata server is never asked for a token.
   * Unset or "true" (the default, and production): every call carries the function's ID token. It exists so the
   * benchmark can measure what authentication costs (bench/auth-cost.ts, against public callees). Fail-closed:
   * it only takes credentials away, so it can never grant access; a private callee answers 401 (its IAM front end,
   * then `verifyCaller`), and the call fails with CalleeRejectedError.
   */
  attachTokens: "CALLGRAPH_ATTACH_TOKENS",
  /**
   * "false": nothing is fetched before the first request. Unset or "true" (the default): when the function's code
   * is loaded, its callees' ID tokens and the token signing keys are fetched in the background, so the first call
   * after a cold start waits for neither (issue 19).
   */
  warmStart: "CALLGRAPH_WARM_START",
  /**
   * The most calls between functions one request may set off in a row (`x-callgraph-hops`, hops.ts); default 10.
   * A call that would go past it is not sent, and a request that arrives past it is refused (508), so a call loop
   * in the code (a -> b -> a) ends after this many calls instead of running until something times out.
   */
  maxHops: "CALLGRAPH_MAX_HOPS",
} as const;

// https://developers.google.com/identity/openid-connect/openid-connect#discovery (jwks_uri, issuer)
export const DEFAULT_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs";
export const DEFAULT_TOKEN_ISSUERS = GOOGLE_TOKEN_ISSUERS;
/** The gcloud CLI's OAuth client id: the audience of `gcloud auth print-identity-token` for a user. */
export const DEFAULT_USER_AUDIENCES = GCLOUD_USER_AUDIENCES;
/**
 * When `CALLGRAPH_MAX_REQUEST_BYTES` is unset: the smaller platform limit, 1st gen's 10 MB ("Max uncompressed HTTP
 * request size", https://cloud.google.com/functions/quotas, "Resource limits"), so no body passes here that Google
 * would refuse.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Above the largest platform limit (2nd gen's 32 MB) a value is a mistake, not a limit. */
const MAX_MAX_REQUEST_BYTES = 32 * 1024 * 1024;
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
export const DEFAULT_CALL_RETRIES = 2;
const MAX_CALL_RETRIES = 10;
/** When `CALLGRAPH_MAX_HOPS` is unset: deeper than any call graph a team draws, shallow enough to stop a loop at once. */
export const DEFAULT_MAX_HOPS = 10;
/** Above this a value is a mistake, not a limit: it would let a loop make that many calls. */
const MAX_MAX_HOPS = 100;

/** The kinds of caller that are not functions, as the program names them. */
export const SOURCE_KINDS = ["scheduler", "pubsub", "tasks", "workflow", "eventarc"] as const;

/** A caller that is not a function: its declared name and kind. */
export interface SourceIdentity {
  readonly name: string;
  readonly kind: (typeof SOURCE_KINDS)[number];
}

/** The validated environment of a function. */
export interface FunctionEnv {
  readonly functionName: string;
  readonly selfUrl: string;
  /** Declared callee name -> URL. */
  readonly callees: Readonly<Record<string, string>>;
  /** IAM members of the function's invoker binding. */
  readonly invokers: readonly string[];
  /** Account email (lower case) -> the caller that is not a function whose account it is. */
  readonly sources?: Readonly<Record<string, SourceIdentity>>;
  /** Queue caller name -> the queue's full name `projects/P/locations/L/queues/Q`, of the queues it may add tasks to. */
  readonly queues?: Readonly<Record<string, string>>;
  readonly jwksUrl: string;
  readonly tokenIssuers: readonly string[];
  readonly userAudiences: readonly string[];
  readonly callTimeoutMs: number;
  readonly callRetries: number;
  /** Whether a token whose signature the platform removed may be checked on its claims only. */
  readonly platformVerifiesTokens: boolean;
  /** The largest request body accepted, bytes. */
  readonly maxRequestBytes: number;
  /** Whether calls to callees carry the function's ID token; true unless `CALLGRAPH_ATTACH_TOKENS` is "false". */
  readonly attachTokens: boolean;
  /** Whether tokens and signing keys are fetched at start; true unless `CALLGRAPH_WARM_START` is "false". */
  readonly warmStart: boolean;
  /** The hop limit: the most calls between functions in one chain (`CALLGRAPH_MAX_HOPS`, default 10). */
  readonly maxHops: number;
}

/** The environment is missing a variable or has a malformed one: a deployment problem, not a caller's. */
export class FunctionEnvError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(
      `${variable} ${problem}. The Pulumi program sets it on every function (topology/environment.ts); redeploy, or set it when running the function by hand.`,
    );
    this.name = "FunctionEnvError";
  }
}

const MEMBER = /^(user|group|serviceAccount|domain):[^\s:]+$|^(allUsers|allAuthenticatedUsers)$/;

/** Reads and validates the function's environment; throws `FunctionEnvError` naming the first bad variable. */
export function readFunctionEnv(env: NodeJS.ProcessEnv = process.env): FunctionEnv {
  const functionName = required(env, ENV.function);
  const selfUrl = url(required(env, ENV.selfUrl), ENV.selfUrl);
  return {
    functionName,
    selfUrl,
    callees: callees(required(env, ENV.callees)),
    invokers: invokers(required(env, ENV.invokers)),
    // Set only on a function that has a source or a queue: absent, the environment reads as it always did.
    ...optional("sources", sources(env[OPTIONAL_ENV.sources])),
    ...optional("queues", queues(env[OPTIONAL_ENV.queues])),
    jwksUrl: url(env[OPTIONAL_ENV.jwksUrl] || DEFAULT_JWKS_URL, OPTIONAL_ENV.jwksUrl),
    tokenIssuers: list(env, OPTIONAL_ENV.tokenIssuers, DEFAULT_TOKEN_ISSUERS),
    userAudiences: list(env, OPTIONAL_ENV.userAudiences, DEFAULT_USER_AUDIENCES),
    callTimeoutMs: integer(env, OPTIONAL_ENV.callTimeoutMs, DEFAULT_CALL_TIMEOUT_MS, 1, 600_000),
    callRetries: integer(env, OPTIONAL_ENV.callRetries, DEFAULT_CALL_RETRIES, 0, MAX_CALL_RETRIES),
    platformVerifiesTokens: flag(env, OPTIONAL_ENV.platformVerifiesTokens, false),
    maxRequestBytes: integer(
      env,
      OPTIONAL_ENV.maxRequestBytes,
      DEFAULT_MAX_REQUEST_BYTES,
      1,
      MAX_MAX_REQUEST_BYTES,
    ),
    attachTokens: flag(env, OPTIONAL_ENV.attachTokens, true),
    warmStart: flag(env, OPTIONAL_ENV.warmStart, true),
    maxHops: integer(env, OPTIONAL_ENV.maxHops, DEFAULT_MAX_HOPS, 1, MAX_MAX_HOPS),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") throw new FunctionEnvError(name, "is not set");
  return value.trim();
}

function url(value: string, name: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new FunctionEnvError(name, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new FunctionEnvError(name, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseJson(value: string, name: string, expected: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new FunctionEnvError(name, `must be ${expected}, got invalid JSON`);
  }
}

function callees(value: string): Record<string, string> {
  const expected = 'a JSON object of callee name -> URL, e.g. {"CALLEE":"https://…"}';
  const parsed = parseJson(value, ENV.callees, expected);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new FunctionEnvError(ENV.callees, `must be ${expected}`);
  const result: Record<string, string> = {};
  for (const [name, target] of Object.entries(parsed)) {
    if (typeof target !== "string")
      throw new FunctionEnvError(ENV.callees, `must be ${expected}; the value of "${name}" is not a string`);
    result[name] = url(target, `${ENV.callees} (callee "${name}")`);
  }
  return result;
}

function invokers(value: string): string[] {
  const expected =
    'a JSON array of IAM members, e.g. ["serviceAccount:fn-CALLER@PROJECT.iam.gserviceaccount.com"]';
  const parsed = parseJson(value, ENV.invokers, expected);
  if (!Array.isArray(parsed)) throw new FunctionEnvError(ENV.invokers, `must be ${expected}`);
  for (const member of parsed) {
    if (typeof member !== "string" || !MEMBER.test(member)) {
      throw new FunctionEnvError(
        ENV.invokers,
        `must be ${expected}; ${JSON.stringify(member)} is not an IAM member`,
      );
    }
  }
  return parsed as string[];
}

function optional<K extends string, V extends object>(key: K, value: V): { [P in K]?: V } {
  return (Object.keys(value).length === 0 ? {} : { [key]: value }) as { [P in K]?: V };
}

function sources(value: string | undefined): Record<string, SourceIdentity> {
  if (value === undefined || value.trim() === "") return {};
  const expected = 'a JSON object of account email -> {"name", "kind"}';
  const parsed = parseJson(value, OPTIONAL_ENV.sources, expected);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new FunctionEnvError(OPTIONAL_ENV.sources, `must be ${expected}`);
  const result: Record<string, SourceIdentity> = {};
  for (const [email, identity] of Object.entries(parsed)) {
    const { name, kind } = (identity ?? {}) as Record<string, unknown>;
    if (typeof name !== "string" || !(SOURCE_KINDS as readonly unknown[]).includes(kind))
      throw new FunctionEnvError(
        OPTIONAL_ENV.sources,
        `must be ${expected}; the entry of ${JSON.stringify(email)} is not one (kind: ${SOURCE_KINDS.join(", ")})`,
      );
    result[email.toLowerCase()] = { name, kind: kind as SourceIdentity["kind"] };
  }
  return result;
}

function queues(value: string | undefined): Record<string, string> {
  if (value === undefined || value.trim() === "") return {};
  const expected = "a JSON object of queue name -> projects/P/locations/L/queues/Q";
  const parsed = parseJson(value, OPTIONAL_ENV.queues, expected);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new FunctionEnvError(OPTIONAL_ENV.queues, `must be ${expected}`);
  for (const [name, queue] of Object.entries(parsed))
    if (typeof queue !== "string" || !/^projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+$/.test(queue))
      throw new FunctionEnvError(
        OPTIONAL_ENV.queues,
        `must be ${expected}; the value of ${JSON.stringify(name)} is not one`,
      );
  return parsed as Record<string, string>;
}

function list(env: NodeJS.ProcessEnv, name: string, fallback: readonly string[]): readonly string[] {
  const value = env[name];
  if (value === undefined || value.trim() === "") return fallback;
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === ""))
    throw new FunctionEnvError(
      name,
      `must be a comma-separated list without empty items, got ${JSON.stringify(value)}`,
    );
  return items;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new FunctionEnvError(
      name,
      `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  return n;
}

/** "true" or "false"; unset or empty means `fallback`. Anything else is refused, never guessed. */
function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new FunctionEnvError(name, `must be "true" or "false", got ${JSON.stringify(value)}`);
}
