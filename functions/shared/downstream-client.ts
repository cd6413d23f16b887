import { setTimeout as sleep } from "node:timers/promises";
import { SERVERLESS_AUTHORIZATION } from "../../iam/id-token";
import { possessive } from "../../iam/possessive";
import { backoffDelay, DEFAULT_BACKOFF, retryAfterDelay, type BackoffPolicy } from "./backoff";
import {
  CalleeError,
  CalleeRejectedError,
  CalleeTimeoutError,
  CalleeTokenError,
  CalleeUnavailableError,
  HopLimitError,
  UndeclaredCalleeError,
} from "./errors";
import { DEFAULT_MAX_HOPS } from "./env";
import { HOPS_HEADER } from "./hops";
import type { IdTokenSource } from "./id-token-source";

export type HttpMethod = "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "POST" | "PATCH";

/** A request to a callee, relative to its URL. */
export interface CallRequest {
  readonly method: HttpMethod;
  /** Appended to the callee's URL; starts with `/`. Cannot leave the callee's URL (`..` is refused). */
  readonly path?: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  /** Extra headers; `Authorization`, `X-Serverless-Authorization` and `x-callgraph-hops` are always the client's own. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A callee's answer: any status but 401/403 (thrown) and 5xx/429 (thrown after retries). */
export interface CallResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON when the answer is JSON, else the text. */
  readonly body: unknown;
}

export interface DownstreamClientOptions {
  /** Declared callee name -> URL (`CALLGRAPH_CALLEES`); the URL is also the token's audience. */
  readonly callees: Readonly<Record<string, string>>;
  readonly tokens: IdTokenSource;
  /**
   * Whether requests carry an ID token from `tokens`; defaults to true. False (`CALLGRAPH_ATTACH_TOKENS=false`,
   * for benchmarks against public callees): no Authorization header, and `tokens` is never asked. Fail-closed:
   * a private callee then answers 401, which is final (a refreshed token cannot help when none is sent).
   */
  readonly attachTokens?: boolean;
  /** Per-attempt timeout, ms. */
  readonly timeoutMs: number;
  /** Retries of idempotent requests after the first attempt. */
  readonly retries: number;
  /** This function's name, for error messages; defaults to "this function". */
  readonly caller?: string;
  /**
   * The hop limit (`CALLGRAPH_MAX_HOPS`; defaults to 10): a call that would be call `maxHops + 1` of its chain is not
   * sent (`HopLimitError`). See hops.ts.
   */
  readonly maxHops?: number;
  /** Defaults to the global `fetch` (undici). */
  readonly fetch?: typeof fetch;
  /** Defaults to `DEFAULT_BACKOFF` (100 ms base, 2 s cap). */
  readonly backoff?: BackoffPolicy;
  /** Source of jitter; defaults to `Math.random`. */
  readonly random?: () => number;
}

/** The headers the client's ID token is sent in (iam/id-token.ts). */
const TOKEN_HEADERS = ["authorization", SERVERLESS_AUTHORIZATION] as const;

