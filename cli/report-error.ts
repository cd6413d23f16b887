import { CommanderError } from "commander";
import { CallSitesRecordError } from "../engine/call-sites";
import { EvaluationError } from "../engine/evaluation-error";
import { StackConfigError } from "../engine/stack-config";
import { GitError } from "./git";
import { EXIT, type ExitCode } from "./errors";

/** What the user sees for an error, and the exit code. */
export interface ErrorReport {
  /** The lines to print on stderr, each without its newline. */
  readonly lines: readonly string[];
  readonly exitCode: ExitCode;
}

/** A commander error (unknown option, missing argument...) raised while parsing `command`'s arguments. */
export class CommandLineError extends Error {
  constructor(
    /** The subcommand being parsed, or undefined for the top level. */
    readonly command: string | undefined,
    readonly commander: CommanderError,
    /** The commands it has, for a missing command. */
    readonly subcommands: readonly string[] = [],
  ) {
    super(commander.message);
    this.name = "CommandLineError";
  }
}

/**
 * The one error path of the CLI. Every error becomes `callgraph: <command>: <what>: <why>. <how to fix>` on one line; an
 * error that lists several problems (an invalid topology) puts each on a following line, indented by two
 * spaces. Exit codes: see {@link EXIT}. Anything not known as the user's doing is a bug: one line saying so, and
 * the stack trace only with `CALLGRAPH_DEBUG=1`.
 */
export function reportError(
  error: unknown,
  context: {
    readonly debug: boolean;
    readonly version: string;
    readonly bugsUrl?: string;
    /**
     * The command that was running (`check`, `local`...): every line then names it, `callgraph: check: ...`, so an
     * error in a CI log or a script that runs several says whose it is. A message that already starts with it
     * (`diff --fail-on: ...`, `local --stack dev: ...`) keeps its own words.
     */
    readonly command?: string;
  },
): ErrorReport {
  if (error instanceof CommandLineError) return commandLineReport(error);
  const exitCode = exitCodeOf(error);
  const named = (message: string) => withCommand(context.command, message);
  if (exitCode !== EXIT.internal) return { lines: messageLines(named(messageOf(error))), exitCode };
  const where = context.bugsUrl ? ` at ${context.bugsUrl}` : "";
  const lines = [
    `callgraph: ${named(`internal error: ${oneLine(messageOf(error))}`)}. This is a bug in callgraph ${context.version}: ` +
      `please report it${where} with the command you ran` +
      (context.debug ? "" : " (CALLGRAPH_DEBUG=1 prints the stack trace)"),
  ];
  if (context.debug && error instanceof Error && error.stack) lines.push(...error.stack.split("\n"));
  return { lines, exitCode };
}

/** 1 for a finding, 2 for a usage or input error, 3 for anything else (a bug). */
export function exitCodeOf(error: unknown): ExitCode {
  const declared = (error as { exitCode?: unknown } | null)?.exitCode;
  if (error instanceof Error && (declared === EXIT.finding || declared === EXIT.usage)) return declared;
  // The program failing on its input (an invalid topology, a bundle that does not build), an unreadable stack
  // file, a git revision that cannot be checked out, a program that records call sites in a shape this callgraph
  // does not read (another version's, or its own component of that type): all are about the user's files, not
  // callgraph's code.
  if (
    error instanceof EvaluationError ||
    error instanceof StackConfigError ||
    error instanceof GitError ||
    error instanceof CallSitesRecordError
  )
    return EXIT.usage;
  return EXIT.internal;
}

/** `message` after `command: `, unless it already starts with the command's name (`diff --fail-on: ...`). */
function withCommand(command: string | undefined, message: string): string {
  if (command === undefined) return message;
  return message === command || message.startsWith(`${command}:`) || message.startsWith(`${command} `)
    ? message
    : `${command}: ${message}`;
}

const USAGE_HINT = (command: string | undefined) =>
  command ? `Run "callgraph ${command} --help" for its usage` : `Run "callgraph --help" to list the commands`;

function commandLineReport(error: CommandLineError): ErrorReport {
  const { code } = error.commander;
  // `callgraph help [command]` is help asked for: commander ends it with code 0 (help({ error: false })).
  if (
    code === "commander.helpDisplayed" ||
    code === "commander.version" ||
    (code === "commander.help" && error.commander.exitCode === 0)
  )
    return { lines: [], exitCode: EXIT.ok };
  if (code === "commander.help")
    // Help asked for by an error: a command that needs a subcommand was given none.
    return {
      lines: [
        `callgraph: missing command: give one of ${error.subcommands.join(", ")}. ${USAGE_HINT(error.command)}`,
      ],
      exitCode: EXIT.usage,
    };
  const why = oneLine(error.commander.message.replace(/^error:\s*/, "")).replace(/\.$/, "");
  return {
    lines: [`callgraph: ${error.command ?? "command line"}: ${why}. ${USAGE_HINT(error.command)}`],
    exitCode: EXIT.usage,
  };
}

/** The message's first line after `callgraph: `; any further lines (a list of problems) indented below it. */
function messageLines(message: string): string[] {
  const [first, ...rest] = message.split("\n").filter((line) => line.trim() !== "");
  return [`callgraph: ${first ?? "failed"}`, ...rest.map((line) => `  ${line.trim()}`)];
}

function oneLine(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ");
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" && message !== "" ? message : String(error);
}
