import type { CallSite, DynamicCallSite, EdgeUse } from "../../callsites";

/**
 * Why an edge between two functions exists, in the caller's code: the sites that pass the callee's name, and
 * the caller's dynamic sites (a name the checker could not resolve could be this callee, so an edge with one is
 * never called unused). Present only for a caller whose component recorded its call sites: a program that does
 * not extract them says nothing about use, which no reader may take as "unused".
 */
export interface EdgeEvidence {
  readonly callSites: readonly CallSite[];
  readonly dynamic: readonly DynamicCallSite[];
}

/** No code of the caller calls the callee, and no dynamic call could: a grant nothing needs. */
export function isUnused(evidence: EdgeEvidence): boolean {
  return evidence.callSites.length === 0 && evidence.dynamic.length === 0;
}

/** Looks up the evidence for `caller -> callee` among the engine's edge uses (engine `edgeCallSites`). */
export function evidenceLookup(
  uses: readonly EdgeUse[],
): (caller: string, callee: string) => EdgeEvidence | undefined {
  const byEdge = new Map(
    uses.map((u) => [`${u.caller}\0${u.callee}`, { callSites: u.callSites, dynamic: u.dynamic }]),
  );
  return (caller, callee) => byEdge.get(`${caller}\0${callee}`);
}
