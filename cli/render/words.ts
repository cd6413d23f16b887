/**
 * English for output that names functions, members and counts. Every possessive of a name goes through
 * {@link possessive}, so a name ending in "s" reads "profiles'" and never "profiles's".
 */

// One possessive for the whole project (the function code and the local stack use it too).
export { possessive } from "../../iam/possessive";

/** `1 function`, `2 functions`, `3 policies` (with the plural given). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
