/**
 * English for output that names functions, members and counts. Every possessive of a name goes through
 * {@link possessive}, so a name ending in "s" reads "profiles'" and never "profiles's".
 */

/** `login's`, `profiles'`: the possessive of a name (a plural-looking name takes the apostrophe alone). */
export function possessive(name: string): string {
  return /s$/i.test(name) ? `${name}'` : `${name}'s`;
}

/** `1 function`, `2 functions`, `3 policies` (with the plural given). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
