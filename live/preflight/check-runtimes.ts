import { describeRefusal } from "./check-apis";
import type { DeclaredFunction } from "./declared";
import type { Finding, Observed } from "./types";

/**
 * One runtime as `projects.locations.runtimes.list` of the Cloud Functions v2 API lists it; the v2 API lists
 * the runtimes of both generations, told apart by `environment` (GEN_1, GEN_2).
 * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.runtimes/list
 */
export interface LiveRuntime {
  readonly name: string;
  readonly environment?: string;
  /** RUNTIME_STAGE_UNSPECIFIED, DEVELOPMENT, ALPHA, BETA, GA, DEPRECATED, DECOMMISSIONED. */
  readonly stage?: string;
  readonly deprecationDate?: GoogleDate;
  readonly decommissionDate?: GoogleDate;
  readonly warnings?: readonly string[];
}

/** `google.type.Date`. */
export interface GoogleDate {
  readonly year?: number | null;
  readonly month?: number | null;
  readonly day?: number | null;
}

export const RUNTIMES_LIST_SOURCE =
  "https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.runtimes/list";

const ENVIRONMENT = { 1: "GEN_1", 2: "GEN_2" } as const;

/**
 * Whether each function's runtime is offered for its generation in its region, as the project itself answers
 * (`runtimes` maps region -> what runtimes.list returned there). Not offered, decommissioned, or past its
 * decommission date: blocker. Deprecated, or past its deprecation date: warning.
 */
export function checkRuntimes(
  functions: readonly DeclaredFunction[],
  runtimes: ReadonlyMap<string, Observed<readonly LiveRuntime[]>>,
  today: Date,
): Finding[] {
  const findings: Finding[] = [];
  for (const f of functions) {
    const listed = runtimes.get(f.region);
    const subject = `${f.name} (gen ${f.generation}, ${f.runtime}, ${f.region})`;
    if (!listed || !listed.visible) {
      findings.push({
        check: "runtimes",
        severity: "not-visible",
        subject,
        problem: `could not list the runtimes of ${f.region} (${listed ? describeRefusal(listed) : "not read"})`,
        fix: `enable cloudfunctions.googleapis.com, or run \`gcloud functions runtimes list --region=${f.region}${f.generation === 1 ? " --no-gen2" : ""}\``,
        source: RUNTIMES_LIST_SOURCE,
      });
      continue;
    }
    const env = ENVIRONMENT[f.generation];
    const offered = listed.value.filter((r) => r.environment === env);
    const match = offered.find((r) => r.name === f.runtime);
    const usable = offered.filter((r) => !isDecommissioned(r, today)).map((r) => r.name);
    const choose = `set the function's runtime to one that gen ${f.generation} offers in ${f.region}: ${usable.join(", ") || "(none listed)"}`;
    if (!match) {
      findings.push({
        check: "runtimes",
        severity: "blocker",
        subject,
        problem: `${f.runtime} is not offered for gen ${f.generation} (${env}) in ${f.region}.`,
        fix: `${choose}; or deploy it as ${f.generation === 1 ? "2nd gen (`generation: 2`)" : "1st gen"} if that generation offers ${f.runtime}`,
        source: RUNTIMES_LIST_SOURCE,
      });
    } else if (isDecommissioned(match, today)) {
      findings.push({
        check: "runtimes",
        severity: "blocker",
        subject,
        problem: `${f.runtime} is decommissioned for gen ${f.generation}${dateSuffix(" since", match.decommissionDate)}.`,
        fix: choose,
        source: RUNTIMES_LIST_SOURCE,
      });
    } else if (match.stage === "DEPRECATED" || isPast(match.deprecationDate, today)) {
      findings.push({
        check: "runtimes",
        severity: "warning",
        subject,
        problem:
          `${f.runtime} is deprecated for gen ${f.generation}${dateSuffix(" since", match.deprecationDate)}` +
          `${dateSuffix("; decommissioned on", match.decommissionDate)}.`,
        fix: choose,
        source: RUNTIMES_LIST_SOURCE,
      });
    }
  }
  return findings;
}

function isDecommissioned(r: LiveRuntime, today: Date): boolean {
  return r.stage === "DECOMMISSIONED" || isPast(r.decommissionDate, today);
}

/** True when the date is set and is today or earlier (UTC). */
function isPast(date: GoogleDate | undefined, today: Date): boolean {
  const iso = isoDate(date);
  return iso !== undefined && iso <= today.toISOString().slice(0, 10);
}

function isoDate(date: GoogleDate | undefined): string | undefined {
  if (!date?.year || !date.month || !date.day) return undefined;
  return `${String(date.year).padStart(4, "0")}-${String(date.month).padStart(2, "0")}-${String(date.day).padStart(2, "0")}`;
}

function dateSuffix(words: string, date: GoogleDate | undefined): string {
  const iso = isoDate(date);
  return iso ? `${words} ${iso}` : "";
}
