import { googleFailure, isAbortError } from "./google-errors";

/** How {@link withRetry} retries. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Upper bound of the first backoff, in ms; it doubles per attempt (full jitter). */
  readonly baseDelayMs: number;
  /** Longest single wait, in ms, `Retry-After` included. */
  readonly maxDelayMs: number;
  /**
   * Attempts in all for a request that timed out (no answer within the per-attempt timeout), the first included.
   * Default 2: a server that did not answer once is retried once, not `attempts` times (gaxios' own retry, which
   * is off, would retry timeouts up to 3 times: https://github.com/googleapis/gaxios/blob/main/src/retry.ts).
   */
  readonly timeoutAttempts?: number;
  /** Waits; tests replace it. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Random number in [0, 1); tests replace it. */
  readonly random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 10_000 };

/**
 * Statuses worth another try: 429 (quota) and the transient 5xx. Google's guidance is truncated exponential
 * backoff with jitter on exactly these (https://cloud.google.com/storage/docs/retry-strategy,
 * https://cloud.google.com/apis/design/errors#error_retries). A network error (no status) is retried too.
 */
export function isRetryable(status: number | undefined): boolean {
  return (
    status === undefined ||
    status === 429 ||
    status === 500 ||
    status === 502 ||
    status === 503 ||
    status === 504
  );
}

/**
 * Runs `request` again on a retryable failure, with full-jitter exponential backoff, honouring `Retry-After`.
 * Only for requests that change nothing: every call of preflight and audit is a read (testIamPermissions is a
 * POST, but it only reads). gaxios's own retry is turned off in the clients (`retry: false`): it has no jitter
 * and skips POST, so the policy lives here, once.
 */
export async function withRetry<T>(
  request: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  /** The command's deadline: once it is aborted, nothing is retried and no backoff is waited out. */
  signal?: AbortSignal,
): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => abortableSleep(ms, signal));
  const random = policy.random ?? Math.random;
  let timeouts = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (signal?.aborted) throw error;
      if (isAbortError(error) && ++timeouts >= (policy.timeoutAttempts ?? 2)) throw error;
      const failure = googleFailure(error);
      if (attempt >= policy.attempts || !isRetryable(failure.status)) throw error;
      const backoff = random() * policy.baseDelayMs * 2 ** (attempt - 1);
      const wait = failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : backoff;
      await sleep(Math.min(wait, policy.maxDelayMs));
      if (signal?.aborted) throw error;
    }
  }
}

/** Waits `ms`, or less when `signal` aborts first. */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
