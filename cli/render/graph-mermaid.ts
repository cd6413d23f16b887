import type { Invocation, ReviewGraph } from "../review/review-graph";
import { evidenceText } from "./edge-evidence-text";
import { Flowchart, NodeIds } from "./mermaid-syntax";

/** Colours shared by the graph and the diff, so a reviewer learns them once. */
export const COLOURS = {
  added: "#1a7f37",
  removed: "#cf222e",
  undeclared: "#bc4c00",
  context: "#8c959f",
  public: "#cf222e",
} as const;

/**
 * The whole graph as a Mermaid flowchart: functions as boxes, other invokers as stadiums (public ones red),
 * an arrow per "may invoke"; arrows backed by an undeclared grant are dotted orange and labelled. An edge whose
 * call sites were recorded is labelled with them (or `unused`).
 */
export function renderGraphMermaid(graph: ReviewGraph): string {
  const chart = new Flowchart("LR");
  const fns = new NodeIds("f");
  const members = new NodeIds("m");
  chart.classDef("public", `fill:#ffebe9,stroke:${COLOURS.public},color:${COLOURS.public}`);
  for (const f of graph.functions) chart.node(fns.get(f.name), f.name);
  for (const i of graph.invocations) {
    if (i.kind !== "function" && !members.has(i.invoker)) {
      chart.node(members.get(i.invoker), i.invoker, "stadium", i.kind === "public" ? "public" : undefined);
    }
  }
  for (const i of graph.invocations) {
    const from = i.kind === "function" ? fns.get(i.invoker) : members.get(i.invoker);
    const label = edgeLabel(i) || undefined;
    if (i.undeclared)
      chart.link(from, fns.get(i.function), "dotted", {
        label,
        style: `stroke:${COLOURS.undeclared},stroke-width:2px`,
      });
    else chart.link(from, fns.get(i.function), "solid", { label });
  }
  return chart.render();
}

/** `undeclared`, the edge's call sites, or both (`undeclared; unused`); empty for a plain declared edge. */
export function edgeLabel(i: Invocation): string {
  return [...(i.undeclared ? ["undeclared"] : []), ...(i.evidence ? [evidenceText(i.evidence)] : [])].join(
    "; ",
  );
}
