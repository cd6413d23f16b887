import { getFunction, invokerMembers, urlOf } from "./graph";
import type { Topology } from "./model";
import type { GcpTarget } from "./names";

/**
 * Environment variable names the deployed code reads. `functions/shared/env.ts` declares the same names on
 * the receiving side (it may not import this folder); a test keeps the two lists equal.
 */
export const ENV = {
  /** The function's own name. */
  function: "CALLGRAPH_FUNCTION",
  /** The function's own URL: the audience its callers' tokens must carry. */
  selfUrl: "CALLGRAPH_SELF_URL",
  /** JSON object, declared callee name -> URL. The only URLs a function is told (invariant 4). */
  callees: "CALLGRAPH_CALLEES",
  /** JSON array of the IAM members that may invoke the function: its invoker binding, mirrored for in-code checks. */
  invokers: "CALLGRAPH_INVOKERS",
} as const;

/**
 * Set to "true" on 2nd-gen functions only: Cloud Run checks every token and hands the code a copy whose
 * signature is replaced by SIGNATURE_REMOVED_BY_GOOGLE, which the code may then check on its claims alone.
 * `functions/shared/env.ts` reads it; anywhere else such a token is refused.
 */
export const PLATFORM_VERIFIES_TOKENS_ENV = "CALLGRAPH_PLATFORM_VERIFIES_TOKENS";

/**
 * The environment a function is deployed with. It names the function's own URL and its declared callees'
 * URLs, and no other function's (invariant 4), plus its invoker members so its code can refuse a caller that
 * IAM would refuse. Keys are sorted, so the same graph always gives byte-identical values (no spurious diffs).
 */
export function functionEnvironment(
  topology: Topology,
  name: string,
  target: GcpTarget,
): Record<string, string> {
  const spec = getFunction(topology, name);
  const callees = Object.fromEntries(
    spec.calls.map((callee) => [callee, urlOf(getFunction(topology, callee), target)]),
  );
  return {
    [ENV.function]: name,
    [ENV.selfUrl]: urlOf(spec, target),
    [ENV.callees]: JSON.stringify(callees),
    [ENV.invokers]: JSON.stringify(invokerMembers(topology, name, target.project)),
    ...(spec.generation === 2 ? { [PLATFORM_VERIFIES_TOKENS_ENV]: "true" } : {}),
  };
}
