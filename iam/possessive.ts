/**
 * The English possessive of a function's name, for the messages that say whose grant, identity or logs they mean.
 * It lives here, not with the CLI's words, because it is the one pure module both the bundled function code
 * (`functions/shared`) and the local stack may import (DESIGN.md, layout).
 */

/** `login's`, `profiles'`: a name ending in "s" takes the apostrophe alone, so no message reads "profiles's". */
export function possessive(name: string): string {
  return /s$/i.test(name) ? `${name}'` : `${name}'s`;
}
