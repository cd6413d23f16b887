import type { ReviewGraph } from "../review/review-graph";
import { COLOURS, edgeLabel, sourceLabel } from "./graph-mermaid";

/** Each kind of caller that is not a function in its own Graphviz shape (https://graphviz.org/doc/info/shapes.html). */
const SOURCE_DOT_SHAPES: Readonly<Record<string, string>> = {
  scheduler: "hexagon",
  pubsub: "cds",
  tasks: "cylinder",
  workflow: "component",
  eventarc: "doublecircle",
};

/**
 * The graph in Graphviz DOT (`callgraph graph --format dot | dot -Tsvg`): functions as boxes labelled with their
 * service account, callers that are not functions in their kind's shape, other invokers as ellipses (public ones red), undeclared edges dashed orange; an edge is
 * labelled with its call sites (or `unused`) when they were recorded.
 * https://graphviz.org/doc/info/lang.html
 */
export function renderGraphDot(graph: ReviewGraph): string {
  const lines = ["digraph callgraph {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];'];
  for (const f of graph.functions)
    lines.push(
      `  ${dotId(f.name)} [label=${dotId(`${f.name}\n${f.serviceAccount || "(default account)"}`)}];`,
    );
  for (const x of graph.sources)
    lines.push(
      `  ${dotId(x.name)} [shape=${SOURCE_DOT_SHAPES[x.kind]}, label=${dotId(`${sourceLabel(x.name, x.kind)}\n${x.serviceAccount || "(no account)"}`)}];`,
    );
  const members = new Set<string>();
  for (const i of graph.invocations) {
    if (i.kind === "function" || i.kind === "source" || members.has(i.invoker)) continue;
    members.add(i.invoker);
    const colour = i.kind === "public" ? `, color="${COLOURS.public}", fontcolor="${COLOURS.public}"` : "";
    lines.push(`  ${dotId(i.invoker)} [shape=ellipse${colour}];`);
  }
  for (const i of graph.invocations) {
    const label = edgeLabel(i);
    const attributes = [
      ...(i.undeclared ? [`style=dashed, color="${COLOURS.undeclared}"`] : []),
      ...(label ? [`label=${dotId(label)}`] : []),
    ];
    const style = attributes.length > 0 ? ` [${attributes.join(", ")}]` : "";
    lines.push(`  ${dotId(i.invoker)} -> ${dotId(i.function)}${style};`);
  }
  lines.push("}");
  return lines.join("\n");
}

/** A DOT quoted id: any text, with quotes and backslashes escaped and newlines as DOT's centred line break. */
export function dotId(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}
