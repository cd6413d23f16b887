/**
 * A setting of the live readers that cannot work (a malformed `--api-root`). The CLI turns it into a usage
 * error; `live/` does not import the CLI's error classes (the CLI imports `live/`, never the reverse).
 */
export class LiveConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LiveConfigError";
  }
}

/**
 * A Google API that gave no answer in time: a request that timed out on every attempt it was allowed, or the
 * command's deadline passing while requests were pending. It ends the command (exit 2, the code of a problem in
 * the user's environment, not of a finding), on one line naming the API, instead of a hang or a report in which
 * everything is "not visible". `exitCode` is the CLI's: `cli/report-error.ts` honours it on any error.
 */
export class LiveUnavailableError extends Error {
  readonly exitCode = 2 as const;

  constructor(
    message: string,
    /** The hosts that did not answer, e.g. `orgpolicy.googleapis.com`. */
    readonly apis: readonly string[],
  ) {
    super(message);
    this.name = "LiveUnavailableError";
  }
}

/**
 * A 2xx answer that is not what the API documents: not JSON (an HTML sign-in or proxy page), the wrong shape, a
 * page token that repeats, an entry listed twice. The read is "not visible", never believed and never clean
 * (DESIGN.md invariant 14).
 */
export class MalformedAnswerError extends Error {
  /** The reason a refusal of this kind carries, for {@link describeRefusal}-style messages. */
  static readonly REASON = "MALFORMED_ANSWER";

  constructor(
    /** The API's host, e.g. `cloudfunctions.googleapis.com`. */
    readonly api: string,
    /** What is wrong with it, e.g. "an HTML page, not JSON". */
    readonly detail: string,
  ) {
    super(`malformed answer from ${api}: ${detail}`);
    this.name = "MalformedAnswerError";
  }
}

/** The APIs named by malformed-answer messages in `texts` (the problems of "not visible" findings), sorted. */
export function malformedApisIn(texts: readonly string[]): string[] {
  return [
    ...new Set(texts.flatMap((t) => [...t.matchAll(/malformed answer from ([\w.-]+):/g)].map((m) => m[1]!))),
  ].sort();
}
