import * as fs from "node:fs";
import * as path from "node:path";
import { effectiveGraph, evaluate, type Evaluation, type RegisteredResource } from "../engine";
import { mockProjectNumber } from "../engine/gcp-mocks";
import { callersOf, functionEnvironment, invokerMembers, parseStackDeclaration } from "../topology";
import { withEnv } from "./env";
import { median, pairedRatio, sample, time, type Sample } from "./measure";
import { peakMemoryMb, type PeakMemory } from "./peak-memory";
import { benchConfig, ringTopology } from "./topologies";

const ROOT = path.resolve(__dirname, "..");
const FLAT = path.join(__dirname, "flat-program");

export interface PlanCostOptions {
  /** Timed evaluations per side. */
  readonly runs: number;
  /** Fresh processes per side for peak memory; 0 skips memory (its figures are then NaN). */
  readonly memoryRuns: number;
  /** Also time the flat baseline with our components replayed, to tell the SDK's part from our code's. */
  readonly componentsReplay?: boolean;
}

export interface PlanCost {
  readonly functions: number;
  /** Resources our program registers (components included). */
  readonly resources: number;
  readonly runs: number;
  /** Medians of wall time. */
  readonly programMs: number;
  readonly flatMs: number;
  /** Median of the ratios of runs made back to back, in wall time. */
  readonly timeRatio: number;
  /** The same in CPU time, steadier on a shared machine. */
  readonly cpuRatio: number;
  readonly memoryRuns: number;
  /** Medians of fresh processes (see `peakMemoryMb`). */
  readonly programMemory: PeakMemory;
  readonly flatMemory: PeakMemory;
  /** Median of the per-pair ratios of memory growth. */
  readonly memoryRatio: number;
  /** Paired CPU-time ratio of the flat baseline with our components replayed, over the plain one. */
  readonly componentsReplayCpuRatio?: number;
  /** Parts of our time that grow faster than linearly (see {@link Breakdown}). */
  readonly breakdown: Breakdown;
}

/**
 * Parts of an evaluation, timed apart (medians of 3): the engine's extraction of the effective graph from each
 * side's registrations (in both evaluations, but more work on ours), the topology's validation of the declaration
 * (ours only; without the source-folder checks, which read the disk) and its derivation of every function's
 * environment and invoker members from the validated topology (ours only).
 */
export interface Breakdown {
  readonly programGraphMs: number;
  readonly flatGraphMs: number;
  readonly validationMs: number;
  readonly derivationMs: number;
}

/**
 * Evaluation time and peak memory of the real program for `n` functions (each calling three others) against the
 * baseline: the same custom resources registered flat with the same @pulumi/gcp classes (bench/flat-program),
 * which must come out with the same dependency graph. Each timed run is a full evaluation by the engine (the
 * mocks, the recording and the effective graph included, alike for both) after a full GC; the sides take turns
 * going first, and ratios are taken per pair of runs, so machine noise hits both alike. Memory is measured apart, in
 * fresh processes (`peakMemoryMb`).
 */
