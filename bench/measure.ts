/** Small statistics helpers for benchmarks: medians of repeated, interleaved runs. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The nearest-rank percentile: the smallest value with at least `p`% of the values at or below it (so the p99
 * of 100 values is the 99th smallest, and p100 the largest).
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

/**
 * The median of the pairwise ratios `ours[i] / theirs[i]`, where run i of each side ran back to back: a slow
 * phase of a noisy machine hits both members of a pair, so their ratio is steadier than a ratio of medians.
 */
export function pairedRatio(ours: readonly number[], theirs: readonly number[]): number {
  if (ours.length !== theirs.length) throw new Error(`unpaired runs: ${ours.length} vs ${theirs.length}`);
  return median(ours.map((value, i) => value / theirs[i]));
}

/** Milliseconds `fn` takes. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Collects garbage when the process runs with `--expose-gc` (`npm run bench` does), so runs start level. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return gc !== undefined;
}

export interface Sample {
  /** Wall time. */
  readonly ms: number;
  /**
   * This process's CPU time (user + system, all its threads, so V8's GC helpers too): on a machine shared with
   * other work it swings with the neighbours' load much less than wall time does.
   */
  readonly cpuMs: number;
}

/** Runs `fn` once after a full GC: its wall and CPU time. */
export async function sample(fn: () => Promise<unknown>): Promise<Sample> {
  collectGarbage();
  const cpu = process.cpuUsage();
  const ms = await time(fn);
  const { user, system } = process.cpuUsage(cpu);
  return { ms, cpuMs: (user + system) / 1000 };
}
