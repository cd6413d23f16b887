import type * as http from "node:http";
import { LOOPBACK, sendJson } from "./listen";

/**
 * A request this server cannot make sense of (a request target that is no path, an unparsable URL): answered
 * 400 with its message, which names what was wrong and never echoes a credential.
 */
export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequest";
  }
}

/**
 * Wraps a request handler so that no request can stop the server, or the process it runs in: a
 * {@link BadRequest} is answered 400, anything else thrown or rejected 500, and when the answer had already
 * begun the connection is cut (the client sees a truncated answer, never a mixed one). Without this, one
 * rejection from a handler is an unhandled rejection, and Node ends the whole local stack with it.
 *
 * What Node rejects before any handler runs (a malformed request line or header, headers over
 * `--max-http-header-size`, a missing Host on HTTP/1.1) it answers itself with 400 or 431 and closes the socket.
 */
export function guarded(
  service: string,
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>,
): http.RequestListener {
  return (req, res) => {
    const fail = (error: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (error instanceof BadRequest) sendJson(res, 400, { error: `Bad Request: ${error.message}` });
      else sendJson(res, 500, { error: `${service} failed on this request: ${messageOf(error)}` });
    };
    try {
      const done = handle(req, res);
      if (done) done.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/**
 * The request's URL. Only the origin form (`/path?query`) is accepted: the absolute form (`http://host/...`)
 * is meant for proxies, and `new URL` of a target like `//[` throws; both are a bad request here.
 */
export function requestUrl(req: http.IncomingMessage): URL {
  const target = req.url ?? "";
  if (!target.startsWith("/"))
    throw new BadRequest(`the request target must be a path starting with "/", not ${quote(target)}`);
  try {
    // Prefixing an origin keeps a target like `//host/x` a path: `new URL(target, base)` would read a host in it.
    return new URL(`http://${LOOPBACK}${target}`);
  } catch {
    throw new BadRequest(`the request target ${quote(target)} is not a valid URL path`);
  }
}

/** A bounded, escaped rendering of client input for an error message. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
