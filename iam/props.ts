import type { Props } from "./stack-resource";
import { isUnknown, type Maybe, type Unknown } from "./unknown";

/**
 * The value at a dotted path (`serviceConfig.serviceAccountEmail`): the {@link Unknown} itself when the value
 * or any object above it is unknown, `undefined` when a step is missing or not an object.
 */
export function valueAt(props: Props, path: string): unknown {
  let current: unknown = props;
  for (const key of path.split(".")) {
    if (isUnknown(current)) return current;
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A string property; an empty string counts as not set, as it does for the provider. */
export function stringAt(props: Props, path: string): Maybe<string> {
  const value = valueAt(props, path);
  if (isUnknown(value)) return value;
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function booleanAt(props: Props, path: string): Maybe<boolean> {
  const value = valueAt(props, path);
  if (isUnknown(value)) return value;
  return typeof value === "boolean" ? value : undefined;
}

/** A list of strings; single elements may be unknown (a member built from another resource's output). */
export function stringListAt(props: Props, path: string): Maybe<readonly (string | Unknown)[]> {
  const value = valueAt(props, path);
  if (isUnknown(value)) return value;
  if (!Array.isArray(value)) return undefined;
  return value.filter((v): v is string | Unknown => typeof v === "string" || isUnknown(v));
}

/**
 * The last segment of a resource reference: GCP accepts both `NAME` and the full id
 * `projects/P/locations/L/functions/NAME` (or `.../services/NAME`) wherever a function or service is named.
 */
export function lastSegment(reference: string): string {
  return reference.slice(reference.lastIndexOf("/") + 1);
}
