import type { GraphDiff, Revisions } from "../diff/types";
import { jsonDocument } from "./json-document";

/** The diff for machines: what was compared, whether anything changed, and the diff itself, as typed. */
export function renderDiffJson(diff: GraphDiff, revisions: Revisions): string {
  return jsonDocument("diff", { ...revisions, empty: diff.changes.length === 0, ...diff });
}
