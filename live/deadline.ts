import { LiveConfigError, LiveUnavailableError } from "./errors";

/** Defaults of the two bounds every live command has (`--timeout`, `--deadline`). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 20;
/**
 * Everything a command asks of Google (credentials included) ends within this, so that with the program's
 * evaluation (seconds) a command never runs past two minutes, whatever an API does.
 */
export const DEFAULT_DEADLINE_SECONDS = 90;
const MAX_SECONDS = 3600;

/** The bounds of one command, in milliseconds. */
export interface LiveBounds {
  /** One attempt of one request. */
  readonly requestTimeoutMs: number;
  /** Every read of the command, retries and credentials included. */
  readonly deadlineMs: number;
}

/**
 * `--timeout SECONDS` and `--deadline SECONDS` (strings, as commander gives them), with their defaults. Refused
 * (a {@link LiveConfigError}) unless a positive number of seconds up to an hour, and unless the deadline leaves
 * room for at least one request.
 */
export function parseLiveBounds(flags: {
  readonly timeout?: string;
  readonly deadline?: string;
}): LiveBounds {
  const seconds = (value: string | undefined, flag: string, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0 || n > MAX_SECONDS)
      throw new LiveConfigError(
        `${flag} "${value}" is not a number of seconds: give one above 0 and at most ${MAX_SECONDS}, e.g. ${flag} ${fallback}`,
      );
    return n;
  };
  const timeout = seconds(flags.timeout, "--timeout", DEFAULT_REQUEST_TIMEOUT_SECONDS);
  const deadline = seconds(flags.deadline, "--deadline", DEFAULT_DEADLINE_SECONDS);
  return { requestTimeoutMs: Math.round(timeout * 1000), deadlineMs: Math.round(deadline * 1000) };
}

/**
 * The overall deadline of one command: one `AbortSignal` every request carries (so a request in flight is
 * aborted, its socket closed, when it passes), the APIs with requests pending (so the error names them), and
 * {@link Deadline.race} for what cannot take a signal.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
  /** Marks one request to `api` (a host) as pending; call the returned function when it settles. */
  pending(api: string): () => void;
  /** The error the deadline ends the command with: which APIs were still pending when it passed. */
  error(): LiveUnavailableError;
  /** `work`, or the deadline's error if it passes first. */
  race<T>(work: Promise<T>, doing?: string): Promise<T>;
  /**
   * Stops the clock and aborts whatever is still in flight. Call it when the command ends, however it ends: the
   * clock is a live timer (so a hang can never end the process silently), which only this clears.
   */
  dispose(): void;
}

export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const pendingByApi = new Map<string, number>();
  let doing = "reading the project";
  let fired: LiveUnavailableError | undefined;
  const seconds = `${Math.round(ms / 100) / 10} s`;
  const timer = setTimeout(() => {
    const apis = [...pendingByApi].filter(([, n]) => n > 0).map(([api]) => api);
    fired = new LiveUnavailableError(
      apis.length > 0
        ? `no answer from ${apis.join(", ")} within the ${seconds} deadline (--deadline): stopped waiting. ` +
            `Check that ${apis.length === 1 ? "it" : "they"} (and your credentials' token endpoint) can be reached from here (network, proxy, --api-root), or allow longer with --deadline SECONDS`
        : `not done within the ${seconds} deadline (--deadline) while ${doing}: stopped waiting. ` +
            "Check that Google's APIs and your credentials' token endpoint can be reached from here, or allow longer with --deadline SECONDS",
      apis,
    );
    controller.abort(fired);
  }, ms);
  const deadline: Deadline = {
    signal: controller.signal,
    ms,
    pending(api) {
      pendingByApi.set(api, (pendingByApi.get(api) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        pendingByApi.set(api, (pendingByApi.get(api) ?? 1) - 1);
      };
    },
    error() {
      return fired ?? new LiveUnavailableError(`stopped before the ${seconds} deadline (--deadline)`, []);
    },
    race<T>(work: Promise<T>, what?: string): Promise<T> {
      if (what !== undefined) doing = what;
      if (controller.signal.aborted) {
        work.catch(() => undefined);
        return Promise.reject(deadline.error());
      }
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(deadline.error());
        controller.signal.addEventListener("abort", onAbort, { once: true });
        work.then(
          (value) => {
            controller.signal.removeEventListener("abort", onAbort);
            resolve(value);
          },
          (error: unknown) => {
            controller.signal.removeEventListener("abort", onAbort);
            reject(error);
          },
        );
      });
    },
    dispose() {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(new LiveUnavailableError("the command ended", []));
    },
  };
  return deadline;
}
