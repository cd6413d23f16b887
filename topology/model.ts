import type { Principals } from "./principals";
import type { Generation, Ingress } from "./schema";

/** One function of the call graph, with every default applied. */
export interface FunctionSpec {
  /** The function's name; also its deployed name and the last segment of its URL. */
  readonly name: string;
  /** Functions this one may invoke (the edges out of it), sorted. */
  readonly calls: readonly string[];
  /**
   * IAM members, other than callers, that may invoke it (e.g. a developers group), sorted: those written in its
   * `invokers` and the members of the principals named there.
   */
  readonly invokers: readonly string[];
  /** The principals (`callgraph:principals`) its `invokers` names, sorted; their members are in `invokers`. */
  readonly principals: readonly string[];
  /** Folder holding the function's code, relative to the project root. */
  readonly source: string;
  /** Exported handler name the platform calls. */
  readonly entryPoint: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly maxInstances: number;
  readonly ingress: Ingress;
  /** 1: Cloud Functions (1st gen); 2: Cloud Run functions, invoked through their Cloud Run service. */
  readonly generation: Generation;
  /** Node.js runtime id, e.g. `nodejs22`: one its generation offers (see `runtimes.ts`). */
  readonly runtime: string;
}

/** A validated call graph. Functions are sorted by name, so everything derived from it is deterministic. */
export interface Topology {
  readonly functions: readonly FunctionSpec[];
  /** The stack's named principals (`callgraph:principals`), name -> members; `[]` for one not set yet. */
  readonly principals: Principals;
}

/** A declared edge: `from` may invoke `to`. */
export interface Edge {
  readonly from: string;
  readonly to: string;
}
