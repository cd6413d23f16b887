/**
 * How much a finding matters to the next `pulumi up`:
 * - `blocker`: the deploy would fail, or would break an invariant of callgraph (e.g. a key on a function's
 *   account); exit 1.
 * - `warning`: the deploy goes through, but something the user relies on will not work (e.g. `invoke --as`).
 * - `not-visible`: the check could not be made (a 403, an API not enabled): never reported as clean.
 * - `note`: what preflight decided and why, where a reader could expect a finding (e.g. an API that is off
 *   but that the program enables itself).
 */
export type Severity = "blocker" | "warning" | "not-visible" | "note";

/** The checks, in the order they are reported. */
export const CHECKS = [
  "apis",
  "runtimes",
  "permissions",
  "members",
  "org-policies",
  "service-accounts",
  "project-number",
  "service-agents",
] as const;
export type CheckId = (typeof CHECKS)[number];

export interface Finding {
  readonly check: CheckId;
  readonly severity: Severity;
  /** What it is about: an API, a function, a permission, a member, a constraint, an account. */
  readonly subject: string;
  /** What is wrong (or, for a note, what was decided), in one or two sentences. */
  readonly problem: string;
  /** How to fix it: a gcloud command or a change to the stack config. */
  readonly fix?: string;
  /** The documentation or public issue the finding rests on. */
  readonly source?: string;
}

/** One check's outcome, for the summary: the worst severity among its findings, or `ok`. */
export interface CheckSummary {
  readonly check: CheckId;
  readonly result: "ok" | Severity;
  /** What was looked at, e.g. "8 APIs" or "3 functions in us-central1". */
  readonly examined: string;
}

export interface PreflightReport {
  /** Version of this JSON shape; bumped on any incompatible change. */
  readonly schemaVersion: 1;
  readonly stack: string;
  readonly project: string;
  /** `--api-root` / `CALLGRAPH_GOOGLE_API_ROOT`, when set. */
  readonly apiRoot?: string;
  /** False when a blocker was found, or (unless `strict` is off) a check was not visible. */
  readonly passed: boolean;
  readonly checks: readonly CheckSummary[];
  readonly findings: readonly Finding[];
}

/** A read of the live project that may have been refused: never mistaken for an empty answer. */
export type Observed<T> =
  | { readonly visible: true; readonly value: T }
  | { readonly visible: false; readonly status?: number; readonly message: string; readonly reason?: string };
