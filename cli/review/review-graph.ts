import type { EdgeUse } from "../../callsites";
import type { EffectiveGraph, Grant, GraphFunction, GraphSource, SecretGrant } from "../../engine";
import { possessive } from "../render/words";
import { evidenceLookup, type EdgeEvidence } from "./edge-evidence";
import { invokerKind, type InvokerKind } from "./members";

/**
 * The environment variable in which a function carries its declared invoker members (topology/environment.ts
 * writes it from the declaration). It is what the function itself will admit, so a grant to anyone else is one
 * the declaration does not account for, whoever made the resource.
 */
const DECLARED_INVOKERS_ENV = "CALLGRAPH_INVOKERS";

/** A grant of an invoking role, with who holds it in reviewers' terms and whether the declaration accounts for it. */
export interface ReviewGrant extends Grant {
  /** The calling function's (or source's) name for its account, else the member itself. */
  readonly invoker: string;
  readonly kind: InvokerKind;
  /** Why the declaration does not account for it; empty when it does. */
  readonly undeclared: readonly string[];
}

/** "`invoker` may invoke `function`", with every grant that says so. */
export interface Invocation {
  readonly function: string;
  readonly invoker: string;
  readonly kind: InvokerKind;
  /** Roles through which it may, sorted. */
  readonly roles: readonly string[];
  /** True when some grant behind it is undeclared (see {@link ReviewGrant.undeclared}). */
  readonly undeclared: boolean;
  readonly grants: readonly ReviewGrant[];
  /** For an edge between two functions, the caller's code that uses it; absent when the caller has no record. */
  readonly evidence?: EdgeEvidence;
}

/** The effective graph as reviewers read it: every grant judged against the declaration, access per function. */
export interface ReviewGraph {
  readonly functions: readonly GraphFunction[];
  readonly grants: readonly ReviewGrant[];
  /** Sorted by function, then invoker. */
  readonly invocations: readonly Invocation[];
  /** Which secrets each function's account may read (the engine's, unchanged). */
  readonly secretGrants: readonly SecretGrant[];
  /** The callers that are not functions (the engine's, unchanged). */
  readonly sources: readonly GraphSource[];
}

/**
 * Judges each grant of the engine's graph against the declaration as the program deployed it. Who may invoke
 * whom comes from the graph's own edges and external invokers (the one extractor); grants only add detail.
 *
 * @param uses per edge, the call sites that use it (engine `edgeCallSites`); without them no edge has evidence.
 */
export function reviewGraph(graph: EffectiveGraph, uses: readonly EdgeUse[] = []): ReviewGraph {
  const evidenceOf = evidenceLookup(uses);
  const byName = new Map(graph.functions.map((f) => [f.name, f]));
  const sourceNames = new Set(graph.sources.map((s) => s.name));
  const grants = graph.grants.map((g): ReviewGrant => {
    const invoker = g.callerFunction ?? g.callerSource?.name ?? g.member;
    return {
      ...g,
      invoker,
      kind: invokerKind(g.member, g.callerFunction, g.callerSource?.name),
      undeclared: undeclaredReasons(g, byName),
    };
  });

  const pairs = new Map<string, { function: string; invoker: string }>();
  for (const e of graph.edges) pairs.set(`${e.to}\0${e.from}`, { function: e.to, invoker: e.from });
  for (const e of graph.sourceEdges) pairs.set(`${e.to}\0${e.from}`, { function: e.to, invoker: e.from });
  for (const x of graph.externalInvokers)
    pairs.set(`${x.function}\0${x.member}`, { function: x.function, invoker: x.member });

  const byInvoker = new Map<string, ReviewGrant[]>();
  for (const g of grants) byInvoker.set(g.invoker, [...(byInvoker.get(g.invoker) ?? []), g]);
  const invocations = [...pairs.values()].map(({ function: fn, invoker }): Invocation => {
    const behind = (byInvoker.get(invoker) ?? []).filter((g) => g.scope === "project" || g.target === fn);
    const evidence = evidenceOf(invoker, fn);
    return {
      function: fn,
      invoker,
      kind:
        behind[0]?.kind ??
        invokerKind(
          invoker,
          byName.has(invoker) ? invoker : undefined,
          sourceNames.has(invoker) ? invoker : undefined,
        ),
      roles: [...new Set(behind.map((g) => g.role))].sort(),
      undeclared: behind.some((g) => g.undeclared.length > 0),
      grants: behind,
      ...(evidence ? { evidence } : {}),
    };
  });
  invocations.sort((a, b) => compare(`${a.function}\0${a.invoker}`, `${b.function}\0${b.invoker}`));
  return {
    functions: graph.functions,
    grants,
    invocations,
    secretGrants: graph.secretGrants,
    sources: graph.sources,
  };
}

/** The members a function was deployed to admit, or undefined when it does not say (an older program). */
export function declaredInvokers(fn: GraphFunction): readonly string[] | undefined {
  const raw = fn.environment[DECLARED_INVOKERS_ENV];
  if (typeof raw !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.every((m) => typeof m === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function undeclaredReasons(g: Grant, byName: ReadonlyMap<string, GraphFunction>): string[] {
  const reasons: string[] = [];
  if (!g.managed) reasons.push(`made outside the callgraph components (${resourceLabel(g.resource)})`);
  if (g.scope === "project") {
    reasons.push("project-level: applies to every function of the project, present and future");
    return reasons;
  }
  const fn = byName.get(g.target);
  if (!fn) {
    reasons.push(`on "${g.target}", which the program does not define`);
    return reasons;
  }
  const declared = declaredInvokers(fn);
  if (declared && !declared.includes(g.member))
    reasons.push(`not among ${possessive(fn.name)} declared invokers`);
  return reasons;
}

/** `FunctionIamMember "rogue"`: the resource's class and logical name, as written in the program. */
export function resourceLabel(resource: { readonly type: string; readonly name: string }): string {
  return `${resource.type.slice(resource.type.lastIndexOf(":") + 1)} "${resource.name}"`;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
