import type { GraphDiff, Revisions } from "../diff/types";

/** The diff for machines: what was compared, whether anything changed, and the diff itself, as typed. */
export function renderDiffJson(diff: GraphDiff, revisions: Revisions): string {
  return JSON.stringify({ ...revisions, empty: diff.changes.length === 0, ...diff }, null, 2);
}
