/**
 * Why no ID token could be had for a callee, in two parts: a `reason` fit for the caller's HTTP answer (a cause
 * class, never the metadata URL or another service's error body), and a `detail` for the function's own log.
 */
export interface TokenFailure {
  /** Completes "the metadata server …": `is unreachable`, `refused the connection`, `answered HTTP 500`… */
  readonly reason: string;
  /** The underlying error's codes and message, tokens redacted: for the log only. */
  readonly detail: string;
}

// Node (libuv) and undici error codes: https://nodejs.org/api/errors.html#common-system-errors
const REFUSED = new Set(["ECONNREFUSED"]);
// gaxios puts the name of its AbortSignal.timeout() reason in `code` ("TimeoutError").
const TIMED_OUT = new Set([
  "TimeoutError",
  "ETIMEDOUT",
  "ECONNABORTED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
const UNREACHABLE = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "ECONNRESET",
  "EPIPE",
  "UND_ERR_SOCKET",
]);
const MAX_DETAIL = 500;
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/**
 * Classifies what google-auth-library threw (a GaxiosError with `status`/`response.status` when the metadata
 * server answered, a system error code somewhere on the `cause` chain when it could not be reached).
 */
export function classifyTokenFailure(error: unknown): TokenFailure {
  const chain = causes(error);
  const detail = describe(chain);
  const status = chain.map(httpStatus).find((s) => s !== undefined);
  if (status !== undefined) return { reason: `answered HTTP ${status}`, detail };
  const codes = chain.map((e) => field(e, "code")).filter((c): c is string => typeof c === "string");
  const names = chain.map((e) => field(e, "name"));
  if (codes.some((c) => REFUSED.has(c))) return { reason: "refused the connection", detail };
  if (codes.some((c) => TIMED_OUT.has(c)) || names.includes("TimeoutError") || names.includes("AbortError"))
    return { reason: "did not answer in time", detail };
  if (codes.some((c) => UNREACHABLE.has(c))) return { reason: "is unreachable", detail };
  return { reason: "gave no usable ID token", detail };
}

/** The error and its causes, outermost first; bounded, and safe against cycles. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let e = error;
    e !== undefined && e !== null && chain.length < 5 && !chain.includes(e);
    e = field(e, "cause")
  )
    chain.push(e);
  return chain;
}

function httpStatus(error: unknown): number | undefined {
  const status = field(error, "status") ?? field(field(error, "response"), "status");
  return typeof status === "number" && status >= 400 && status <= 599 ? status : undefined;
}

function describe(chain: readonly unknown[]): string {
  const parts = chain.map((e) => {
    const code = field(e, "code");
    const status = httpStatus(e);
    const message = field(e, "message");
    const text = typeof message === "string" ? message : String(e);
    const prefix = [
      status === undefined ? undefined : `HTTP ${status}`,
      typeof code === "string" ? code : undefined,
    ];
    const label = prefix.filter(Boolean).join(" ");
    return label ? `${label}: ${text}` : text;
  });
  const joined = parts.join(" <- ").replace(JWT, "[token]");
  return joined.length > MAX_DETAIL ? `${joined.slice(0, MAX_DETAIL)}…` : joined;
}

// Duck-typed rather than `instanceof Error`: errors may come from another realm (jest's VM, the bundle).
function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
