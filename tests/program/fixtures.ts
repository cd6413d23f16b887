import { TYPES, type Evaluation, type RegisteredResource } from "../../engine";

export { LARGE_CONFIG, LARGE_TOPOLOGY } from "../fixtures";

export function ofType(e: Evaluation, type: string): RegisteredResource[] {
  return e.resources.filter((r) => r.type === type);
}

export function functionsOf(e: Evaluation): RegisteredResource[] {
  return ofType(e, TYPES.function);
}

/** The declaration the evaluation ran with, as a plain map (the tests' independent reading of the config). */
export function declared(
  e: Evaluation,
): Record<string, { calls?: readonly string[]; invokers?: readonly string[] }> {
  return e.config["callgraph:functions"] as Record<
    string,
    { calls?: readonly string[]; invokers?: readonly string[] }
  >;
}

export function env(fn: RegisteredResource): Record<string, string> {
  return fn.inputs.environmentVariables as Record<string, string>;
}

/** Every URN `urn` depends on, directly or through other resources. */
export function transitiveDependencies(e: Evaluation, urn: string): Set<string> {
  const byUrn = new Map(e.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [...(byUrn.get(urn)?.dependencies ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byUrn.get(next)?.dependencies ?? []));
  }
  return seen;
}
