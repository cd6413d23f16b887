import { isUnknown, type Props, type Unknown } from "./model";

/** A property as a rule reads it: the value, {@link Unknown} until deployment, or `undefined` when not set. */
export type Maybe<T> = T | Unknown | undefined;

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

/** Names in allow-lists match a resource's deployed name or its logical (Pulumi) name. */
export function listed(list: readonly string[], ...names: readonly (string | undefined)[]): boolean {
  return names.some((name) => name !== undefined && list.includes(name));
}

export function quoteList(items: readonly string[]): string {
  return items.length === 0 ? "none" : items.map((i) => `"${i}"`).join(", ");
}

/**
 * A resource as a Pulumi TypeScript user writes it: `gcp.cloudfunctions.FunctionIamMember "rogue"` for the
 * type token `gcp:cloudfunctions/functionIamMember:FunctionIamMember` and the logical name `rogue`.
 */
export function describeResource(resource: { readonly type: string; readonly name: string }): string {
  const [pkg, module, member] = resource.type.split(":");
  const folder = module?.split("/")[0];
  const cls = member && folder && folder !== "index" ? `${pkg}.${folder}.${member}` : resource.type;
  return `${cls} "${resource.name}"`;
}
