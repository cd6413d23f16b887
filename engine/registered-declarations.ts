import type { Topology } from "../topology";
import { TYPES } from "./resource-types";
import type { RegisteredResource } from "./types";

/** A `CallGraph`'s validated declaration, as its registration recorded it. */
export interface RegisteredDeclaration {
  /** The component's logical name. */
  readonly component: string;
  /** The project it deploys into. */
  readonly project: string;
  readonly topology: Topology;
  /**
   * Where the component read it: `stack` (stack config), `code` (its `declaration` argument, which a stack file's
   * `callgraph:functions` does not override) or `topology` (parsed by the program itself); undefined when the
   * registration does not say (an older version).
   */
  readonly declaredIn?: "stack" | "code" | "topology";
}

/**
 * Every `CallGraph` the program registered, with the declaration it deployed, in registration order. A component
 * registers the declaration it validated among its outputs, wherever it came from (stack config, or
 * `declaration`/`topology` in code: components/call-graph.ts), so this is how a program that writes its graph in
 * code is read: what `callgraph types` and `stackTests()` take from a stack whose file declares no
 * `callgraph:functions`.
 *
 * @throws Error naming the component when its registration holds no declaration this version can read (a program
 *   built with another version of the package than the one reading it).
 */
export function registeredDeclarations(resources: readonly RegisteredResource[]): RegisteredDeclaration[] {
  return resources
    .filter((r) => r.type === TYPES.callGraph)
    .map((r) => {
      const { project } = r.inputs;
      const { topology } = r.outputs;
      const problem = topologyShapeProblem(topology);
      if (typeof project !== "string" || problem !== undefined)
        throw new Error(
          `CallGraph "${r.name}" registered no declaration this version of callgraph can read ` +
            `(${problem ?? "no project"}): install the same callgraph version the program imports`,
        );
      const { declaredIn } = r.outputs;
      return {
        component: r.name,
        project,
        topology: topology as Topology,
        ...(declaredIn === "stack" || declaredIn === "code" || declaredIn === "topology"
          ? { declaredIn }
          : {}),
      };
    });
}

/**
 * What is wrong with a recorded topology's shape, checked as far as its readers rely on it (each function's name,
 * calls, invokers, source and entry point; each principal's members; each caller's name, kind and calls); undefined
 * when nothing is. The
 * record is the component's own, made in this process; the check tells a version mismatch from a declaration.
 */
function topologyShapeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return "no topology";
  const { functions, callers, principals } = value;
  if (!Array.isArray(functions)) return "no functions";
  for (const [i, fn] of functions.entries()) {
    if (!isRecord(fn) || typeof fn.name !== "string") return `functions[${i}] has no name`;
    for (const key of ["source", "entryPoint"] as const)
      if (typeof fn[key] !== "string") return `function ${fn.name} has no ${key}`;
    for (const key of ["calls", "invokers"] as const)
      if (!isStrings(fn[key])) return `function ${fn.name} has no list of ${key}`;
  }
  if (!isRecord(principals)) return "no principals";
  for (const [name, members] of Object.entries(principals))
    if (!isStrings(members)) return `principal ${name} has no list of members`;
  if (callers === undefined) return undefined;
  if (!Array.isArray(callers)) return "callers is not a list";
  for (const [i, caller] of callers.entries())
    if (
      !isRecord(caller) ||
      typeof caller.name !== "string" ||
      typeof caller.kind !== "string" ||
      !isStrings(caller.calls)
    )
      return `callers[${i}] has no name, kind or calls`;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
