import { Option, type Command } from "commander";
import { callSitesOf, edgeCallSites, evaluate, propagationWaits } from "../../engine";
import { programOptions, withProgramOptions } from "../program-options";
import { renderGraphDot } from "../render/graph-dot";
import { renderGraphJson } from "../render/graph-json";
import { renderGraphMermaid } from "../render/graph-mermaid";
import { renderGraphTable } from "../render/graph-table";
import { reviewGraph } from "../review/review-graph";

export const GRAPH_FORMATS = ["table", "mermaid", "dot", "json"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphFlags {
  readonly stack?: string;
  readonly dir?: string;
  readonly format?: GraphFormat;
  readonly preview?: boolean;
}

export function registerGraph(program: Command): void {
  withProgramOptions(
    program
      .command("graph")
      .description(
        "show who may invoke whom in a stack: functions, their service accounts, every invoker grant (undeclared ones marked)",
      )
      .addOption(new Option("-f, --format <format>", "output format").choices(GRAPH_FORMATS).default("table"))
      .option("--preview", "evaluate as `pulumi preview` would (computed outputs unknown)"),
  ).action(async (flags: GraphFlags) => {
    process.stdout.write(`${await graphCommand(flags)}\n`);
  });
}

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
