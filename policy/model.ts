import type { Unknown } from "../iam";

/**
 * What a rule reports. Rules read `StackResource`s (the IAM model's resources, `iam/stack-resource.ts`), which
 * both sources produce through their own adapter: CrossGuard (`crossguard.ts`, from the props the Pulumi CLI
 * sends) and the in-process engine (`engine/from-engine.ts`, from the inputs the program registered). Rules never
 * see either source, so each rule is written once.
 */

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
