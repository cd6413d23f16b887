import { siteLocation } from "../../callsites";
import { isUnused, type EdgeEvidence } from "../review/edge-evidence";

/** Past this many sites an edge names the first ones and counts the rest, so a row stays one readable line. */
const NAMED_SITES = 3;

/** A site as shown: `file:line`, or whatever a renderer makes of it (a link in the pull-request comment). */
export type SiteFormat = (site: { readonly file: string; readonly line: number }) => string;

/**
 * Why an edge exists, in one line: `functions/a/index.ts:14, functions/a/util.ts:3`, dynamic sites marked
 * (`dynamic functions/a/index.ts:20`: it may be this edge's use), the rest counted past a few; `unused` when no
 * code calls the callee.
 */
export function evidenceText(evidence: EdgeEvidence, format: SiteFormat = siteLocation): string {
  if (isUnused(evidence)) return "unused";
  const sites = [
    ...evidence.callSites.map((s) => format(s)),
    ...evidence.dynamic.map((s) => `dynamic ${format(s)}`),
  ];
  const more = sites.length - NAMED_SITES;
  return more > 0 ? `${sites.slice(0, NAMED_SITES).join(", ")}, +${more} more` : sites.join(", ");
}
