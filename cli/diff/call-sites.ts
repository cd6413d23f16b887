import type { EdgeUse } from "../../callsites";
import { evidenceLookup, isUnused } from "../review/edge-evidence";
import type { Change, GraphDiff } from "./types";

/**
 * The diff with each added edge's call sites at head (engine `edgeCallSites` of the head's evaluation), and an
 * added edge that no code calls given a reason of its own: a grant nothing needs is access an attacker who takes
 * over the caller gets for free. Its risk stays that of a new edge; `--fail-on unused` is how a team makes it
 * fatal. A project-level grant names no callee, so it gets no evidence.
 */
export function withCallSites(diff: GraphDiff, uses: readonly EdgeUse[]): GraphDiff {
  const evidenceOf = evidenceLookup(uses);
  const changes = diff.changes.map((c): Change => {
    if (c.kind !== "grant-added" || c.invokerKind !== "function" || c.scope === "project") return c;
    const evidence = evidenceOf(c.invoker, c.function);
    if (evidence === undefined) return c;
    const reasons = isUnused(evidence)
      ? [
          ...c.reasons,
          `unused grant: no code of ${c.invoker} calls "${c.function}"; call it, or remove "${c.function}" from functions.${c.invoker}.calls`,
        ]
      : c.reasons;
    return { ...c, reasons, evidence };
  });
  return { ...diff, changes };
}

/** An added edge between two functions that no code of the caller calls, not even dynamically. */
export function isUnusedEdgeAdded(change: Change): boolean {
  return change.kind === "grant-added" && change.evidence !== undefined && isUnused(change.evidence);
}
