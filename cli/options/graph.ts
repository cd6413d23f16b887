import { Option, type Command } from "commander";
import { withProgramOptions } from "../program-options";
import { implementation } from "./implementation";

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
    const { graphCommand } = implementation("graph");
    process.stdout.write(`${await graphCommand(flags)}\n`);
  });
}
