/**
 * One `callgraph check`-like run in a fresh process, for bench/callsites.ts: evaluates the program in
 * `programDir` once (twice with `--warm`) and prints one JSON line of timings (ms).
 *
 *   tsx bench/callsites-child.ts PROGRAM_DIR CONFIG_JSON [--warm]
 */
import { extractCallSites } from "../callsites";
import { evaluate } from "../engine";

async function main(): Promise<void> {
  const [programDir, configJson, mode] = process.argv.slice(2);
  const config = JSON.parse(configJson) as Record<string, unknown>;
  const functions = Object.entries(config["callgraph:functions"] as Record<string, { source?: string }>).map(
    ([name, fn]) => ({ name, source: fn.source ?? `functions/${name}` }),
  );
  const timed = async (run: () => Promise<unknown> | unknown): Promise<number> => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  const silence = console.warn;
  console.warn = () => undefined; // the program's warnings (unused edges) are not what is measured
  const evaluation = await timed(() => evaluate({ programDir, config }));
  // What the program's extraction cost when every answer was stored already: hashing the inputs.
  const stored = await timed(() => extractCallSites({ projectRoot: programDir, functions }));
  const result: Record<string, number> = { evaluation, stored, uptime: process.uptime() * 1000 };
  if (mode === "--warm") {
    result.warmEvaluation = await timed(() => evaluate({ programDir, config }));
    result.warmExtraction = await timed(() => extractCallSites({ projectRoot: programDir, functions }));
  }
  console.warn = silence;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
