import type { Command } from "commander";
import { withProgramOptions } from "../program-options";
import { implementation } from "./implementation";

export interface LocalFlags {
  readonly stack?: string;
  readonly dir?: string;
  readonly once?: boolean;
  readonly quiet?: boolean;
  readonly watch?: boolean;
  readonly break?: readonly string[];
  /** `true` (every job) or the jobs named. */
  readonly schedules?: true | readonly string[];
}

export function registerLocal(program: Command): void {
  withProgramOptions(
    program
      .command("local")
      .description(
        "run the whole call graph on this machine: real bundles, real ID tokens, real invoker checks; serves until Ctrl-C, rebuilding and restarting a function when its source changes, and the stack when its stack file does",
      )
      .option(
        "--once",
        "run the scenario and exit: 0 only if every expectation held (runs beside a serving stack, touching none of its files)",
      )
      .option("-q, --quiet", "log only refused requests, error answers and the functions' errors")
      .option(
        "--no-watch",
        "do not rebuild and restart functions when their source or the stack file changes",
      )
      .option(
        "--break <caller>",
        "run a caller that is not a function (callgraph:callers) as a missing grant breaks it in GCP: its service agent may not mint its tokens, so nothing it sends arrives, and the log says why (repeat for several)",
        (value: string, previous: readonly string[] = []) => [
          ...previous,
          ...value.split(",").filter(Boolean),
        ],
      )
      .option(
        "--schedules [jobs]",
        "fire Cloud Scheduler jobs (callgraph:callers with scheduler) on their own schedules while serving, in their time zones: every job, or those named (comma-separated)",
        (value: string, previous: true | readonly string[] | undefined) => [
          ...(Array.isArray(previous) ? previous : []),
          ...value.split(",").filter(Boolean),
        ],
      ),
  ).action((flags: LocalFlags) => implementation("local").runLocal(flags));
}
