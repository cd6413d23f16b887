import type { Command } from "commander";
import { planScenario, runScenario, startLocalStack, type CheckResult, type LocalStack } from "../../local";
import { programOptions, withProgramOptions } from "../program-options";
import { CheckFailed } from "../errors";

interface LocalFlags {
  readonly stack?: string;
  readonly dir?: string;
  readonly once?: boolean;
  readonly quiet?: boolean;
}

export function registerLocal(program: Command): void {
  withProgramOptions(
    program
      .command("local")
      .description(
        "run the whole call graph on this machine: real bundles, real ID tokens, real invoker checks",
      )
      .option("--once", "run the scenario and exit: 0 only if every expectation held")
      .option("-q, --quiet", "do not print the functions' logs"),
  ).action(async (flags: LocalFlags) => runLocal(flags));
}

async function runLocal(flags: LocalFlags): Promise<void> {
  const { stack: stackName, dir } = programOptions(flags);
  const out = (line = "") => process.stdout.write(`${line}\n`);
  out(`Evaluating the program (stack ${stackName}) and starting the local stack...`);
  const stack = await startLocalStack({
    programDir: dir,
    stack: stackName,
    log: flags.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stack.stop());
  try {
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
    if (flags.once) {
      if (failed.length > 0)
        throw new CheckFailed(
          `local --once: ${failed.length} of ${results.length} expectations failed. See the FAIL lines above`,
        );
      return;
    }
    out(
      `State: .callgraph/local.json. Try: npx callgraph invoke ${Object.keys(stack.functions)[0]} --as <function|member> --local`,
    );
    out("Serving until Ctrl-C.");
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
    });
    out("Stopping...");
  } finally {
    await stop();
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
