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
}

/**
 * Reads a failure thrown by googleapis (a `GaxiosError`). Google's error body is
 * `{ error: { code, message, status, details: [{ "@type": "...ErrorInfo", reason }] } }`
 * (https://cloud.google.com/apis/design/errors#http_mapping).
 */
export function googleFailure(error: unknown): GoogleFailure {
  const e = error as {
    status?: unknown;
    message?: unknown;
    response?: { status?: unknown; data?: unknown; headers?: unknown };
  } | null;
  const status = numberOr(e?.status) ?? numberOr(e?.response?.status);
  const body = (e?.response?.data as { error?: { message?: unknown; details?: unknown } } | undefined)?.error;
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
  return {
    ...(status === undefined ? {} : { status }),
    message,
    ...(reason === undefined ? {} : { reason }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
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
