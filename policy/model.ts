/**
 * The small resource model every rule reads. Both adapters produce it: CrossGuard (`crossguard.ts`, from the
 * props the Pulumi CLI sends) and the in-process engine (`from-engine.ts`, from the inputs the program
 * registered). Rules never see either source, so each rule is written once.
 */

/**
 * A value that is not known until deployment (a computed output during `pulumi preview`). It stands where
 * the value would be, so a rule can tell "unknown" from "absent" and never mistake one for the other.
 */
export class Unknown {
  /**
   * @param path Where the value sits in the resource's properties, e.g. `serviceConfig.serviceAccountEmail`.
   * @param cause What the source raised on reading it (CrossGuard's UnknownValueError); rethrowing it makes the
   *   Pulumi CLI report the policy as "can't run during preview" (advisory) rather than as a policy failure.
   */
  constructor(
    readonly path: string,
    readonly cause?: unknown,
  ) {}
}

export function isUnknown(value: unknown): value is Unknown {
  return value instanceof Unknown;
}

/** Property values: plain JSON-like data, with {@link Unknown} wherever a value is not known yet. */
export type Props = Readonly<Record<string, unknown>>;

/** One resource of the stack, as the rules see it. */
export interface PolicyResource {
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

/** A rule's verdict on one resource: a definite violation, or a check that needs values known only later. */
export type Finding =
  | {
      readonly kind: "violation";
      /** The resource at fault. */
      readonly urn: string;
      /** What is wrong and why it matters. */
      readonly why: string;
      /** What to change. */
      readonly fix: string;
    }
  | {
      readonly kind: "undecided";
      readonly urn: string;
      /** What could not be checked yet. */
      readonly why: string;
      /** The unknown value that prevented the decision. */
      readonly unknown: Unknown;
    };

/** A violation of one policy by one resource, as both adapters report it. */
export interface Violation {
  readonly policy: string;
  readonly urn: string;
  /** Why, then how to fix: the text CrossGuard prints. */
  readonly message: string;
  readonly why: string;
  readonly fix: string;
}

export function violation(urn: string, why: string, fix: string): Finding {
  return { kind: "violation", urn, why, fix };
}

export function undecided(urn: string, why: string, unknown: Unknown): Finding {
  return { kind: "undecided", urn, why, unknown };
}

/** The one text a violation is reported with. */
export function violationMessage(why: string, fix: string): string {
  return `${why}\nTo fix: ${fix}`;
}