export async function measurePlanCost(n: number, options: PlanCostOptions): Promise<PlanCost> {
  const config = benchConfig(ringTopology(n));
  const reference = await evaluate({ config }); // also warms module loading and the archive cache
  const file = path.join(ROOT, ".callgraph", "bench", `flat-${n}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(reference.resources));
  const flatEnv = { CALLGRAPH_FLAT_RESOURCES: file, CALLGRAPH_FLAT_COMPONENTS: "0" };
  try {
    return await withEnv(flatEnv, async () => {
      const flat = await evaluate({ programDir: FLAT, config }); // warms, and proves the baseline is the same graph
      const mismatch = graphMismatch(reference.resources, flat.resources);
      if (mismatch)
        throw new Error(`the flat baseline does not register the same graph for ${n} functions: ${mismatch}`);

      const flatRun = (components: boolean) => () => {
        process.env.CALLGRAPH_FLAT_COMPONENTS = components ? "1" : "0";
        return evaluate({ programDir: FLAT, config });
      };
      const ms = (s: Sample) => s.ms;
      const cpu = (s: Sample) => s.cpuMs;
      const [program, baseline] = await alternate(options.runs, () => evaluate({ config }), flatRun(false));
      // Apart from the comparison above: a third side in the same rotation was seen to shift the baseline's figures.
      const replay = options.componentsReplay
        ? await alternate(options.runs, flatRun(true), flatRun(false))
        : undefined;

      const programMemory: PeakMemory[] = [];
      const flatMemory: PeakMemory[] = [];
      for (let i = 0; i < options.memoryRuns; i++) {
        programMemory.push(await peakMemoryMb(ROOT, config, path.dirname(file)));
        flatMemory.push(await peakMemoryMb(FLAT, config, path.dirname(file), flatEnv));
      }
      return {
        functions: n,
        resources: reference.resources.length,
        runs: options.runs,
        programMs: median(program.map(ms)),
        flatMs: median(baseline.map(ms)),
        timeRatio: pairedRatio(program.map(ms), baseline.map(ms)),
        cpuRatio: pairedRatio(program.map(cpu), baseline.map(cpu)),
        memoryRuns: options.memoryRuns,
        programMemory: medianMemory(programMemory),
        flatMemory: medianMemory(flatMemory),
        memoryRatio:
          options.memoryRuns === 0
            ? NaN
            : pairedRatio(
                programMemory.map((m) => m.growthMb),
                flatMemory.map((m) => m.growthMb),
              ),
        componentsReplayCpuRatio: replay ? pairedRatio(replay[0].map(cpu), replay[1].map(cpu)) : undefined,
        breakdown: await breakdown(reference, flat, config),
      };
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** `runs` timed runs of each of `a` and `b`, back to back, taking turns going first. */
async function alternate(
  runs: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[Sample[], Sample[]]> {
  const as: Sample[] = [];
  const bs: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      as.push(await sample(a));
      bs.push(await sample(b));
    } else {
      bs.push(await sample(b));
      as.push(await sample(a));
    }
  }
  return [as, bs];
}

function medianMemory(samples: readonly PeakMemory[]): PeakMemory {
  if (samples.length === 0) return { growthMb: NaN, peakMb: NaN };
  return { growthMb: median(samples.map((m) => m.growthMb)), peakMb: median(samples.map((m) => m.peakMb)) };
}

async function breakdown(
  ours: Evaluation,
  flat: Evaluation,
  config: Record<string, unknown>,
): Promise<Breakdown> {
  const thrice = async (measure: () => Promise<number>) => {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push(await measure());
    return median(runs);
  };
  const timed = (fn: () => unknown) => () => time(async () => fn());
  const project = String(config["gcp:project"]);
  // The program's project number comes from the mocks' project lookup (2nd-gen URLs need it).
  const target = { project, region: String(config["gcp:region"]), projectNumber: mockProjectNumber(project) };
  const graph = (e: Evaluation) => () => effectiveGraph(e.resources, target);
  return {
    programGraphMs: await thrice(timed(graph(ours))),
    flatGraphMs: await thrice(timed(graph(flat))),
    validationMs: await thrice(timed(() => parseStackDeclaration(config))),
    derivationMs: await thrice(() => {
      // What the program asks the topology for, per function (components/call-graph.ts), of a topology parsed
      // afresh, as each evaluation parses its own.
      const topology = parseStackDeclaration(config);
      return time(async () => {
        for (const f of topology.functions) {
          functionEnvironment(topology, f.name, target);
          invokerMembers(topology, f.name, target.project);
          callersOf(topology, f.name);
        }
      });
    }),
  };
}

/**
 * Where two registrations differ, as a message, or undefined when they register the same custom resources
 * (by type and name) with the same dependencies among them. URNs differ (no parents in the flat one), and
 * components are left out: the flat baseline has none.
 */
export function graphMismatch(
  ours: readonly RegisteredResource[],
  theirs: readonly RegisteredResource[],
): string | undefined {
  const describe = (resources: readonly RegisteredResource[]) => {
    const custom = resources.filter((r) => r.custom);
    const key = new Map(custom.map((r) => [r.urn, `${r.type}::${r.name}`]));
    return new Map(
      custom.map((r) => [
        key.get(r.urn)!,
        r.dependencies
          .map((u) => key.get(u))
          .filter((k): k is string => k !== undefined)
          .sort()
          .join(","),
      ]),
    );
  };
  const a = describe(ours);
  const b = describe(theirs);
  if (a.size !== b.size) return `${a.size} custom resources vs ${b.size}`;
  for (const [key, deps] of a) {
    if (!b.has(key)) return `${key} is missing`;
    if (b.get(key) !== deps) return `${key} depends on [${b.get(key)}], not [${deps}]`;
  }
  return undefined;
}

if (require.main === module) {
  void (async () => {
    for (const n of (process.argv[2] ?? "300").split(",").map(Number)) {
      const r = await measurePlanCost(n, {
        runs: Number(process.argv[3] ?? 5),
        memoryRuns: 1,
        componentsReplay: !process.argv.includes("--no-replay"),
      });
      console.log(
        `${n} functions (${r.resources} resources): program ${r.programMs.toFixed(0)} ms, flat ${r.flatMs.toFixed(0)} ms, ` +
          `ratio ${r.timeRatio.toFixed(2)}x (CPU ${r.cpuRatio.toFixed(2)}x` +
          // --no-replay leaves the replay out, and the line says nothing of it.
          (r.componentsReplayCpuRatio === undefined
            ? ""
            : `; flat with our components ${r.componentsReplayCpuRatio.toFixed(2)}x`) +
          `); memory ${r.programMemory.growthMb.toFixed(1)} MB ` +
          `vs ${r.flatMemory.growthMb.toFixed(1)} MB (${r.memoryRatio.toFixed(2)}x)`,
      );
    }
  })();
}
