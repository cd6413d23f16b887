import type { Change, GrantFacts, GraphDiff, Revisions } from "../diff/types";
import { isUnused } from "../review/edge-evidence";
import { resourceLabel } from "../review/review-graph";
import { changeTitle, revisionsPhrase, summaryPhrase } from "./change-labels";
import { painter, type Paint } from "./colour";
import { evidenceText } from "./edge-evidence-text";
import { RISK_STYLE } from "./risk-style";
import { plural } from "./words";

/**
 * The diff for a terminal: the same heading, summary and rows as the pull-request comment, most worrying
 * first, as plain text. Each row is one line (risk, kind of change, what) with its reasons indented below; no
 * diagram and no caps (`--format json` and the comment are for large changes). Colour only when `colour` is
 * true: the command decides it from the terminal and `NO_COLOR` (./colour.ts). An added edge lists the call
 * sites that use it; an unused one says so among its reasons.
 */
export function renderDiffText(diff: GraphDiff, revisions: Revisions, colour = false): string {
  const paint = painter(colour);
  const phrase = revisionsPhrase(revisions, (text) => text);
  const out: string[] = [];
  if (diff.changes.length === 0) {
    out.push(
      paint("bold", "Call graph: no change"),
      `${phrase}: no function, edge, invoker or service-account change.`,
    );
  } else {
    const { high, medium, low } = diff.counts;
    out.push(
      paint("bold", `Call graph: ${high} high · ${medium} medium · ${low} low`),
      `${phrase}: this change ${summaryPhrase(diff)}.`,
      "",
      ...rows(diff.changes, paint),
    );
  }
  out.push(...standing(diff.standingUndeclared));
  return `${out.join("\n")}\n`;
}

function rows(changes: readonly Change[], paint: Paint): string[] {
  const word = Math.max(...changes.map((c) => RISK_STYLE[c.risk].word.length));
  const title = Math.max(...changes.map((c) => changeTitle(c).length));
  return changes.flatMap((c) => {
    const { word: label, style } = RISK_STYLE[c.risk];
    return [
      `${paint(style, label.padEnd(word))}  ${changeTitle(c).padEnd(title)}  ${c.subject}`,
      ...c.reasons.map((reason) => `${" ".repeat(word + 2)}${reason}`),
      ...(c.kind === "grant-added" && c.evidence && !isUnused(c.evidence)
        ? [`${" ".repeat(word + 2)}call sites: ${evidenceText(c.evidence)}`]
        : []),
    ];
  });
}

function standing(grants: readonly GrantFacts[]): string[] {
  if (grants.length === 0) return [];
  return [
    "",
    `${plural(grants.length, "undeclared grant")} already at base (not changed here):`,
    ...grants.flatMap((g) => [
      `  ${g.member} → ${g.function === "*" ? "every function" : g.function}  ${g.role}  ${g.resources.map(resourceLabel).join(", ")}`,
      `    ${g.undeclared.join("; ")}`,
    ]),
  ];
}
