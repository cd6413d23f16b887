/**
 * A value the reader cannot know: one computed at deployment (an output during `pulumi preview`, as the engine
 * and CrossGuard both report it), or one the source withheld (a version 1 IAM policy hides its conditions). It
 * stands where the value would be, so a reader can tell "unknown" from "absent" and never mistake one for the
 * other.
 */
export class Unknown {
  /**
   * @param path Where the value sits in its source, e.g. `serviceConfig.serviceAccountEmail` or
   *   `bindings[2].condition`.
   * @param cause What the source raised on reading it (CrossGuard's UnknownValueError); rethrowing it makes the
   *   Pulumi CLI report a policy as "can't run during preview" (advisory) rather than as a policy failure.
   */
  constructor(
    readonly path: string,
    readonly cause?: unknown,
  ) {}
}

export function isUnknown(value: unknown): value is Unknown {
  return value instanceof Unknown;
}

/** A value as the model reads it: the value, {@link Unknown} until deployment, or `undefined` when not set. */
export type Maybe<T> = T | Unknown | undefined;
