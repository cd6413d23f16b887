import { callSitesOf, edgeCallSites, evaluate, propagationWaits } from "../../engine";
import type { GraphFlags } from "../options/graph";
import { programOptions } from "../program-options";
import { renderGraphDot } from "../render/graph-dot";
import { renderGraphJson } from "../render/graph-json";
import { renderGraphMermaid } from "../render/graph-mermaid";
import { renderGraphTable } from "../render/graph-table";
import { reviewGraph } from "../review/review-graph";

/** Evaluates the program and renders its effective graph: the whole of `callgraph graph` but the printing. */
export async function graphCommand(flags: GraphFlags): Promise<string> {
  const { stack, dir } = programOptions(flags);
  const evaluation = await evaluate({ programDir: dir, stack, preview: flags.preview ?? false });
  const uses = edgeCallSites(evaluation.graph, callSitesOf(evaluation.resources));
  const graph = reviewGraph(evaluation.graph, uses);
  const heading = { stack, project: evaluation.project };
  const waits = propagationWaits(evaluation.resources);
  switch (flags.format ?? "table") {
    case "table":
      return renderGraphTable(graph, heading, waits);
    case "mermaid":
      return renderGraphMermaid(graph);
    case "dot":
      return renderGraphDot(graph);
    case "json":
      return renderGraphJson(graph, heading, waits);
  }
}
