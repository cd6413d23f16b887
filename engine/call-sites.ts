import {
  compareCallSites,
  edgeUses,
  type CallSite,
  type CallSiteEvidence,
  type CallSiteFinding,
  type DynamicCallSite,
  type EdgeUse,
} from "../callsites";
import type { EffectiveGraph, RegisteredResource } from "./types";

/** The component that records a function's call sites (components/service-function.ts). */
export const SERVICE_FUNCTION_TYPE = "callgraph:index:ServiceFunction";

/** One function's call sites, as its component recorded them when the program ran. */
export interface RecordedFunctionCallSites extends CallSiteEvidence {
  /** URN of the component that recorded them. */
  readonly urn: string;
}

/** A component output that is not the record the program writes: the program and its readers disagree. */
export class CallSitesRecordError extends Error {
  constructor(urn: string, why: string) {
    super(
      `${urn}: its callSites output ${why}. The program that registered it writes another shape than this ` +
        `reader expects: run the callgraph of the same version as the program`,
    );
    this.name = "CallSitesRecordError";
  }
}

/**
 * The call sites every function's component recorded in its outputs (as every callgraph that records them does),
 * sorted by function. A function whose component recorded none (a program that does not extract them) is absent:
 * not extracted, which no reader may take as "calls nothing".
 *
 * @throws CallSitesRecordError when a record does not have the shape the program writes.
 */
export function callSitesOf(resources: readonly RegisteredResource[]): RecordedFunctionCallSites[] {
  return resources
    .filter((r) => r.type === SERVICE_FUNCTION_TYPE && r.outputs.callSites !== undefined)
    .map((r) => readRecord(r))
    .sort((a, b) => (a.function < b.function ? -1 : a.function > b.function ? 1 : 0));
}

/**
 * Each function's effective callees (who its account may invoke, from the registered grants: the same graph
 * `graph`, `diff` and `check` show), compared with what its code calls: an undeclared call (error), a grant no
 * code uses (warning) and each site the checker could not name (advisory). Functions without a record are left
 * out; so are grants to a caller this stack does not define.
 */
export function callSiteFindings(
  graph: EffectiveGraph,
  recorded: readonly CallSiteEvidence[],
): CallSiteFinding[] {
  return compareCallSites(
    effectiveCalls(graph, recorded),
    recorded,
    graph.functions.map((f) => f.name),
  );
}

/** Per effective edge whose caller has a record: the sites that use it, for `graph` and `diff` to show. */
export function edgeCallSites(graph: EffectiveGraph, recorded: readonly CallSiteEvidence[]): EdgeUse[] {
  return edgeUses(effectiveCalls(graph, recorded), recorded);
}

/** caller -> callees its account may invoke, for every caller with a record (none when it may invoke nothing). */
function effectiveCalls(
  graph: EffectiveGraph,
  recorded: readonly CallSiteEvidence[],
): Record<string, string[]> {
  const calls: Record<string, string[]> = Object.fromEntries(recorded.map((r) => [r.function, []]));
  for (const edge of graph.edges) calls[edge.from]?.push(edge.to);
  return calls;
}

function readRecord(resource: RegisteredResource): RecordedFunctionCallSites {
  const { urn } = resource;
  const name = resource.outputs.functionName;
  if (typeof name !== "string") throw new CallSitesRecordError(urn, "comes without a string functionName");
  const record = resource.outputs.callSites as { callSites?: unknown; dynamic?: unknown } | null;
  if (typeof record !== "object" || record === null || Array.isArray(record))
    throw new CallSitesRecordError(urn, "is not an object");
  if (!Array.isArray(record.callSites) || !record.callSites.every(isCallSite))
    throw new CallSitesRecordError(urn, "has no list of { callee, file, line, column } under callSites");
  if (!Array.isArray(record.dynamic) || !record.dynamic.every(isDynamicSite))
    throw new CallSitesRecordError(urn, "has no list of { file, line, column, expression } under dynamic");
  return { function: name, urn, callSites: record.callSites, dynamic: record.dynamic };
}

function isLocation(value: unknown): value is { file: string; line: number; column: number } {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.file === "string" &&
    Number.isInteger(v.line) &&
    Number.isInteger(v.column)
  );
}

function isCallSite(value: unknown): value is CallSite {
  return isLocation(value) && typeof (value as { callee?: unknown }).callee === "string";
}

function isDynamicSite(value: unknown): value is DynamicCallSite {
  return isLocation(value) && typeof (value as { expression?: unknown }).expression === "string";
}
