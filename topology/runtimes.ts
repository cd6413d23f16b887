import type { TopologyIssue } from "./errors";
import type { Topology } from "./model";
import type { Generation } from "./schema";

/** One Node.js runtime as one generation of Cloud Functions offers it. */
export interface RuntimeSupport {
  readonly generation: Generation;
  /** Runtime id, as the Cloud Functions API spells it: `nodejs22`. */
  readonly runtime: string;
  /** First day of the deprecation period (UTC, `YYYY-MM-DD`): deploys still work, but warn. None scheduled: absent. */
  readonly deprecated?: string;
  /** First day of the decommission period: from then on, no function can be created or updated with it. */
  readonly decommissioned?: string;
  /** Where the dates come from. */
  readonly source: string;
}

const GEN1_PAGE = "https://cloud.google.com/functions/1stgendocs/runtime-support#node.js";
const GEN2_PAGE = "https://cloud.google.com/functions/docs/runtime-support#node.js";
/** Cloud Run functions' own runtime schedule, where nodejs24's dates are given. */
const RUN_FUNCTIONS_PAGE = "https://cloud.google.com/run/docs/runtimes/function-runtimes";

/**
 * The Node.js runtimes of Cloud Functions, per generation, with their deprecation and decommission dates as
 * Google's "Runtime support" pages give them (the 1st-gen and the 2nd-gen page list the same dates). The one
 * table the program validates `runtime` against; `callgraph preflight` asks the project itself
 * (`runtimes.list`), since Google refuses `nodejs22` on 1st gen in many newer projects although the page lists
 * it ("Runtime \"nodejs22\" is not supported on GCF Gen1": firebase/firebase-functions#1653,
 * GetStream/stream-firebase-extensions#711, #797). Runtimes older than nodejs10 are left out: their
 * decommission dates are given to the month only, and they are long gone.
 */
// prettier-ignore
export const NODE_RUNTIMES: readonly RuntimeSupport[] = [
  // nodejs24: 2nd gen only ("Runtime \"nodejs24\" is not supported on GCF Gen1": HugoGresse/open-feedback#1677).
  { generation: 2, runtime: "nodejs24", deprecated: "2028-04-30", decommissioned: "2028-10-31", source: RUN_FUNCTIONS_PAGE },
  { generation: 1, runtime: "nodejs22", deprecated: "2027-04-30", decommissioned: "2027-10-31", source: GEN1_PAGE },
  { generation: 2, runtime: "nodejs22", deprecated: "2027-04-30", decommissioned: "2027-10-31", source: GEN2_PAGE },
  // 1st gen's dates are also quoted from Google's notice in RevenueCat/firestore-revenuecat-purchases#116.
  { generation: 1, runtime: "nodejs20", deprecated: "2026-04-30", decommissioned: "2026-10-30", source: GEN1_PAGE },
  { generation: 2, runtime: "nodejs20", deprecated: "2026-04-30", decommissioned: "2026-10-30", source: GEN2_PAGE },
  { generation: 1, runtime: "nodejs18", deprecated: "2025-04-30", decommissioned: "2025-10-30", source: GEN1_PAGE },
  { generation: 2, runtime: "nodejs18", deprecated: "2025-04-30", decommissioned: "2025-10-30", source: GEN2_PAGE },
  { generation: 1, runtime: "nodejs16", deprecated: "2024-01-30", decommissioned: "2025-01-30", source: GEN1_PAGE },
  { generation: 2, runtime: "nodejs16", deprecated: "2024-01-30", decommissioned: "2025-01-30", source: GEN2_PAGE },
  { generation: 1, runtime: "nodejs14", deprecated: "2024-01-30", decommissioned: "2025-01-30", source: GEN1_PAGE },
  { generation: 2, runtime: "nodejs14", deprecated: "2024-01-30", decommissioned: "2025-01-30", source: GEN2_PAGE },
  { generation: 1, runtime: "nodejs12", deprecated: "2024-01-30", decommissioned: "2025-01-30", source: GEN1_PAGE },
  { generation: 2, runtime: "nodejs12", deprecated: "2024-01-30", decommissioned: "2025-01-30", source: GEN2_PAGE },
  { generation: 1, runtime: "nodejs10", deprecated: "2024-01-30", decommissioned: "2025-01-30", source: GEN1_PAGE },
  { generation: 2, runtime: "nodejs10", deprecated: "2024-01-30", decommissioned: "2025-01-30", source: GEN2_PAGE },
];

/** The runtime of every function that sets none, in both generations. */
export const DEFAULT_RUNTIME = "nodejs22";

