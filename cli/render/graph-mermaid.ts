import type { Invocation, ReviewGraph } from "../review/review-graph";
import { evidenceText } from "./edge-evidence-text";
import { Flowchart, NodeIds, type NodeShape } from "./mermaid-syntax";
import { sourceKindWords } from "../../engine";

/**
 * Each kind of caller that is not a function has its own node shape, the same in the graph and the diff: a
 * Scheduler job a hexagon, a push subscription a flag, a queue a cylinder, a workflow a subroutine, an Eventarc
 * trigger a circle (https://mermaid.js.org/syntax/flowchart.html#node-shapes).
 */
export const SOURCE_SHAPES: Readonly<Record<string, NodeShape>> = {
  scheduler: "hexagon",
  pubsub: "asymmetric",
  tasks: "cylinder",
  workflow: "subroutine",
  eventarc: "circle",
};

/** A source's node label: its name and what it is (`nightly · Cloud Scheduler job`). */
export function sourceLabel(name: string, kind: string | undefined): string {
  return kind ? `${name} · ${sourceKindWords(kind) ?? kind}` : name;
}

/** Colours shared by the graph and the diff, so a reviewer learns them once. */
export const COLOURS = {
  added: "#1a7f37",
  removed: "#cf222e",
  undeclared: "#bc4c00",
  context: "#8c959f",
  public: "#cf222e",
} as const;

/**
 * The whole graph as a Mermaid flowchart: functions as boxes, callers that are not functions in their kind's shape
 * ({@link SOURCE_SHAPES}), other invokers as stadiums (public ones red),
 * an arrow per "may invoke"; arrows backed by an undeclared grant are dotted orange and labelled. An edge whose
 * call sites were recorded is labelled with them (or `unused`).
 */
export function renderGraphMermaid(graph: ReviewGraph): string {
  const chart = new Flowchart("LR");
  const fns = new NodeIds("f");
  const members = new NodeIds("m");
  const sources = new NodeIds("s");
  const kindOf = new Map(graph.sources.map((x) => [x.name, x.kind]));
  chart.classDef("public", `fill:#ffebe9,stroke:${COLOURS.public},color:${COLOURS.public}`);
  for (const f of graph.functions) chart.node(fns.get(f.name), f.name);
  for (const x of graph.sources)
    chart.node(sources.get(x.name), sourceLabel(x.name, x.kind), SOURCE_SHAPES[x.kind]);
  for (const i of graph.invocations) {
    if (i.kind !== "function" && i.kind !== "source" && !members.has(i.invoker)) {
      chart.node(members.get(i.invoker), i.invoker, "stadium", i.kind === "public" ? "public" : undefined);
    }
  }
  for (const i of graph.invocations) {
    if (i.kind === "source" && !sources.has(i.invoker))
      chart.node(sources.get(i.invoker), sourceLabel(i.invoker, kindOf.get(i.invoker)), "hexagon");
    const from =
      i.kind === "function"
        ? fns.get(i.invoker)
        : i.kind === "source"
          ? sources.get(i.invoker)
          : members.get(i.invoker);
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
