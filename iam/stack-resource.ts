import type { Unknown } from "./unknown";

/** Property values: plain JSON-like data, with {@link Unknown} wherever a value is not known yet. */
export type Props = Readonly<Record<string, unknown>>;

/**
 * One resource of a Pulumi stack, as the model reads it. Both sources produce it: the in-process engine (from
 * the inputs the program registered) and CrossGuard (from the props the Pulumi CLI sends), each through its own
 * adapter, so every reader of IAM resources (the effective graph, the policy rules) is written once.
 */
export interface StackResource {
  /** Type token, e.g. `gcp:cloudfunctions/function:Function`. */
  readonly type: string;
  readonly urn: string;
  /** Logical name. */
  readonly name: string;
  /** Input properties (CrossGuard's stack policies get the planned state, which holds the same keys). */
  readonly props: Props;
  /** URN of the parent resource, if any. */
  readonly parent?: string;
}