/** How the generations are called in messages. */
export function generationName(generation: Generation): string {
  return generation === 1 ? "Cloud Functions 1st gen" : "Cloud Run functions (2nd gen)";
}

const shortName = (generation: Generation) => (generation === 1 ? "1st gen" : "2nd gen");

/** `YYYY-MM-DD` of `today` in UTC, the form the table's dates are in (so they compare as strings). */
export function isoDay(today: Date): string {
  return today.toISOString().slice(0, 10);
}

/** The table's row for `runtime` on `generation`, if that generation has ever offered it. */
export function runtimeSupport(generation: Generation, runtime: string): RuntimeSupport | undefined {
  return NODE_RUNTIMES.find((r) => r.generation === generation && r.runtime === runtime);
}

/** The runtimes `generation` accepts for a deploy on `today` (not decommissioned), oldest first. */
export function acceptedRuntimes(generation: Generation, today: Date): string[] {
  const day = isoDay(today);
  return NODE_RUNTIMES.filter(
    (r) => r.generation === generation && (r.decommissioned === undefined || day < r.decommissioned),
  )
    .map((r) => r.runtime)
    .sort((a, b) => versionOf(a) - versionOf(b));
}

function versionOf(runtime: string): number {
  return Number(runtime.replace(/^nodejs/, ""));
}

/**
 * Why `runtime` cannot be deployed on `generation` on `today`, or `undefined` when it can. Names the runtimes the
 * generation accepts, which is the fix. `origin` names where the value was set when that is not the function's
 * own `runtime` key (e.g. `callgraph:runtime`).
 */
export function runtimeProblem(
  generation: Generation,
  runtime: string,
  today: Date,
  origin?: string,
): string | undefined {
  const row = runtimeSupport(generation, runtime);
  const id = `${JSON.stringify(runtime)}${origin ? ` (from ${origin})` : ""}`;
  const accepted = acceptedRuntimes(generation, today);
  // An empty list means this table is out of date: Google never leaves a generation without a runtime for long.
  const accepts = `(${shortName(generation)} accepts: ${accepted.length > 0 ? accepted.join(", ") : "none in callgraph's table; update topology/runtimes.ts"})`;
  if (!row) return `${id} is not offered by ${generationName(generation)} ${accepts}`;
  if (row.decommissioned !== undefined && isoDay(today) >= row.decommissioned) {
    return `${id} was decommissioned on ${generationName(generation)} on ${row.decommissioned} and can no longer be deployed ${accepts}`;
  }
  return undefined;
}

/**
 * A warning when `runtime` is deprecated on `generation` on `today` (still deployable, not for long), or
 * `undefined`.
 */
export function runtimeDeprecation(generation: Generation, runtime: string, today: Date): string | undefined {
  const row = runtimeSupport(generation, runtime);
  if (!row?.deprecated || isoDay(today) < row.deprecated) return undefined;
  if (row.decommissioned !== undefined && isoDay(today) >= row.decommissioned) return undefined;
  const newer = acceptedRuntimes(generation, today).filter((r) => versionOf(r) > versionOf(runtime));
  const move =
    newer.length > 0
      ? `move to ${newer.join(" or ")}`
      : generation === 1
        ? "move the function to 2nd gen (`generation: 2`), which offers newer runtimes"
        : "watch the runtime support page for its successor";
  const until = row.decommissioned ? ` and is decommissioned on ${row.decommissioned}` : "";
  return `${JSON.stringify(runtime)} is deprecated on ${generationName(generation)} since ${row.deprecated}${until}: ${move} (${row.source})`;
}

/**
 * Every function whose runtime is deprecated on its generation on `today`: still deployable, so a warning (the
 * program logs it with `pulumi.log.warn`), not an error. Pure, so the model stays free of logging.
 */
export function runtimeWarnings(topology: Topology, today: Date = new Date()): TopologyIssue[] {
  return topology.functions.flatMap((f) => {
    const warning = runtimeDeprecation(f.generation, f.runtime, today);
    return warning ? [{ path: `functions.${f.name}.runtime`, message: warning }] : [];
  });
}

/**
 * The esbuild `target` of a bundle for `runtime`: `nodejs22` -> `node22`, so the bundle uses exactly the syntax
 * the platform's Node.js runs. https://esbuild.github.io/api/#target
 */
export function esbuildTarget(runtime: string): string {
  const match = /^nodejs(\d+)$/.exec(runtime);
  if (!match) throw new Error(`not a Node.js runtime: ${JSON.stringify(runtime)}`);
  return `node${match[1]}`;
}
