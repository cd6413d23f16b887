import * as os from "node:os";
import * as path from "node:path";
import {
  acquireServingLock,
  coverageLines,
  coverageSummary,
  formatRequest,
  isNotable,
  killFunctionProcesses,
  planScenario,
  runScenario,
  StackAlreadyServing,
  startLocalStack,
  type CheckResult,
  type LocalStack,
  type LogSource,
  type ServingLock,
} from "../../local";
import { evaluateLocally } from "../../local/demo-principals";
import { startDevLoop, type DevLoop } from "../../local/dev-loop";
import type { LocalFlags } from "../options/local";
import { programOptions } from "../program-options";
import { CheckFailed, UsageError } from "../errors";

/** `callgraph local`: runs the stack and its scenario, then serves until a signal (or exits, with --once). */
export async function runLocal(flags: LocalFlags): Promise<void> {
  const { stack: stackName, dir } = programOptions(flags);
  if (flags.once && flags.schedules)
    throw new UsageError(
      "local: --schedules fires jobs while the stack serves, and --once exits after the scenario. Drop one of them",
    );
  const schedules =
    flags.schedules === undefined ? undefined : flags.schedules === true ? ("all" as const) : flags.schedules;
  if (Array.isArray(schedules) && schedules.length === 0)
    throw new UsageError(
      "local --schedules: name at least one job, or none for every job (--schedules alone)",
    );
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  // Only a serving stack owns the stack's lock and description; a --once run leaves both alone.
  const lock = flags.once ? undefined : servingLock(dir, stackName);
  const signals = stopOnSignal(() => lock?.release());
  try {
    out(`Evaluating the program (stack ${stackName}) and starting the local stack...`);
    const log = (line: string, from: LogSource) => {
      if (!flags.quiet || from !== "stdout") err(line);
    };
    const start = () =>
      startLocalStack({
        programDir: dir,
        stack: stackName,
        stateFile: lock?.manifestFile ?? false,
        broken: flags.break ?? [],
        ...(schedules === undefined ? {} : { schedules }),
        log,
        onRequest: (record) => {
          if (!flags.quiet || isNotable(record)) err(formatRequest(record));
        },
      });
    // The stack serving now: the development loop replaces it when the declaration changes.
    let stack = await start();
    let loop: DevLoop | undefined;
    try {
      if (!flags.once && flags.watch !== false)
        loop = startDevLoop(stack, {
          // As the local stack evaluates (demo identities for principals not set yet), so bundles compare equal.
          evaluate: () => evaluateLocally({ programDir: dir, stack: stackName }, dir),
          log: (line) => log(line, "lifecycle"),
          // The new stack starts beside the old one (its own ports and run folder) and takes over the description
          // once it serves; only then is the old one stopped. If it does not start, the old one serves on.
          restart: async () => {
            const next = await start();
            const previous = stack;
            stack = next;
            await previous.stop();
            return next;
          },
        });
      await serve(() => stack, flags, lock, out, signals.serving);
    } finally {
      await loop?.close();
      await stack.stop();
    }
  } finally {
    signals.dispose();
    lock?.release();
  }
}

/**
 * SIGINT (Ctrl-C) and SIGTERM (`kill`, a process manager, a CI step's timeout, npm passing its own on) end the run
 * at any time. `npm start` is `exec node bin/callgraph.js local` (package.json) so that npm's signal reaches this
 * process: without `exec`, dash (Debian's and Ubuntu's sh) dies of it without passing it on, and with tsx's CLI in
 * between a process busy evaluating may be killed with SIGKILL (tsx escalates when its child does not acknowledge
 * the signal within 30 ms); either way nothing below cleans up, or the stack serves on, orphaned.
 * - While serving, the first signal stops the stack: every function process is stopped, every port closed, the
 *   lock and the description removed, and the run ends with 0.
 * - Before that (evaluating the program, starting the processes, running the scenario), or on a second signal,
 *   the lock is released, every function process started so far is killed, and the process exits at once with
 *   128 + the signal's number, as a shell reports it. Killed, not left to exit when its IPC channel closes
 *   (exit-with-parent.cjs, which covers a CLI killed outright): a function busy in its own code at that moment, such
 *   as a module whose top level never returns, would never get to. esbuild's service exits when its stdin closes, and
 *   the next run removes this run's folder (run-folder.ts).
 */
