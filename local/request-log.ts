/**
 * A request header the scenario and `callgraph invoke --local` send: the call is made by a tool on an identity's
 * behalf, not by a function's code, so it is marked in the request log and never counts toward edge coverage.
 * The front end removes it before the function sees the request.
 */
export const PROBE_HEADER = "x-callgraph-probe";

/** What the front end decided before the function ran. */
export type Decision = "allowed" | "401" | "403" | "404" | "400";

/** One request through a front end, as the request log shows it. */
export interface RequestRecord {
  /** When the request arrived. */
  readonly at: Date;
  /** Who called: a function's name for its account, else the IAM member; undefined without a valid token. */
  readonly caller?: string;
  /** The function called. */
  readonly function: string;
  readonly method: string;
  readonly decision: Decision;
  /** Why the front end refused (401 and 403), in its own words. */
  readonly why?: string;
  /** The status the client got; 0 when the connection ended without an answer. */
  readonly status: number;
  readonly ms: number;
  /** Made by the scenario or `invoke`, not by a function's code. */
  readonly probe: boolean;
  /** For an allowed call from one function to another: that edge's calls so far, and the run's coverage. */
  readonly edge?: { readonly calls: number; readonly exercised: number; readonly total: number };
}

/** Refusals and errors: what `--quiet` keeps. */
export function isNotable(record: RequestRecord): boolean {
  return record.decision !== "allowed" || record.status === 0 || record.status >= 400;
}

/**
 * One line a person can follow while clicking around:
 * `12:03:04  group:developers@example.com -> alpha  allowed  200  12 ms`, refusals with their reason
 * (`403 alpha may not invoke gamma`), the first call across an edge with the run's coverage.
 */
export function formatRequest(record: RequestRecord): string {
  const time = record.at.toTimeString().slice(0, 8);
  const decision =
    record.decision === "allowed" ? "allowed" : `${record.decision} ${record.why ?? ""}`.trim();
  const status = record.status === 0 ? "no answer" : String(record.status);
  const notes: string[] = [];
  if (record.probe) notes.push("probe");
  if (record.edge?.calls === 1)
    notes.push(`first call across this edge: ${record.edge.exercised} of ${record.edge.total} exercised`);
  return [
    time,
    `${record.caller ?? "anonymous"} -> ${record.function}`,
    `${record.method}`,
    decision,
    status,
    `${record.ms} ms`,
    ...(notes.length > 0 ? [`(${notes.join("; ")})`] : []),
  ].join("  ");
}
