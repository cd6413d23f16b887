import type { CallerSpec, FunctionSpec, Topology } from "./model";

/**
 * The lookups every per-function derivation makes, built in one pass over the functions: the function of each
 * name, and the callers of each function. Without it, `getFunction` and `callersOf` scan every function for
 * each function, and deriving a whole graph (every environment, every invoker binding) grows with the square of
 * its size (bench/RESULTS.md, section 3).
 */
export interface GraphIndex {
  /** Each declared function by name (the first one, should a hand-made topology repeat a name). */
  readonly byName: ReadonlyMap<string, FunctionSpec>;
  /** Callee name -> the functions that declare it among their calls, in the topology's order (sorted by name). */
  readonly callers: ReadonlyMap<string, readonly string[]>;
  /** Callee name -> the callers that are not functions (`callgraph:callers`) and call it, sorted by name. */
  readonly sources: ReadonlyMap<string, readonly CallerSpec[]>;
}

// Keyed by the functions list itself: a Topology is immutable (readonly all the way down, and `parseTopology`
// never changes one it returned), so an index once built stays true for as long as its list is alive. A topology
// spread into a new one with other callers but the same functions would share the entry: keyed by the callers too.
const indexes = new WeakMap<
  readonly FunctionSpec[],
  { callers?: readonly CallerSpec[]; index: GraphIndex }
>();

/** The index of `topology`, built on first use and remembered for as long as the topology lives. */
export function graphIndex(topology: Topology): GraphIndex {
  const functions = topology.functions;
  const known = indexes.get(functions);
  if (known && known.callers === topology.callers) return known.index;
  const index = buildIndex(functions, topology.callers ?? []);
  indexes.set(functions, { callers: topology.callers, index });
  return index;
}

function buildIndex(functions: readonly FunctionSpec[], declared: readonly CallerSpec[]): GraphIndex {
  const byName = new Map<string, FunctionSpec>();
  const callers = new Map<string, string[]>();
  for (const spec of functions) {
    if (!byName.has(spec.name)) byName.set(spec.name, spec);
    // A caller is listed once per callee, however often its calls name it (as a filter over the functions would).
    for (const callee of new Set(spec.calls)) {
      const list = callers.get(callee);
      if (list) list.push(spec.name);
      else callers.set(callee, [spec.name]);
    }
  }
  const sources = new Map<string, CallerSpec[]>();
  for (const caller of declared)
    for (const callee of new Set(caller.calls)) {
      const list = sources.get(callee);
      if (list) list.push(caller);
      else sources.set(callee, [caller]);
    }
  return { byName, callers, sources };
}
