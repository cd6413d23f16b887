import { asViolation, callSiteVerdicts } from "../call-sites";
import type { Finding } from "../model";
import { stackRule } from "../rule";

/**
 * Invariant 10, the code side: every callee a function's code can call (its recorded call sites) is a function
 * whose invoker grant names the caller's account. A call with no grant behind it is a certain 403 in production.
 * The grants are read as the other rules read them, so a grant made outside the CallGraph component counts.
 */
export const functionCallsDeclared = stackRule<Record<string, never>>({
  name: "function-calls-declared",
  description:
    "Every callee a function's code calls (its call sites, recorded on its callgraph:index:ServiceFunction) grants the caller's account an invoking role.",
  remediation:
    "Add the callee to the caller's `calls` in callgraph:functions (the CallGraph component then grants it), or remove the call.",
  fields: {},
  check(resources): Finding[] {
    const { findings, undecided } = callSiteVerdicts(resources);
    return [
      ...findings
        .filter((f) => f.kind === "undeclared-call")
        .map((f) =>
          asViolation(
            f,
            `${f.unknownCallee ? "call a declared function (declaring the edge in " : "declare the edge ("}${f.path}.calls), or remove the call; until then the call is ` +
              "refused with 403 (or UndeclaredCalleeError) in production.",
          ),
        ),
      ...undecided,
    ];
  },
});
