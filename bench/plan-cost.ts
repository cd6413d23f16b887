import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate } from "../engine";
import { median, peakHeapMb, time } from "./measure";
import { benchConfig, ringTopology } from "./topologies";

const ROOT = path.resolve(__dirname, "..");
const FLAT = path.join(__dirname, "flat-program");

export interface PlanCost {
  readonly functions: number;
  readonly resources: number;
  readonly programMs: number;
  readonly flatMs: number;
  readonly programHeapMb: number;
  readonly flatHeapMb: number;
}

/**
 * Evaluation time of the real program for `n` functions (each calling three others) against the baseline:
 * the same custom resources registered flat with the same @pulumi/gcp classes (bench/flat-program). Runs are
 * interleaved, medians compared, so machine noise hits both sides alike.
 */
export async function measurePlanCost(n: number, runs = 5): Promise<PlanCost> {
  const config = benchConfig(ringTopology(n));
  const reference = await evaluate({ config }); // also warms module loading and the archive cache
  const custom = reference.resources.filter((r) => r.custom);
  const file = path.join(ROOT, ".callgraph", `flat-${n}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(custom));
  process.env.CALLGRAPH_FLAT_RESOURCES = file;
  await evaluate({ programDir: FLAT, config }); // warm

  const program: number[] = [];
  const flat: number[] = [];
  for (let i = 0; i < runs; i++) {
    program.push(await time(() => evaluate({ config })));
    flat.push(await time(() => evaluate({ programDir: FLAT, config })));
  }
  const flatCount = (await evaluate({ programDir: FLAT, config })).resources.length;
  if (flatCount !== custom.length) throw new Error(`baseline registered ${flatCount} resources, expected ${custom.length}`);
  return {
    functions: n,
    resources: reference.resources.length,
    programMs: median(program),
    flatMs: median(flat),
    programHeapMb: await peakHeapMb(() => evaluate({ config })),
    flatHeapMb: await peakHeapMb(() => evaluate({ programDir: FLAT, config })),
  };
}

if (require.main === module) {
  void (async () => {
    for (const n of (process.argv[2] ?? "300").split(",").map(Number)) {
      const r = await measurePlanCost(n);
      console.log(`${n} functions (${r.resources} resources): program ${r.programMs.toFixed(0)} ms, flat ${r.flatMs.toFixed(0)} ms, ratio ${(r.programMs / r.flatMs).toFixed(2)}x; heap ${r.programHeapMb.toFixed(1)} MB vs ${r.flatHeapMb.toFixed(1)} MB`);
    }
  })();
}
