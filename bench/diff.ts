import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { diffCommand } from "../cli/commands/diff";
import { evaluate } from "../engine";
import { fn, ProgramRepo } from "../tests/cli/support/program-repo";
import { median } from "./measure";

/**
 * A full garbage collection before each timed run, so that neither side pays for the garbage the other left
 * (a diff leaves twice an evaluation's). `--expose-gc` set at run time, so `npx tsx bench/diff.ts` needs no flag.
 */
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

export interface DiffCost {
  readonly functions: number;
  /** Median wall time of one evaluation of the program (the head), in ms. */
  readonly evaluationMs: number;
  /** Median wall time of a whole `callgraph diff --base REF` (worktree, both evaluations, diff, markdown, clean-up), in ms. */
  readonly diffMs: number;
  /** diffMs / evaluationMs. */
  readonly ratio: number;
  /**
   * The same ratio in this process's CPU time (user + system): on a machine shared with other work, wall time
   * swings with the neighbours' load and CPU time much less. Git and esbuild child processes are not in it.
   */
  readonly cpuRatio: number;
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

async function sample(run: () => Promise<unknown>): Promise<Sample> {
  collectGarbage();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** `n` functions, each calling the next three (a ring), every tenth with an outside invoker. */
function ring(
  n: number,
  extra: (i: number) => { calls?: string[]; invokers?: string[] } = () => ({}),
): Record<string, unknown> {
  const name = (i: number) => `fn-${String(i).padStart(4, "0")}`;
  const functions: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const more = extra(i);
    functions[name(i)] = fn({
      calls: [...[1, 2, 3].map((k) => name((i + k) % n)), ...(more.calls ?? [])],
      invokers: [...(i % 10 === 0 ? ["group:developers@example.com"] : []), ...(more.invokers ?? [])],
      code: i % 2 ? "echo" : "hello",
    });
  }
  return functions;
}

/** A temp repository: the base commit holds the ring, the working tree adds two edges and a public invoker. */
function benchRepo(n: number): ProgramRepo {
  const repo = ProgramRepo.create();
  repo.topology(ring(n)).commit("base");
  repo.topology(
    ring(n, (i) => (i === 0 ? { calls: ["fn-0100", "fn-0150"] } : i === 7 ? { invokers: ["allUsers"] } : {})),
  );
  return repo;
}

/** Runs both sides `runs` times, interleaved so that load from elsewhere hits both alike, and compares medians. */
async function compare(
  n: number,
  runs: number,
  evaluation: () => Promise<unknown>,
  diff: () => Promise<unknown>,
): Promise<DiffCost> {
  const evaluations: Sample[] = [];
  const diffs: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    evaluations.push(await sample(evaluation));
    diffs.push(await sample(diff));
  }
  const evaluationMs = median(evaluations.map((s) => s.wallMs));
  const diffMs = median(diffs.map((s) => s.wallMs));
  const cpuRatio = median(diffs.map((s) => s.cpuMs)) / median(evaluations.map((s) => s.cpuMs));
  return { functions: n, evaluationMs, diffMs, ratio: diffMs / evaluationMs, cpuRatio };
}

/**
 * `callgraph diff` on an `n`-function stack as a ratio to one evaluation of the same program, both in a
 * process that has loaded @pulumi/gcp already (the one-off cost of a fresh process counts for neither, so the
 * ratio is the strict one).
 */
export async function measureDiff(n = 200, runs = 7): Promise<DiffCost> {
  const repo = benchRepo(n);
  try {
    const evaluateHead = () => evaluate({ programDir: repo.dir });
    const diff = () => diffCommand({ base: "base", dir: repo.dir });
    const warm = await diff(); // loads modules and builds the head's archives, as any first run would
    if (warm.diff.counts.high !== 1 || warm.diff.changes.length !== 3) {
      throw new Error(`unexpected diff: ${warm.diff.changes.map((c) => c.subject).join(", ")}`);
    }
    await evaluateHead();
    return await compare(n, runs, evaluateHead, diff);
  } finally {
    repo.dispose();
  }
}

const BIN = path.resolve(__dirname, "..", "bin", "callgraph.js");

/**
 * The same comparison as a user meets it: `callgraph graph` (one evaluation) against `callgraph diff`, each a
 * fresh process that loads @pulumi/gcp itself. Both pay that load once, so this ratio is the lenient one; its
 * CPU ratio is not meaningful (the work is in child processes) and is reported as the wall ratio.
 */
export async function measureDiffCli(n = 200, runs = 3): Promise<DiffCost> {
  const repo = benchRepo(n);
  try {
    const cli =
      (...args: string[]) =>
      async () =>
        execFileSync(process.execPath, [BIN, ...args, "--dir", repo.dir], { stdio: "pipe" });
    const graph = cli("graph", "--format", "json");
    await graph(); // builds the head's archives once, as a developer's earlier runs would have
    const cost = await compare(n, runs, graph, cli("diff", "--base", "base"));
    return { ...cost, cpuRatio: cost.ratio };
  } finally {
    repo.dispose();
  }
}

if (require.main === module) {
  void (async () => {
    const n = Number(process.argv[2] ?? 200);
    const line = (label: string, r: DiffCost) =>
      `${label}: evaluation ${r.evaluationMs.toFixed(0)} ms, diff ${r.diffMs.toFixed(0)} ms, ` +
      `ratio ${r.ratio.toFixed(2)}x (CPU time ${r.cpuRatio.toFixed(2)}x)`;
    console.log(`${n} functions, target <= 2.5x`);
    console.log(line("  in one warm process (strict)", await measureDiff(n)));
    if (!process.argv.includes("--no-cli"))
      console.log(line("  as CLI processes (graph vs diff)", await measureDiffCli(n)));
  })();
}