// RFC 9110 §9.2.2: repeating these has the same effect as sending them once. POST and PATCH are not.
const IDEMPOTENT = new Set<HttpMethod>(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/**
 * 508 Loop Detected (RFC 5842 §7.2: the server "terminated an operation because it encountered an infinite loop"):
 * what a function answers when its call chain was cut at the hop limit (hops.ts). Not a 502 or 503, on purpose:
 * those are retried, and a retry at each level of a chain ten deep would multiply the calls instead of ending them.
 * A callee's 508 is passed up as a `HopLimitError`, so every function of the chain answers 508 in turn, at once.
 */
export const LOOP_DETECTED = 508;

type Attempt =
  | {
      readonly kind: "answer";
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly text: string;
    }
  | { readonly kind: "network"; readonly error: unknown }
  | { readonly kind: "timeout" };

/**
 * Calls the function's declared callees with its own identity: an ID token per callee URL, a timeout per
 * attempt, bounded jittered retries of idempotent requests, one token refresh after a 401, and typed errors
 * naming the callee. It knows the declared callees only, so calling another function fails before any network.
 *
 * `C` is the names the code may pass to {@link call}: a handler written as `secured<Callee>(…)` with the `Callee`
 * generated from its declaration (`callees.generated.ts`) gets a client whose `call` refuses any other name at
 * compile time, so an undeclared call is a TypeScript error in the editor before it is a 403 in production. The
 * default, `string`, leaves that to the run-time check, which stays either way: the type is only as fresh as
 * the generated file.
 */
export class DownstreamClient<C extends string = string> {
  private readonly fetch: typeof fetch;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly caller: string;
  private readonly attachTokens: boolean;
  /** The hop count of the request this client serves (see {@link forRequest}); 0 for the process's own. */
  private incomingHops = 0;

  constructor(private readonly options: DownstreamClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.caller = options.caller ?? "this function";
    this.attachTokens = options.attachTokens ?? true;
  }

  /** The declared callees' names. */
  get callees(): string[] {
    return Object.keys(this.options.callees);
  }

  /** The hop limit: the most calls between functions one chain may have. */
  get maxHops(): number {
    return this.options.maxHops ?? DEFAULT_MAX_HOPS;
  }

  /**
   * This client as seen by one request that came through `hops` calls between functions (its `x-callgraph-hops`):
   * its calls carry `hops + 1`, and a call past the hop limit is not sent. The client is the process's (one
   * ID-token source, its tokens cached for every request); the view only carries the request's count, so two
   * requests served at once never see each other's. `secured` hands each handler its request's view.
   */
  forRequest(hops: number): DownstreamClient<C> {
    const view = new DownstreamClient<C>(this.options);
    view.incomingHops = hops;
    return view;
  }

  /** Starts fetching every declared callee's token in the background, so the first call finds one. */
  warm(): void {
    if (this.attachTokens) this.options.tokens.warm?.(Object.values(this.options.callees));
  }

  async call(callee: C, request: CallRequest): Promise<CallResponse> {
    if (!Object.hasOwn(this.options.callees, callee)) throw new UndeclaredCalleeError(callee, this.callees);
    const hops = this.incomingHops + 1;
    if (hops > this.maxHops) throw HopLimitError.notSent(this.caller, callee, hops, this.maxHops);
    const audience = this.options.callees[callee];
    const url = targetUrl(callee, audience, request);
    const idempotent = IDEMPOTENT.has(request.method);
    let attempts = 0;
    let retries = 0;
    let refreshed = false;
    let forceRefresh = false;
    for (;;) {
      const token = this.attachTokens ? await this.token(callee, audience, forceRefresh) : undefined;
      forceRefresh = false;
      attempts += 1;
      const outcome = await this.attempt(url, request, token, hops);
      const canRetry = idempotent && retries < this.options.retries;
      let delay: number;
      if (outcome.kind === "answer") {
        const { status } = outcome;
        // The callee refused the token before doing anything, so any method may be sent again, once.
        if (status === 401 && !refreshed && this.attachTokens) {
          refreshed = forceRefresh = true;
          continue;
        }
        if (status === 401 || status === 403)
          throw new CalleeRejectedError(callee, this.caller, status, this.attachTokens);
        if (status === LOOP_DETECTED) throw HopLimitError.below(callee, chainLength(outcome));
        if (status < 500 && status !== 429) return answer(callee, outcome);
        if (!canRetry || !RETRYABLE_STATUS.has(status)) {
          throw new CalleeUnavailableError(callee, `it answered HTTP ${status}`, status, attempts);
        }
        delay =
          retryAfterDelay(outcome.headers["retry-after"] ?? null, this.backoff.maxMs) ?? this.jitter(retries);
      } else {
        if (!canRetry) {
          if (outcome.kind === "timeout")
            throw new CalleeTimeoutError(callee, this.options.timeoutMs, attempts);
          throw new CalleeUnavailableError(callee, networkDetail(outcome.error), undefined, attempts, {
            cause: outcome.error,
          });
        }
        delay = this.jitter(retries);
      }
      retries += 1;
      await sleep(delay);
    }
  }

  private jitter(retry: number): number {
    return backoffDelay(retry, this.backoff, this.random);
  }

  private async token(callee: string, audience: string, forceRefresh: boolean): Promise<string> {
    try {
      return await this.options.tokens.fetchIdToken(audience, { forceRefresh });
    } catch (error) {
      throw new CalleeTokenError(callee, audience, error);
    }
  }

  /** One request, as call `hops` of its chain; `token` undefined sends none (attachTokens false). */
  private async attempt(
    url: URL,
    request: CallRequest,
    token: string | undefined,
    hops: number,
  ): Promise<Attempt> {
    const headers = new Headers(request.headers);
    headers.set(HOPS_HEADER, String(hops)); // the client's own count, whatever the code passed
    let body: string | undefined;
    if (request.body !== undefined) {
      body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
      if (typeof request.body !== "string" && !headers.has("content-type"))
        headers.set("content-type", "application/json");
    }
    // Always the client's own: a caller-supplied Authorization header is never forwarded, token or not. The token
    // goes in both headers, so one copy reaches the callee's code with its signature whatever the platform strips:
    // Cloud Run checks X-Serverless-Authorization when present and passes Authorization on untouched
    // (https://cloud.google.com/run/docs/authenticating/service-to-service; GoogleCloudPlatform/cloud-run-proxy#25),
    // and the callee believes a service account only on a signature that verifies (verify-caller.ts).
    for (const name of TOKEN_HEADERS) {
      if (token === undefined) headers.delete(name);
      else headers.set(name, `Bearer ${token}`);
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    try {
      // `manual`: a redirect must not carry this function's token anywhere else.
      const res = await this.fetch(url, {
        method: request.method,
        headers,
        body,
        signal: controller.signal,
        redirect: "manual",
      });
      const text = await res.text(); // under the same timeout: a stalled body is a timeout too
      return { kind: "answer", status: res.status, headers: Object.fromEntries(res.headers), text };
    } catch (error) {
      return timedOut ? { kind: "timeout" } : { kind: "network", error };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The callee's URL with `path` and `query`; refuses anything that would leave the callee's URL. */
function targetUrl(callee: string, base: string, request: CallRequest): URL {
  const path = request.path ?? "";
  if (path !== "" && !path.startsWith("/"))
    throw new CalleeError(`path for ${callee} must start with "/", got ${JSON.stringify(path)}`, callee);
  if ((request.method === "GET" || request.method === "HEAD") && request.body !== undefined) {
    throw new CalleeError(
      `a ${request.method} request to ${callee} cannot have a body; send it as query parameters`,
      callee,
    );
  }
  const root = new URL(base);
  const url = new URL(root.href.replace(/\/$/, "") + path);
  const rootPath = root.pathname.replace(/\/$/, "");
  if (url.origin !== root.origin || (url.pathname !== rootPath && !url.pathname.startsWith(`${rootPath}/`))) {
    throw new CalleeError(
      `path ${JSON.stringify(path)} leaves ${possessive(callee)} URL; call other functions by their declared name`,
      callee,
    );
  }
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.append(key, String(value));
  }
  return url;
}

function answer(callee: string, outcome: Extract<Attempt, { kind: "answer" }>): CallResponse {
  const { status, headers, text } = outcome;
  if (!/[/+]json\b/i.test(headers["content-type"] ?? "")) return { status, headers, body: text };
  if (text === "") return { status, headers, body: null };
  try {
    return { status, headers, body: JSON.parse(text) as unknown };
  } catch {
    throw new CalleeError(
      `${callee} answered HTTP ${status} with a JSON content type but a body that is not JSON`,
      callee,
      status,
    );
  }
}

/** The `hops` a callee's 508 answer names (`errorAnswer` puts it in the body), if it is a whole number. */
function chainLength(outcome: Extract<Attempt, { kind: "answer" }>): number | undefined {
  try {
    const hops = field(JSON.parse(outcome.text), "hops");
    return Number.isSafeInteger(hops) && (hops as number) > 0 ? (hops as number) : undefined;
  } catch {
    return undefined;
  }
}

/** A short reason for a failed request: the system error code when there is one (undici puts it in `cause`). */
function networkDetail(error: unknown): string {
  const cause = field(error, "cause") ?? error;
  const code = field(cause, "code");
  return `the request failed (${typeof code === "string" ? code : String(field(cause, "message") ?? cause)})`;
}

// Duck-typed rather than `instanceof Error`: undici's errors may come from another realm (e.g. jest's VM).
function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
