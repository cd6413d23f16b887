import * as http from "node:http";
import * as https from "node:https";

/**
 * Fetches an ID token for `audience` from a metadata server at `metadataHost` (`host:port`), exactly the
 * request google-auth-library makes on GCE:
 * https://cloud.google.com/docs/authentication/get-id-token#metadata-server
 */
export async function fetchIdTokenFrom(metadataHost: string, audience: string): Promise<string> {
  const url = `http://${metadataHost}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}&format=full`;
  const res = await fetch(url, {
    headers: { "Metadata-Flavor": "Google" },
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok)
    throw new Error(`Could not fetch ID token from ${metadataHost}: HTTP ${res.status} ${await res.text()}`);
  return res.text();
}

/** A request to a function, relative to its URL. */
export interface FunctionRequest {
  readonly method?: string;
  /** Path after the function's URL, e.g. `/v1/items`; defaults to none. */
  readonly path?: string;
  readonly query?: Readonly<Record<string, string>>;
  /** JSON body. */
  readonly body?: unknown;
  /** A body sent as it is, its content type in {@link headers} (what a Pub/Sub push or a CloudEvent carries). */
  readonly rawBody?: string;
  /** Extra request headers (the local tools' probe mark); never an Authorization header, which `token` sets. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The answer: status and body (parsed when JSON). */
export interface FunctionResponse {
  readonly status: number;
  readonly body: unknown;
  /**
   * The local stack's front end answered this itself (a refusal, no such path, the function down or past its
   * timeout): the request never reached the function. Told by {@link FRONT_END_ANSWER_HEADER}.
   */
  readonly byFrontEnd?: boolean;
}

/**
 * The header a local front end puts on every answer of its own, and removes from every answer it forwards, so that a
 * function's code cannot pass its answer off as the front end's, nor the front end's 404 pass for the function's
 * (local/front-end.ts).
 */
export const FRONT_END_ANSWER_HEADER = "x-callgraph-answered-by";
/** The value of {@link FRONT_END_ANSWER_HEADER} on a front end's own answers. */
export const FRONT_END_ANSWER = "front-end";

/**
 * How a caller sends its token: `both`, in `Authorization` and `X-Serverless-Authorization`, as callgraph's
 * downstream client does (functions/shared/downstream-client.ts); `authorization` alone, as a developer's
 * `curl -H "Authorization: bearer $(gcloud auth print-identity-token)"` does.
 */
export type TokenHeaders = "both" | "authorization";

/** The way an identity sends its token: a function's account as callgraph's client, anyone else as curl. */
export function tokenHeadersFor(member: string | undefined): TokenHeaders {
  return member?.startsWith("serviceAccount:") ? "both" : "authorization";
}

/** How long {@link callFunction} waits for an answer when the caller does not say: the default function timeout. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/**
 * How long a tool waits for a function whose timeout is `timeoutSeconds`: that, plus a few seconds, so the answer
 * the platform (or the local front end playing it) gives at the function's deadline (504 on 2nd gen, 408 on 1st)
 * arrives before the tool gives up. Never a fixed cap shorter than the function's own.
 */
export function callTimeoutMs(timeoutSeconds: number): number {
  return timeoutSeconds * 1000 + 5_000;
}

/** Options of {@link callFunction}. */
export interface CallOptions {
  /** Give up after this long, answer or not; defaults to {@link DEFAULT_CALL_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * Calls a function URL with an optional bearer token, sent in `tokenHeaders` (default: both, as the client). It
 * waits `timeoutMs` for the whole answer, and only that: node's http client, not fetch, whose own fixed limits
 * (five minutes for the headers, five for the body) would cut short a function allowed up to nine. A connection
 * error rejects with the socket's error as `cause` (`ECONNREFUSED`: nothing listens); the deadline rejects with a
 * `TimeoutError`.
 */
export async function callFunction(
  url: string,
  request: FunctionRequest,
  token?: string,
  tokenHeaders: TokenHeaders = "both",
  options: CallOptions = {},
): Promise<FunctionResponse> {
  const target = new URL(url + (request.path ?? ""));
  for (const [k, v] of Object.entries(request.query ?? {})) target.searchParams.set(k, v);
  const headers: Record<string, string> = { ...request.headers };
  if (token) {
    headers.authorization = `Bearer ${token}`;
    if (tokenHeaders === "both") headers["x-serverless-authorization"] = `Bearer ${token}`;
  }
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  if (request.rawBody === undefined && body !== undefined) headers["content-type"] = "application/json";
  const method = request.method ?? (body === undefined ? "GET" : "POST");
  const answer = await send(target, method, headers, body, options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  let parsed: unknown = answer.text;
  if ((answer.contentType ?? "").includes("json")) {
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      parsed = answer.text;
    }
  }
  return { status: answer.status, body: parsed, ...(answer.byFrontEnd ? { byFrontEnd: true } : {}) };
}

/** One request, its whole answer read within `timeoutMs`. */
function send(
  target: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; contentType?: string; byFrontEnd: boolean; text: string }> {
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => {
      clearTimeout(timer);
      reject(
        error.name === "TimeoutError"
          ? error
          : new Error(`request to ${target.origin} failed: ${error.message}`, { cause: error }),
      );
    };
    const req = client.request(target, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", failed);
      res.on("close", () => {
        if (!res.complete) failed(new Error("the connection closed before the answer ended"));
      });
      res.on("end", () => {
        clearTimeout(timer);
        if (!res.complete) return failed(new Error("the connection closed before the answer ended"));
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"],
          byFrontEnd: res.headers[FRONT_END_ANSWER_HEADER] === FRONT_END_ANSWER,
          text: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms`);
      error.name = "TimeoutError";
      req.destroy(error);
    }, timeoutMs);
    req.on("error", failed);
    req.end(body);
  });
}