function stopOnSignal(release: () => void): {
  /** Resolves on the first signal once called: the serving stack's wait. */
  serving: () => Promise<void>;
  dispose: () => void;
} {
  let stop: (() => void) | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (stop) {
      const resolve = stop;
      stop = undefined;
      return resolve();
    }
    release();
    killFunctionProcesses();
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  };
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const signal of signals) process.on(signal, handler);
  return {
    serving: () => new Promise<void>((resolve) => (stop = resolve)),
    dispose: () => {
      for (const signal of signals) process.off(signal, handler);
    },
  };
}

/** The table, the scenario, edge coverage; then, unless --once, serving until Ctrl-C. */
async function serve(
  current: () => LocalStack,
  flags: LocalFlags,
  lock: ServingLock | undefined,
  out: (line?: string) => void,
  stopped: () => Promise<void>,
): Promise<void> {
  const stack = current();
  out();
  out(renderTable(stack));
  out();
  out("Scenario:");
  const results = await runScenario(stack, planScenario(stack));
  for (const r of results) out(renderResult(r));
  const failed = results.filter((r) => !r.ok);
  out();
  out(
    failed.length === 0
      ? `All ${results.length} expectations held.`
      : `${failed.length} of ${results.length} expectations failed.`,
  );
  for (const line of coverage(stack)) out(line);
  if (flags.once) {
    if (failed.length > 0)
      throw new CheckFailed(
        `local --once: ${failed.length} of ${results.length} expectations failed. See the FAIL lines above`,
      );
    return;
  }
  out();
  out(
    `State: ${path.relative(process.cwd(), lock!.manifestFile) || lock!.manifestFile}. Try: npx callgraph invoke ${Object.keys(stack.functions)[0]} --as <function|member> --local`,
  );
  out(
    flags.watch === false
      ? "Serving until Ctrl-C."
      : "Serving until Ctrl-C; a function whose source changes is rebuilt and restarted, and the stack is run again when its stack file or its program changes.",
  );
  await stopped();
  out("Stopping...");
  for (const line of coverage(current())) out(line);
}

/** Real calls across each edge so far, and the one-line summary. */
function coverage(stack: LocalStack): string[] {
  const report = stack.coverage.report();
  return ["", ...coverageLines(report), coverageSummary(report)];
}

/** This checkout's serving lock of the stack, or a usage error naming the process that holds it. */
function servingLock(dir: string, stack: string): ServingLock {
  try {
    return acquireServingLock(dir, stack);
  } catch (error) {
    if (!(error instanceof StackAlreadyServing)) throw error;
    throw new UsageError(
      `local --stack ${stack}: stack ${stack} is already served from this checkout by process ${error.pid} (${path.relative(process.cwd(), error.lockFile) || error.lockFile}). ` +
        `Use it (npx callgraph invoke <function> --local), stop it (Ctrl-C in its terminal, or kill ${error.pid}), or run the scenario beside it with npm start -- --once`,
      { cause: error },
    );
  }
}

function renderTable(stack: LocalStack): string {
  const rows = Object.values(stack.functions)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((f) => [
      f.name,
      f.url,
      f.serviceAccount,
      f.invokers.map((m) => memberLabel(stack, m)).join(", ") || "(nobody)",
    ]);
  const header = ["function", "local URL", "runs as", "may be invoked by"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function memberLabel(stack: LocalStack, member: string): string {
  const fn = Object.values(stack.functions).find((f) => `serviceAccount:${f.serviceAccount}` === member);
  return fn ? fn.name : member;
}

function renderResult(r: CheckResult): string {
  const expected = r.check.expect === "allowed" ? "allowed" : String(r.check.expect);
  return `  ${r.ok ? "ok  " : "FAIL"} ${r.check.title}: expected ${expected}, got ${r.status || "no answer"}${r.ok ? "" : ` (${r.detail})`}`;
}
