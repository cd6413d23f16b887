/**
 * A mistake the user can fix (a bad flag, a bad ref, an unknown function). `main` prints its message alone
 * and exits 1; anything else is a bug and is rethrown with its stack.
 */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** A check that ran and found problems (policy violations, `--fail-on`): exit code 1 without a stack. */
export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailed";
  }
}
