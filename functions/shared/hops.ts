import type { IncomingHttpHeaders } from "node:http";
import { HopLimitError } from "./errors";
import { HttpError } from "./http";

/**
 * The hop count: how many calls between functions led to a request. A request from outside (a user, a scheduler)
 * carries none (0); the downstream client sends the count of the request it serves plus one with every call. A
 * call loop in the code (a -> b -> a) thus counts up on every turn, and is cut at the hop limit
 * (`CALLGRAPH_MAX_HOPS`): the client does not send a call past it, and `secured` refuses a request that arrives past
 * it before its handler runs.
 *
 * The header is a count, not a trust signal. It is never a reason to let a request in: the caller is believed on its
 * verified ID token alone, and may invoke only what IAM grants it. A caller who forges a low count (or none) can only
 * make the chain it starts run the limit once more, which it could do anyway by sending a new request; a forged
 * high count only gets its own request refused.
 */
export const HOPS_HEADER = "x-callgraph-hops";

/** At most this many digits: anything longer is past any limit (`CALLGRAPH_MAX_HOPS` is at most 100). */
const HOPS = /^\d{1,4}$/;

/**
 * The hop count of an incoming request (0 without the header). Throws `HttpError` 400 for a malformed count (two
 * headers, which Node joins with a comma, or anything but digits) and `HopLimitError` (508) past `limit`.
 */
export function incomingHops(headers: IncomingHttpHeaders, limit: number, fn: string): number {
  const value = headers[HOPS_HEADER];
  if (value === undefined) return 0;
  const text = Array.isArray(value) ? value.join(", ") : value.trim();
  if (!HOPS.test(text))
    throw new HttpError(
      400,
      `${HOPS_HEADER} must be one whole number (the calls between functions that led to this request), got ` +
        `${JSON.stringify(text.slice(0, 20))}; leave it out when calling from outside, the downstream client sets it`,
    );
  const hops = Number(text);
  if (hops > limit) throw HopLimitError.arrived(fn, hops, limit);
  return hops;
}
