import { Command, type CommanderError } from "commander";
import { registerAudit } from "./options/audit";
import { registerCheck } from "./options/check";
import { registerDiff } from "./options/diff";
import { registerGraph } from "./options/graph";
import { registerInvoke } from "./options/invoke";
import { registerLocal } from "./options/local";
import { registerPreflight } from "./options/preflight";
import { registerTypes } from "./options/types";
import { EXIT } from "./errors";
import { CommandLineError, reportError } from "./report-error";
import { packageInfo } from "./package-info";
import { filterMetadataLookupWarning } from "./metadata-warning";

/** The `callgraph` command line. Every command reads the graph from the resources the program registers. */
export function buildProgram(): Command {
  const program: Command = new Command("callgraph")
    .description("Review, check and run a declared Cloud Functions call graph (see README.md).")
    .version(PACKAGE.version, "-V, --version", "print callgraph's version")
    // Commander prints nothing itself: every error goes through reportError, as one line.
    .configureOutput({ outputError: () => undefined, writeErr: () => undefined })
    .exitOverride(rethrowFor(undefined, () => program.commands.map((c) => c.name())))
    // Which command runs, for its error lines (`callgraph: <command>: ...`); see `main`.
    .hook("preAction", (_program, command) => {
      running.set(program, command.name());
    });
  registerGraph(program);
  registerDiff(program);
  registerCheck(program);
  registerInvoke(program);
  registerLocal(program);
  registerPreflight(program);
  registerAudit(program);
  registerTypes(program);
  return withExitCodes(program);
}

/** The command each program built by {@link buildProgram} is running, once its action starts. */
const running = new WeakMap<Command, string>();

/** The exit codes, as each command's help ends with them. */
export const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT.ok}  success
  ${EXIT.finding}  a finding: a policy violation, a --fail-on hit, a refused invoke (HTTP >= 400), a failed local scenario
  ${EXIT.usage}  a usage or input error: bad flags, a bad or missing stack file, a bad topology, a missing file
  ${EXIT.internal}  an internal error (a bug): set CALLGRAPH_DEBUG=1 for the stack trace
Errors are one line on stderr, naming the command: callgraph: <command>: <why>. <how to fix>
`;

/** Every command (those registered above too) ends its help with the exit codes and reports its own errors. */
function withExitCodes(program: Command): Command {
  program.addHelpText("after", EXIT_CODES_HELP);
  for (const command of program.commands) {
    command.exitOverride(rethrowFor(command.name())).addHelpText("after", EXIT_CODES_HELP);
  }
  return program;
}

function rethrowFor(
  command: string | undefined,
  subcommands: () => string[] = () => [],
): (error: CommanderError) => never {
  return (error) => {
    throw new CommandLineError(command, error, subcommands());
  };
}

const PACKAGE = packageInfo();

/** Where `main` writes errors and reads `CALLGRAPH_DEBUG`; tests pass their own. */
export interface MainIo {
  readonly writeErr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Runs the CLI and returns its exit code (also set as `process.exitCode`): 0 success, 1 a finding, 2 a usage
 * or input error, 3 a bug. Errors are printed by {@link reportError}, never with a stack trace unless
 * `CALLGRAPH_DEBUG=1`.
 */
export async function main(
  argv: readonly string[] = process.argv,
  io: MainIo = { writeErr: (text) => process.stderr.write(text), env: process.env },
): Promise<number> {
  let exitCode: number;
  process.exitCode = undefined;
  filterMetadataLookupWarning(io.env);
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    // A command that printed an answer with a finding (a refused invoke) sets process.exitCode itself.
    exitCode = Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    const report = reportError(error, {
      debug: io.env.CALLGRAPH_DEBUG === "1",
      version: PACKAGE.version,
      bugsUrl: typeof PACKAGE.bugs === "string" ? PACKAGE.bugs : PACKAGE.bugs?.url,
      command: running.get(program),
    });
    for (const line of report.lines) io.writeErr(`${line}\n`);
    exitCode = report.exitCode;
  }
  process.exitCode = exitCode;
  return exitCode;
}

if (require.main === module) void main();
