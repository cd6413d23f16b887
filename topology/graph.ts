import { graphIndex } from "./graph-index";
import { isPublicMember } from "./members";
import type { CallerSpec, Edge, FunctionSpec, Topology } from "./model";
import { callerAccountMember, functionUrl, serviceAccountMember, type GcpTarget } from "./names";

/** The declared function called `name`; throws if there is none (a programming error after validation). */
export function getFunction(topology: Topology, name: string): FunctionSpec {
  const spec = graphIndex(topology).byName.get(name);
  if (!spec) throw new Error(`no function named "${name}" in the topology`);
  return spec;
}

/** Every declared edge, sorted by caller then callee. */
export function edges(topology: Topology): Edge[] {
  return topology.functions.flatMap((f) => f.calls.map((to) => ({ from: f.name, to })));
}

/** The functions that declare `name` among their calls, sorted. A new array: the caller may change it. */
export function callersOf(topology: Topology, name: string): string[] {
  return [...(graphIndex(topology).callers.get(name) ?? [])];
}

/**
 * The callers that are not functions (`callgraph:callers`) and call `name`, sorted by name. A new array: the caller
 * may change it.
 */
export function sourcesOf(topology: Topology, name: string): CallerSpec[] {
  return [...(graphIndex(topology).sources.get(name) ?? [])];
}

/** True when `allUsers` or `allAuthenticatedUsers` may invoke the function. */
export function isPublic(spec: FunctionSpec): boolean {
  return spec.invokers.some(isPublicMember);
}

/**
 * Exactly who may invoke `name` (DESIGN.md invariant 2): the service account of every declared caller, functions
 * and the callers that are not functions alike, plus the members declared as its invokers. Sorted and without
 * duplicates, so it is stable across runs.
 */
export function invokerMembers(topology: Topology, name: string, project: string): string[] {
  const callers = callersOf(topology, name).map((caller) => serviceAccountMember(caller, project));
  const sources = sourcesOf(topology, name).map((source) => callerAccountMember(source.name, project));
  return [...new Set([...callers, ...sources, ...getFunction(topology, name).invokers])].sort();
}

/** A declared function's URL, for its generation. */
export function urlOf(spec: FunctionSpec, target: GcpTarget): string {
  return functionUrl(spec.name, target, spec.generation);
}

/** The URL of every function, keyed by name. */
export function functionUrls(topology: Topology, target: GcpTarget): Record<string, string> {
  return Object.fromEntries(topology.functions.map((f) => [f.name, urlOf(f, target)]));
}

/** True when any function is 2nd gen (so the project number is needed for URLs). */
export function hasSecondGen(topology: Topology): boolean {
  return topology.functions.some((f) => f.generation === 2);
}
