import { isUnknown, Unknown } from "./unknown";

/**
 * The condition of a conditional role binding (an `Expr`: https://cloud.google.com/iam/docs/reference/rest/v1/Expr).
 *
 * What it means: the binding grants its role only to requests for which the CEL expression is true
 * (https://cloud.google.com/iam/docs/reference/rest/v1/Policy#Binding); it depends on the request (time, resource
 * name, ...), so no reader here can evaluate it. The model therefore keeps a conditional grant as a grant, with
 * its condition: the member may be let in, and a reader that asks "who can invoke" must count it (and say it is
 * conditional), never drop it.
 */
export interface IamCondition {
  /** The CEL expression. */
  readonly expression: string;
  readonly title?: string;
  readonly description?: string;
}

/**
 * A condition as a source gives it (a Pulumi `condition` input, or a policy binding's `condition`): the
 * condition, {@link Unknown} when it is not known yet, or undefined when there is none. A condition without an
 * expression limits nothing, so it counts as none.
 */
export function conditionOf(value: unknown): IamCondition | Unknown | undefined {
  if (isUnknown(value)) return value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const { expression, title, description } = value as Record<string, unknown>;
  if (isUnknown(expression)) return expression;
  if (typeof expression !== "string" || expression === "") return undefined;
  return {
    expression,
    ...(typeof title === "string" ? { title } : {}),
    ...(typeof description === "string" ? { description } : {}),
  };
}
