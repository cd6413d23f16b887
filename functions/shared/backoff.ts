/** Backoff between retries of a call to a callee. */
export interface BackoffPolicy {
  /** Upper bound of the first delay, ms. */
  readonly baseMs: number;
  /** No delay exceeds this, Retry-After included, ms. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 2_000 };

/**
 * "Full jitter": a uniformly random delay in [0, min(max, base * 2^retry)), so that the instances of a caller
 * that failed together do not retry together
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). gaxios' own retry has no
 * jitter, which is why the client does not use it.
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * The delay a `Retry-After` header asks for (delta-seconds or an HTTP date, RFC 9110 §10.2.3), capped at
 * `maxMs`; undefined when absent or unreadable.
 */
export function retryAfterDelay(
  header: string | null,
  maxMs: number,
  now: number = Date.now(),
): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), maxMs);
}
