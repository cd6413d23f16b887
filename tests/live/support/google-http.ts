import type * as http from "node:http";

/**
 * What every loopback stand-in for a Google API answers with, written once so the fakes of preflight and audit
 * fail the same way the real APIs do.
 */

/** Google's error body. https://cloud.google.com/apis/design/errors#http_mapping */
export function errorBody(code: number, message: string, reason: string): unknown {
  const status =
    {
      400: "INVALID_ARGUMENT",
      401: "UNAUTHENTICATED",
      403: "PERMISSION_DENIED",
      404: "NOT_FOUND",
      429: "RESOURCE_EXHAUSTED",
      503: "UNAVAILABLE",
    }[code] ?? "INTERNAL";
  return {
    error: {
      code,
      message,
      status,
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: "googleapis.com" }],
    },
  };
}

export function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/**
 * Answers with the next status injected for the first prefix of `path` that still has one (consuming it), so a
 * test can make a reader meet a 429 or a 5xx before the normal answer. False when none is left.
 */
export function sendInjectedFailure(
  res: http.ServerResponse,
  failures: Record<string, number[]>,
  path: string,
): boolean {
  const failure = Object.entries(failures).find(
    ([prefix, statuses]) => path.startsWith(prefix) && statuses.length > 0,
  );
  if (!failure) return false;
  const status = failure[1].shift()!;
  send(
    res,
    status,
    errorBody(status, `injected ${status}`, status === 429 ? "RATE_LIMIT_EXCEEDED" : "BACKEND_ERROR"),
  );
  return true;
}
