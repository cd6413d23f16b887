import * as path from "node:path";
import type { Command } from "commander";
import {
  acquireServingLock,
  coverageLines,
  coverageSummary,
  formatRequest,
  isNotable,
  planScenario,
  runScenario,
  StackAlreadyServing,
  startLocalStack,
  type CheckResult,
  type LocalStack,
  type ServingLock,
} from "../../local";
import { programOptions, withProgramOptions } from "../program-options";
import { CheckFailed, UsageError } from "../errors";

interface LocalFlags {
  readonly stack?: string;
  readonly dir?: string;
  readonly once?: boolean;
  readonly quiet?: boolean;
  readonly watch?: boolean;
}

export function registerLocal(program: Command): void {
  withProgramOptions(
    program
      .command("local")
      .description(
        "run the whole call graph on this machine: real bundles, real ID tokens, real invoker checks; serves until Ctrl-C, rebuilding and restarting a function when its source changes",
      )
      .option(
        "--once",
        "run the scenario and exit: 0 only if every expectation held (runs beside a serving stack, touching none of its files)",
      )
      .option("-q, --quiet", "log only refused requests, error answers and the functions' errors")
      .option("--no-watch", "do not rebuild and restart functions when their source changes"),
  ).action(async (flags: LocalFlags) => runLocal(flags));
}

async function runLocal(flags: LocalFlags): Promise<void> {
  const { stack: stackName, dir } = programOptions(flags);
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  // Only a serving stack owns the stack's lock and description; a --once run leaves both alone.
  const lock = flags.once ? undefined : servingLock(dir, stackName);
  try {
    out(`Evaluating the program (stack ${stackName}) and starting the local stack...`);
    const stack = await startLocalStack({
      programDir: dir,
      stack: stackName,
      stateFile: lock?.manifestFile ?? false,
      watch: !flags.once && flags.watch !== false,
      log: (line, from) => {
        if (!flags.quiet || from !== "stdout") err(line);
      },
      onRequest: (record) => {
        if (!flags.quiet || isNotable(record)) err(formatRequest(record));
      },
    });
    try {
      await serve(stack, flags, lock, out);
    } finally {
      await stack.stop();
    }
  } finally {
    lock?.release();
  }
}

/** The table, the scenario, edge coverage; then, unless --once, serving until Ctrl-C. */
async function serve(
  stack: LocalStack,
  flags: LocalFlags,
  lock: ServingLock | undefined,
  out: (line?: string) => void,
): Promise<void> {
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
      : "Serving until Ctrl-C; a function whose source changes is rebuilt and restarted.",
  );
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
  });
  out("Stopping...");
  for (const line of coverage(stack)) out(line);
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
