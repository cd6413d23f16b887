import type { GraphEdge } from "../engine";

/** One edge of the effective graph and the real calls that went across it. */
export interface EdgeCount {
  readonly from: string;
  readonly to: string;
  /** False for a grant made outside the callgraph components (an undeclared edge). */
  readonly managed: boolean;
  readonly calls: number;
}

/**
 * Counts, per edge of the effective graph (the registered grants from one function's account to another
 * function), the calls a function's own code made across it: a request through the callee's front end, with the
 * caller's token, allowed, and not made by the scenario or `invoke` on the caller's behalf (a probe). So a user
 * sees which grants their run exercised, and which it never needed.
 */
export class EdgeCoverage {
  private readonly counts = new Map<string, number>();

  constructor(private readonly edges: readonly GraphEdge[]) {
    for (const edge of edges) this.counts.set(key(edge.from, edge.to), 0);
  }

  /** Records one call `from -> to`; returns the edge's new count, or undefined when it is no edge of the graph. */
  record(from: string, to: string): number | undefined {
    const k = key(from, to);
    const count = this.counts.get(k);
    if (count === undefined) return undefined;
    this.counts.set(k, count + 1);
    return count + 1;
  }

  /** Every edge with its count, in the graph's order. */
  report(): EdgeCount[] {
    return this.edges.map((e) => ({ ...e, calls: this.counts.get(key(e.from, e.to)) ?? 0 }));
  }
}

/**
 * `edge coverage: 2 of 3 edges exercised; not exercised: a -> c`, or `... all exercised` when none is missing.
 * An edge the declaration does not hold (a grant written outside the components) is marked `(undeclared)`.
 */
export function coverageSummary(report: readonly EdgeCount[]): string {
  if (report.length === 0) return "edge coverage: the graph has no function-to-function edge";
  const label = (e: EdgeCount) => `${e.from} -> ${e.to}${e.managed ? "" : " (undeclared)"}`;
  const missing = report.filter((e) => e.calls === 0);
  const exercised = report.length - missing.length;
  const head = `edge coverage: ${exercised} of ${report.length} ${report.length === 1 ? "edge" : "edges"} exercised`;
  return missing.length === 0
    ? `${head}, all of them`
    : `${head}; not exercised: ${missing.map(label).join(", ")}`;
}

/** One line per edge: `a -> b  3 calls`, for the end of a run. */
export function coverageLines(report: readonly EdgeCount[]): string[] {
  const labels = report.map((e) => `${e.from} -> ${e.to}${e.managed ? "" : " (undeclared)"}`);
  const width = Math.max(0, ...labels.map((l) => l.length));
  return report.map(
    (e, i) =>
      `  ${labels[i].padEnd(width)}  ${e.calls === 0 ? "not exercised" : `${e.calls} ${e.calls === 1 ? "call" : "calls"}`}`,
  );
}

function key(from: string, to: string): string {
  return `${from}\0${to}`;
}
