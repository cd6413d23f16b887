/**
 * Exit codes, the same for every command, so that a CI can tell a finding from a mistake from a bug
 * (documented in `callgraph --help` and in each command's help).
 */
export const EXIT = {
  /** Done, nothing found. */
  ok: 0,
  /** A finding: a policy violation, a `--fail-on` hit, a refused `invoke` (HTTP >= 400), a failed local scenario. */
  finding: 1,
  /** A usage or input error: bad flags, a bad or missing stack file, a bad topology, a missing file. */
  usage: 2,
  /** An internal error: a bug in callgraph. */
  internal: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A mistake the user can fix (a bad flag, a bad ref, an unknown function, a missing file): exit 2. The message
 * reads `<what>: <why>. <how to fix>`, on one line; `main` prefixes it with `callgraph: `.
 */
export class UsageError extends Error {
  readonly exitCode: ExitCode = EXIT.usage;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** A check that ran and found something (policy violations, `--fail-on`, a failed scenario): exit 1. */
export class CheckFailed extends Error {
  readonly exitCode: ExitCode = EXIT.finding;

  constructor(message: string) {
    super(message);
    this.name = "CheckFailed";
  }
}

/** A state the code should never reach: exit 3, reported as a bug. Anything else thrown is treated alike. */
export class InternalError extends Error {
  readonly exitCode: ExitCode = EXIT.internal;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InternalError";
  }
}
