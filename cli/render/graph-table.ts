import { sourceKindWords, type PropagationWait } from "../../engine";
import { evidenceText } from "./edge-evidence-text";
import { secretGrantMarks, settingsParts, ungrantedSecrets } from "./function-settings-text";
import { plural } from "./words";
import { INVOKE_ONLY_ROLES } from "../review/members";
import { isUnused } from "../review/edge-evidence";
import { resourceLabel, type Invocation, type ReviewGrant, type ReviewGraph } from "../review/review-graph";

/** The stack a graph belongs to, for headings. */
export interface GraphHeading {
  readonly stack: string;
  readonly project: string;
}

/**
 * The graph for a terminal: one row per function (what it runs as, who may invoke it), then every undeclared
 * grant with the resource that makes it and why it is undeclared, then each edge with the code that calls across
 * it (or `unused`) when call sites were recorded. Marks say what needs a second look.
 */
export function renderGraphTable(
  graph: ReviewGraph,
  heading: GraphHeading,
  waits: readonly PropagationWait[] = [],
): string {
  const undeclared = graph.grants.filter((g) => g.undeclared.length > 0);
  const edges = graph.invocations.filter((i) => i.kind === "function").length;
  const external = new Set(
    graph.invocations.filter((i) => i.kind !== "function" && i.kind !== "source").map((i) => i.invoker),
  ).size;
  const sourceCount = graph.sources.length > 0 ? `${plural(graph.sources.length, "source")}, ` : "";
  const lines = [
    `Stack ${heading.stack} (project ${heading.project}): ${plural(graph.functions.length, "function")}, ${plural(edges, "edge")}, ` +
      `${sourceCount}${plural(external, "other invoker")}, ${plural(undeclared.length, "undeclared grant")}`,
    "",
  ];
  const rows = graph.functions.map((f) => {
    const invokers = graph.invocations.filter((i) => i.function === f.name).map(invokerCell);
    return [
      f.name,
      `gen${f.generation}`,
      f.serviceAccount || "(default account)",
      invokers.join(", ") || "(nobody)",
    ];
  });
  lines.push(...columns([["FUNCTION", "GEN", "RUNS AS", "MAY BE INVOKED BY"], ...rows]));
  if (graph.sources.length > 0) {
    lines.push("", "Sources (callers that are not functions):");
    const sourceRows = graph.sources.map((x) => {
      const may = graph.invocations
        .filter((i) => i.kind === "source" && i.invoker === x.name)
        .map((i) => i.function);
      const missing = x.targets.filter((t) => !may.includes(t));
      return [
        `  ${x.name}`,
        sourceKindWords(x.kind) ?? x.kind,
        x.serviceAccount || "(no account)",
        [
          `calls ${x.targets.join(", ") || "(no function of the stack)"}`,
          ...(missing.length > 0 ? [`[NOT GRANTED] ${missing.join(", ")} will refuse it`] : []),
        ].join(" "),
      ];
    });
    lines.push(...columns(sourceRows));
  }
  if (undeclared.length > 0) {
    lines.push("", "Undeclared grants (not accounted for by the declaration):");
    for (const g of undeclared) lines.push(`  ! ${grantLine(g)}`, `      ${g.undeclared.join("; ")}`);
  }
  const configured = graph.functions.filter((f) => settingsParts(f).length > 0);
  if (configured.length > 0) {
    lines.push("", "Settings (besides memory, timeout and instance limits):");
    lines.push(...columns(configured.map((f) => [`  ${f.name}`, settingsParts(f).join(" · ")])));
  }
  const ungranted = graph.functions.flatMap((f) =>
    ungrantedSecrets(f, graph.secretGrants).map((s) => [f, s] as const),
  );
  if (graph.secretGrants.length > 0 || ungranted.length > 0) {
    lines.push("", "Secret access (which secrets each function's account may read):");
    const rows = graph.secretGrants.map((g) => {
      const marks = secretGrantMarks(g);
      const target = g.scope === "secret" ? g.secret : `every secret of ${g.scope} ${g.secret.split("/")[1]}`;
      return [
        `  ${marks.length > 0 ? "!" : " "} ${g.function} -> ${target}`,
        `${resourceLabel(g.resource)}${marks.length > 0 ? ` [${marks.join(", ")}]` : ""}`,
      ];
    });
    rows.push(
      ...ungranted.map(([f, secret]) => [
        `  ! ${f.name} -> ${secret}`,
        "[NOT GRANTED] no grant lets its account read it: the deployment will fail",
      ]),
    );
    lines.push(...columns(rows));
  }
  const evidenced = graph.invocations.filter((i) => i.evidence !== undefined);
  if (evidenced.length > 0) {
    lines.push("", "Call sites (the code each edge exists for):");
    const edgeRows = evidenced.map((i) => [`  ${i.invoker} -> ${i.function}`, evidenceText(i.evidence!)]);
    lines.push(...columns(edgeRows));
  }
  if (waits.length > 0) {
    lines.push("", "Waits of the first `pulumi up` (each waits once, when created; later ups skip it):");
    lines.push(
      ...columns(
        waits.map((w) => [
          `  ${w.name}`,
          w.duration,
          `after ${plural(w.after.length, "resource")}, before ${plural(w.waitedForBy, "resource")}`,
        ]),
      ),
    );
  }
  lines.push(
    "",
    "Marks: [PUBLIC] anyone may invoke; [UNDECLARED] a grant the declaration does not account for; [UNUSED] no code calls it; [role] beyond invoking (or, on a secret, beyond reading).",
  );
  return lines.join("\n");
}

function invokerCell(i: Invocation): string {
  const marks = [
    ...(i.kind === "public" ? ["PUBLIC"] : []),
    ...(i.undeclared ? ["UNDECLARED"] : []),
    ...(i.evidence && isUnused(i.evidence) ? ["UNUSED"] : []),
    ...i.roles.filter((r) => !INVOKE_ONLY_ROLES.includes(r)),
  ];
  return marks.length > 0 ? `${i.invoker} [${marks.join(", ")}]` : i.invoker;
}

function grantLine(g: ReviewGrant): string {
  const target = g.scope === "project" ? "every function (project-level)" : g.target;
  return `${resourceLabel(g.resource)}: ${g.member} -> ${target} (${g.role})`;
}

function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  "));
}
