import type { DiffInvocation, GraphDiff } from "../diff/types";
import { COLOURS, SOURCE_SHAPES, sourceLabel } from "./graph-mermaid";
import { Flowchart, NodeIds } from "./mermaid-syntax";

export interface DiffDiagram {
  readonly text: string;
  readonly nodes: number;
  /** Changed links left out to keep the diagram renderable. */
  readonly omitted: number;
}

/** GitHub renders Mermaid up to a size; past a few hundred links a diagram is unreadable anyway. */
const DEFAULT_MAX_LINKS = 150;

/**
 * The changed part of the graph: every function the change touches, added links green, removed links red and
 * dotted, links added through an undeclared grant orange and labelled, and the unchanged links between the
 * touched functions grey for context (dropped first when space runs out). Undefined when nothing is drawn.
 */
export function renderDiffMermaid(diff: GraphDiff, maxLinks = DEFAULT_MAX_LINKS): DiffDiagram | undefined {
  const touched = new Set<string>();
  for (const f of diff.functions) if (f.status !== "kept") touched.add(f.name);
  const changed = diff.invocations.filter((i) => i.status !== "kept");
  for (const i of changed) {
    touched.add(i.function);
    if (i.kind === "function") touched.add(i.invoker);
  }
  for (const c of diff.changes) {
    if ((c.kind === "service-account-changed" || c.kind === "grant-undeclared") && c.function !== "*")
      touched.add(c.function);
  }
  if (touched.size === 0) return undefined;

  const drawn = changed.slice(0, maxLinks);
  const context = diff.invocations
    .filter(
      (i) =>
        i.status === "kept" && i.kind === "function" && touched.has(i.function) && touched.has(i.invoker),
    )
    .slice(0, Math.max(0, maxLinks - drawn.length));

  const chart = new Flowchart("LR");
  chart.classDef("added", `stroke:${COLOURS.added},stroke-width:3px`);
  chart.classDef("removed", `stroke:${COLOURS.removed},stroke-width:2px,stroke-dasharray:5 5`);
  chart.classDef("renamed", "stroke:#0969da,stroke-width:3px");
  chart.classDef("public", `fill:#ffebe9,stroke:${COLOURS.public},color:${COLOURS.public}`);
  const fns = new NodeIds("f");
  const members = new NodeIds("m");
  const byName = new Map(diff.functions.map((f) => [f.name, f]));
  const functionNode = (name: string) => {
    if (!fns.has(name)) {
      const f = byName.get(name);
      const label = f?.previousName ? `${f.previousName} → ${name}` : name;
      chart.node(fns.get(name), label, "box", f && f.status !== "kept" ? f.status : undefined);
    }
    return fns.get(name);
  };
  for (const name of [...touched].sort()) functionNode(name);
  const sources = new NodeIds("s");
  const invokerNode = (i: DiffInvocation) => {
    if (i.kind === "function") return functionNode(i.invoker);
    if (i.kind === "source") {
      if (!sources.has(i.invoker))
        chart.node(
          sources.get(i.invoker),
          sourceLabel(i.invoker, i.sourceKind),
          SOURCE_SHAPES[i.sourceKind ?? ""] ?? "hexagon",
        );
      return sources.get(i.invoker);
    }
    if (!members.has(i.invoker))
      chart.node(members.get(i.invoker), i.invoker, "stadium", i.kind === "public" ? "public" : undefined);
    return members.get(i.invoker);
  };
  for (const i of [...drawn, ...context]) {
    const from = invokerNode(i);
    const to = functionNode(i.function);
    if (i.status === "removed")
      chart.link(from, to, "dotted", {
        style: `stroke:${COLOURS.removed},stroke-width:2px,stroke-dasharray:5 5`,
      });
    else if (i.status === "added" && i.undeclared)
      chart.link(from, to, "thick", {
        label: "undeclared",
        style: `stroke:${COLOURS.undeclared},stroke-width:3px`,
      });
    else if (i.status === "added")
      chart.link(from, to, "thick", { style: `stroke:${COLOURS.added},stroke-width:3px` });
    else chart.link(from, to, "solid", { style: `stroke:${COLOURS.context},stroke-width:1px` });
  }
  return { text: chart.render(), nodes: touched.size, omitted: changed.length - drawn.length };
}
