/**
 * A gaxios `adapter` that bounds each attempt of a request by `timeoutMs` with an abort signal this module holds,
 * instead of gaxios' own `timeout` option.
 *
 * gaxios turns `timeout` into `AbortSignal.any([signal, AbortSignal.timeout(timeout)])` (gaxios.js,
 * `#appendTimeoutToSignal`). In Node, nothing holds the timeout signal strongly: its timer keeps only a weak
 * reference, and so does the combined signal. A garbage collection while the request waits collects it, and the
 * timeout never fires (nodejs/node#57736). Here, on Node 20.20, a fetch to a server that never answers, given
 * such a signal with a 300 ms timeout, was not aborted after 3 s in 5 of 5 tries once `gc()` ran meanwhile; without
 * the collection it was aborted at 300 ms each time. A command then waits for its whole `--deadline` instead of its
 * `--timeout`, the symptom a full test run under load once showed (tests/live/command-bounds.test.ts).
 *
 * The timer below holds the attempt's controller itself, so nothing can collect it while the attempt is pending. The
 * request's own `signal` (the command's deadline) still aborts the attempt, with its reason. Both bound the body
 * too: gaxios' default adapter reads it before it returns (`getResponseData`), for the JSON answers callgraph asks
 * for; a `stream` response, which it never asks for, would be read after the bounds are gone.
 */

/** What this adapter reads of gaxios' options: the rest passes through unchanged. */
interface AttemptOptions {
  signal?: AbortSignal | null;
}

/** The `adapter` option: gaxios calls it for every attempt, with its own fetch as `next`. */
export type AttemptAdapter = <O extends AttemptOptions, R>(
  options: O,
  next: (options: O) => Promise<R>,
) => Promise<R>;

export function attemptTimeout(timeoutMs: number): AttemptAdapter {
  return async (options, next) => {
    const attempt = new AbortController();
    // The same error fetch raises for AbortSignal.timeout, so every reader of a timeout (isAbortError) knows it.
    const timer = setTimeout(
      () => attempt.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError")),
      timeoutMs,
    );
    const outer = options.signal ?? undefined;
    const follow = () => attempt.abort(outer?.reason);
    if (outer?.aborted) follow();
    else outer?.addEventListener("abort", follow, { once: true });
    try {
      return await next({ ...options, signal: attempt.signal });
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", follow);
    }
  };
}
