import type { RegisteredResource } from "./types";

/** The program failed (a bad topology, a failed registration); says what had been registered by then. */
export class EvaluationError extends Error {
  /** Resources registered before the failure: none when validation stopped the program, as it must. */
  readonly resources: readonly RegisteredResource[];

  constructor(message: string, resources: readonly RegisteredResource[], cause?: unknown) {
    super(message, { cause });
    this.name = "EvaluationError";
    this.resources = resources;
  }
}
