import { pairedRatio, time } from "./measure";

/** What a fixed amount of load took. */
export interface LoadResult {
  readonly requests: number;
  readonly wallMs: number;
  /** Latency of each request, in completion order. */
  readonly latenciesMs: readonly number[];
}

/**
 * Sends `count` requests with at most `concurrency` in flight (a closed loop: each worker sends its next request
 * when the previous one is answered), so both sides of a comparison see the same offered load. `request` throws
 * on a wrong answer: a benchmark that counts failures as fast answers measures nothing, so the first failure
 * stops the run.
 */
export async function runBounded(
  count: number,
  concurrency: number,
  request: (index: number) => Promise<void>,
): Promise<LoadResult> {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`count must be a positive integer, got ${count}`);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const latenciesMs: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      latenciesMs.push(await time(() => request(index)));
    }
  };
  const wallMs = await time(() => Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker)));
  return { requests: count, wallMs, latenciesMs };
}

/** Several runs of one side, as one: requests and wall time add up, latencies pool. */
export function combine(results: readonly LoadResult[]): LoadResult {
  return {
    requests: results.reduce((n, r) => n + r.requests, 0),
    wallMs: results.reduce((n, r) => n + r.wallMs, 0),
    latenciesMs: results.flatMap((r) => r.latenciesMs),
  };
}

/** Requests per second. */
export function throughput(result: LoadResult): number {
  return result.requests / (result.wallMs / 1000);
}

/** Both sides of an interleaved comparison: each side's rounds combined, and the rounds as run, in pairs. */
export interface Interleaved {
  readonly a: LoadResult;
  readonly b: LoadResult;
  readonly pairs: readonly { readonly a: LoadResult; readonly b: LoadResult }[];
}

/**
 * Runs `rounds` rounds of `a` and `b` back to back, alternating which goes first, so drift in the machine's
 * speed hits both alike. The pairs let a ratio be taken round by round (see `pairedRatio`).
 */
export async function interleave(
  rounds: number,
  a: () => Promise<LoadResult>,
  b: () => Promise<LoadResult>,
): Promise<Interleaved> {
  const pairs: { a: LoadResult; b: LoadResult }[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      const first = await a();
      pairs.push({ a: first, b: await b() });
    } else {
      const first = await b();
      pairs.push({ a: await a(), b: first });
    }
  }
  return { a: combine(pairs.map((p) => p.a)), b: combine(pairs.map((p) => p.b)), pairs };
}

/** Median over the rounds of a's throughput over b's: steadier than the ratio of the totals on a noisy machine. */
export function throughputRatio(result: Interleaved): number {
  return pairedRatio(
    result.pairs.map((p) => throughput(p.a)),
    result.pairs.map((p) => throughput(p.b)),
  );
}
