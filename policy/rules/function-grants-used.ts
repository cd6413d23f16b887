import { asViolation, callSiteVerdicts } from "../call-sites";
import type { Finding } from "../model";
import { stackRule } from "../rule";

/**
 * Invariant 10, the grant side: every function a caller's account may invoke is called by the caller's code. An
 * unused grant is access an attacker who takes over the caller gets for nothing. A dynamic call site (a callee
 * the checker cannot name) could use any grant, so it is reported here too: with one, no grant is proven used.
 * Advisory by default (an edge declared ahead of the code that will use it is common while developing);
 * mandatory when the pack config says so.
 */
export const functionGrantsUsed = stackRule<Record<string, never>>({
  name: "function-grants-used",
  description:
    "Every function a function's account may invoke is called by its code (its call sites, recorded on its callgraph:index:ServiceFunction), and every call site names its callee.",
  remediation:
    "Remove the unused callee from the caller's `calls` in callgraph:functions, or call it; pass callee names as literals, consts or unions of literals so that the checker can name them.",
  defaultEnforcement: "advisory",
  fields: {},
  check(resources): Finding[] {
    const { findings, undecided } = callSiteVerdicts(resources);
    return [
      ...findings
        .filter((f) => f.kind !== "undeclared-call")
        .map((f) =>
          asViolation(
            f,
            f.kind === "unused-edge"
              ? `remove "${f.callee}" from ${f.path}.calls in the declaration (the program then drops the grant), or call it.`
              : 'pass the callee as a string literal, a const, or a value typed as a union of literals (e.g. "a" | "b").',
          ),
        ),
      ...undecided,
    ];
  },
});
