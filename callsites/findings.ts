import { suggestion } from "../topology/suggestion";
import { siteLocation, type CallSite, type CallSiteReport, type DynamicCallSite } from "./report";

/**
 * What comparing the declaration with the code finds:
 * - `undeclared-call` (error): the code calls a callee its function does not declare; the call would fail
 *   with 403 (or UndeclaredCalleeError) in production, so nothing should deploy;
 * - `unused-edge` (warning): a declared edge no code calls, a grant nobody needs;
 * - `dynamic-call` (advisory): a site the checker cannot pin to names.
 */
export type CallSiteFindingKind = "undeclared-call" | "unused-edge" | "dynamic-call";

export interface CallSiteFinding {
  readonly kind: CallSiteFindingKind;
  readonly severity: "error" | "warning" | "advisory";
  /** The caller. */
  readonly function: string;
  /** The callee, for `undeclared-call` and `unused-edge`. */
  readonly callee?: string;
  /** For `undeclared-call`: no function of the stack has the callee's name (renamed, removed, a typo). */
  readonly unknownCallee?: boolean;
  /** Config path, as validation reports it (`functions.search`). */
  readonly path: string;
  /** What is wrong and how to fix it, without the path. */
  readonly message: string;
  /** Where in the code: every site of an undeclared callee, or the dynamic site. */
  readonly sites: readonly (CallSite | DynamicCallSite)[];
}

/** The evidence behind one declared edge, for `graph` and `diff`. */
export interface EdgeUse {
  readonly caller: string;
  readonly callee: string;
  /** Sites passing this callee; empty when none does. */
  readonly callSites: readonly CallSite[];
  /** The caller's dynamic sites: each could be this edge's use, so an edge with any is never "unused". */
  readonly dynamic: readonly DynamicCallSite[];
}

/**
 * What the comparisons read of a report: the sites, not the inputs they came from, so a reader holding the sites
 * a resource records (engine/call-sites.ts) compares them the same way.
 */
export type CallSiteEvidence = Pick<CallSiteReport, "function" | "callSites" | "dynamic">;

/** `functions.search: code calls "login" (…)`: the one-line form, as validation errors print. */
export function formatFinding(finding: CallSiteFinding): string {
  return `${finding.path}: ${finding.message}`;
}

/**
 * Per declared edge (caller -> callee in `calls`), the sites that use it.
 *
 * @param declared function name -> its declared `calls`.
 * @throws Error when a declared function has no report (the caller forgot to extract it).
 */
export function edgeUses(
  declared: Readonly<Record<string, readonly string[]>>,
  reports: readonly CallSiteEvidence[],
): EdgeUse[] {
  const byFunction = reportsByFunction(declared, reports);
  return Object.keys(declared)
    .sort()
    .flatMap((caller) => {
      const report = byFunction.get(caller)!;
      return [...new Set(declared[caller])].sort().map((callee) => ({
        caller,
        callee,
        callSites: report.callSites.filter((s) => s.callee === callee),
        dynamic: report.dynamic,
      }));
    });
}

/**
 * Compares each function's declared calls with what its code calls. A dynamic site could call anything
 * declared, so a function with one has no provably unused edge: its edges are not reported unused, and its
 * dynamic finding says which edges it leaves unproven. It cannot make an undeclared call either way: the
 * client refuses an undeclared name at run time (UndeclaredCalleeError), so a dynamic site is advisory.
 *
 * @param functionNames Every function of the stack, when known: a call to a name none has is said to be one, with the
 *   nearest name, since declaring the edge cannot fix it.
 * @returns findings sorted by function, then kind (errors first), callee and site.
 */
export function compareCallSites(
  declared: Readonly<Record<string, readonly string[]>>,
  reports: readonly CallSiteEvidence[],
  functionNames?: readonly string[],
): CallSiteFinding[] {
  const byFunction = reportsByFunction(declared, reports);
  const findings: CallSiteFinding[] = [];
  for (const name of Object.keys(declared).sort()) {
    const report = byFunction.get(name)!;
    const calls = new Set(declared[name]);
    const path = `functions.${name}`;
    const called = new Map<string, CallSite[]>();
    for (const site of report.callSites) called.set(site.callee, [...(called.get(site.callee) ?? []), site]);
    for (const [callee, sites] of [...called].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (calls.has(callee)) continue;
      const where = `code calls ${JSON.stringify(callee)} (${sites.map(siteLocation).join(", ")}), but `;
      // A name no function has (one renamed or removed, a typo) cannot be fixed by declaring the edge.
      const known = functionNames === undefined || functionNames.includes(callee);
      const others = (functionNames ?? []).filter((n) => n !== name);
      findings.push({
        kind: "undeclared-call",
        severity: "error",
        function: name,
        callee,
        ...(known ? {} : { unknownCallee: true }),
        path,
        message: known
          ? `${where}${JSON.stringify(callee)} is not in ${path}.calls. Add it to ${path}.calls in the ` +
            `declaration, or remove the call`
          : `${where}no function is named ${JSON.stringify(callee)}${suggestion(callee, others)}. Call a ` +
            `declared function (and add it to ${path}.calls), or remove the call`,
        sites,
      });
    }
    const unproven = [...calls].filter((callee) => !called.has(callee)).sort();
    if (report.dynamic.length === 0) {
      for (const callee of unproven) {
        findings.push({
          kind: "unused-edge",
          severity: "warning",
          function: name,
          callee,
          path,
          message:
            `${path}.calls declares ${JSON.stringify(callee)}, but no code of ${name} calls it: an unused ` +
            `grant. Remove it from ${path}.calls, or call it`,
          sites: [],
        });
      }
    }
    for (const site of report.dynamic) {
      const leaves = unproven.length > 0 ? `; it leaves ${quoteList(unproven)} unproven` : "";
      findings.push({
        kind: "dynamic-call",
        severity: "advisory",
        function: name,
        path,
        message:
          `code at ${siteLocation(site)} reaches a callee the checker cannot name (${site.expression}), so it could ` +
          `be any declared one${leaves}. Make it checkable: pass a string literal, a const, or a value typed ` +
          `as a union of literals (e.g. "a" | "b")`,
        sites: [site],
      });
    }
  }
  return findings;
}

function reportsByFunction(
  declared: Readonly<Record<string, readonly string[]>>,
  reports: readonly CallSiteEvidence[],
): Map<string, CallSiteEvidence> {
  const byFunction = new Map(reports.map((r) => [r.function, r]));
  const missing = Object.keys(declared).filter((name) => !byFunction.has(name));
  if (missing.length > 0)
    throw new Error(`no call-site report for ${quoteList(missing)}; extract every declared function first`);
  return byFunction;
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(", ");
}
