import { MalformedAnswerError } from "./errors";

/** What a failed Google API call said, read from a gaxios error (or anything else thrown). */
export interface GoogleFailure {
  /** HTTP status; undefined for a network error. */
  readonly status?: number;
  /** Google's message (`error.message` of the JSON body), else the error's own. */
  readonly message: string;
  /** `ErrorInfo.reason` of the body's details, e.g. `SERVICE_DISABLED`, `IAM_PERMISSION_DENIED`. */
  readonly reason?: string;
  /** `Retry-After` in seconds, when the server sent one. */
  readonly retryAfterSeconds?: number;
  /** `error.status` of Google's JSON error body (e.g. `NOT_FOUND`); undefined when the body is not Google's. */
  readonly statusName?: string;
}

/**
 * Reads a failure thrown by googleapis (a `GaxiosError`). Google's error body is
 * `{ error: { code, message, status, details: [{ "@type": "...ErrorInfo", reason }] } }`
 * (https://cloud.google.com/apis/design/errors#http_mapping).
 */
export function googleFailure(error: unknown): GoogleFailure {
  if (error instanceof MalformedAnswerError)
    return { status: 200, message: error.message, reason: MalformedAnswerError.REASON };
  const e = error as {
    status?: unknown;
    message?: unknown;
    response?: { status?: unknown; data?: unknown; headers?: unknown };
  } | null;
  const status = numberOr(e?.status) ?? numberOr(e?.response?.status);
  const data = e?.response?.data;
  const body =
    data && typeof data === "object"
      ? (data as { error?: { message?: unknown; details?: unknown; status?: unknown } }).error
      : undefined;
  const message =
    typeof body?.message === "string"
      ? body.message
      : typeof e?.message === "string"
        ? e.message
        : String(error);
  const details = Array.isArray(body?.details) ? (body.details as { reason?: unknown }[]) : [];
  const reason = details.map((d) => d?.reason).find((r): r is string => typeof r === "string");
  const retryAfter = headerOf(e?.response?.headers, "retry-after");
  const retryAfterSeconds =
    retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  const statusName = typeof body?.status === "string" ? body.status : undefined;
  return {
    ...(status === undefined ? {} : { status }),
    message,
    ...(reason === undefined ? {} : { reason }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...(statusName === undefined ? {} : { statusName }),
  };
}

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** gaxios 7 gives a fetch `Headers`; older shapes are plain objects. */
function headerOf(headers: unknown, name: string): string | undefined {
  if (headers && typeof (headers as Headers).get === "function")
    return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * Whether the request was aborted: by its per-attempt timeout (live/attempt-timeout.ts aborts it with a
 * `TimeoutError`; fetch rejects with it or, node-fetch, with an `AbortError`) or by the command's deadline signal. gaxios
 * wraps the cause in a `GaxiosError`, so the whole `cause` chain is looked at.
 */
export function isAbortError(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const { name, code, type } = e as { name?: unknown; code?: unknown; type?: unknown };
    if (name === "TimeoutError" || name === "AbortError") return true;
    if (
      code === "TimeoutError" ||
      code === "AbortError" ||
      code === "ABORT_ERR" ||
      code === "UND_ERR_ABORTED"
    )
      return true;
    if (type === "aborted") return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
