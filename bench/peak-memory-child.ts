import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate } from "../engine";

/**
 * Child of bench/peak-memory.ts: evaluates one program once in this fresh process and prints its peak resident
 * set, and how far that rose above the level before the evaluation, once every module it needs was loaded.
 * Arguments: the program folder and a JSON file with the config.
 */
async function main(): Promise<void> {
  const [programDir, configFile] = process.argv.slice(2);
  const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>;
  // The relay fixture's dynamic call sites make the program warn once per function (bench/topologies.ts): lines
  // the parent would only buffer, and strings this process would hold while its peak is measured.
  console.warn = () => undefined;
  // Load what the evaluation loads (the engine is loaded already), so only the evaluation's own memory counts.
  require(path.join(programDir, "index.ts"));
  require("@pulumi/gcp");
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  const evaluation = await evaluate({ programDir, config });
  const peak = process.resourceUsage().maxRSS * 1024; // KiB
  process.stdout.write(
    JSON.stringify({
      growthMb: (peak - before) / 2 ** 20,
      peakMb: peak / 2 ** 20,
      resources: evaluation.resources.length,
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
