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

/**
 * How a stand-in can misbehave on the requests under a path prefix, for the tests of what the live readers do
 * with an API that is not answering as documented:
 * - `hang`: never answers (the socket stays open until the server closes): a firewall that drops packets, an
 *   overloaded endpoint;
 * - `sign-in-page`: 200 with an HTML page, as a captive portal, a corporate proxy or an expired SSO session gives;
 * - `{ json }`: 200 with this JSON body, whatever the route would answer (a wrong shape, a repeating page token).
 */
export type Misbehaviour = "hang" | "sign-in-page" | { readonly json: unknown };

/** A sign-in page as an identity-aware proxy or captive portal serves it, with status 200. */
export const SIGN_IN_PAGE =
  '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in - Google Accounts</title></head>' +
  '<body><form action="/signin"><input type="email" name="identifier"><button>Next</button></form></body></html>';

/**
 * Misbehaves as told for the first prefix of `path` in `misbehave`; false when none applies. A hung request is
 * left open: `server.closeAllConnections()` ends it.
 */
export function sendMisbehaviour(
  res: http.ServerResponse,
  misbehave: Readonly<Record<string, Misbehaviour>> | undefined,
  path: string,
): boolean {
  const entry = Object.entries(misbehave ?? {}).find(([prefix]) => path.startsWith(prefix));
  if (!entry) return false;
  const how = entry[1];
  if (how === "hang") return true;
  if (how === "sign-in-page") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(SIGN_IN_PAGE);
    return true;
  }
  send(res, 200, how.json);
  return true;
}
