import { Command, CommanderError } from "commander";
import { EvaluationError } from "../engine";
import { registerCheck } from "./commands/check";
import { registerDiff } from "./commands/diff";
import { registerGraph } from "./commands/graph";
import { registerInvoke } from "./commands/invoke";
import { registerLocal } from "./commands/local";
import { CheckFailed, UsageError } from "./errors";

/** The `callgraph` command line. Every command reads the graph from the resources the program registers. */
export function buildProgram(): Command {
  const program = new Command("callgraph")
    .description("Review, check and run a declared Cloud Functions call graph (see README.md).")
    .showHelpAfterError()
    .exitOverride();
  registerGraph(program);
  registerDiff(program);
  registerCheck(program);
  registerInvoke(program);
  registerLocal(program);
  return program;
}

/** Runs the CLI; user mistakes and failed checks print a message and exit 1, bugs keep their stack. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof UsageError || error instanceof CheckFailed || error instanceof EvaluationError) {
      process.stderr.write(`callgraph: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

if (require.main === module) void main();
