import { callFunction, fetchIdTokenFrom, readSamples, startLocalStack, type LocalStack } from "../local";
import { assertNoTokensFetched, personInvoker, startUnauthenticatedStack } from "./auth-cost";
import { median } from "./measure";

export interface FirstCallOptions {
  /** Fresh stacks per side. */
  readonly rounds: number;
  /** Warm calls after the first, per stack; their median is the warm latency. */
  readonly warmCalls: number;
  /**
   * Also measure each side with the first call sent this long after the stack serves (0: not measured): once the
   * warm start's fetches are done, what is left of the first call is not the tokens' or the keys'.
   */
  readonly settleMs?: number;
  /** The secured stack's config (its evaluation's), which the unauthenticated stack mirrors. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface FirstCallSide {
  /** Median over the rounds of the first call's latency, ms. */
  readonly firstMs: number;
  /** Median over the rounds of the warm calls' median latency, ms. */
  readonly warmMs: number;
  /** Median over the rounds of first over warm. */
  readonly ratio: number;
}

export interface FirstCall {
  readonly fn: string;
  readonly rounds: number;
  /** `CALLGRAPH_WARM_START=false`: the code before issue 19, fetching on the first request. */
  readonly cold: FirstCallSide;
  /** The default: tokens and keys fetched when the code loads. */
  readonly warmStart: FirstCallSide;
  /**
   * The same functions with authentication off (bench/auth-cost.ts's public stack, no tokens): what the first call
   * costs when no token or key is involved at all (loading code paths, opening connections).
   */
  readonly open: FirstCallSide;
  /** The same sides with the first call sent `settleMs` after the stack serves, when asked for. */
  readonly settled?: {
    readonly ms: number;
    readonly warmStart: FirstCallSide;
    readonly open: FirstCallSide;
  };
}

/**
 * The first call after a function starts against a warm call, same function, same request: with the warm start off
 * (what the code did before: the first request fetches the callees' tokens and the signing keys inline) and on (the
 * default). Each round starts a fresh local stack (fresh function processes), sends the function its sample once
 * as soon as the stack serves, then `warmCalls` more; the sides alternate round by round. The caller's own token is
 * fetched before the first call, as a client that has one would.
 *
 * Measured on a function with a callee (bench/main.ts: login, whose first call needs a token for profiles and the
 * keys in both processes), as a person among its invokers.
 */
export async function measureFirstCall(
  fn: string,
  functions: readonly string[],
  options: FirstCallOptions,
): Promise<FirstCall> {
  type Run = { first: number; warm: number };
  const runs: Record<"cold" | "warmStart" | "open" | "settledWarmStart" | "settledOpen", Run[]> = {
    cold: [],
    warmStart: [],
    open: [],
    settledWarmStart: [],
    settledOpen: [],
  };
  const settleMs = options.settleMs ?? 0;
  const start: Record<keyof typeof runs, () => Promise<LocalStack>> = {
    cold: () =>
      startLocalStack({ stateFile: false, environmentOverrides: everyFunction(functions, "false") }),
    warmStart: () => startLocalStack({ stateFile: false }),
    open: () => startUnauthenticatedStack(options.config),
    settledWarmStart: () => startLocalStack({ stateFile: false }),
    settledOpen: () => startUnauthenticatedStack(options.config),
  };
  const sides = (
    settleMs > 0
      ? ["cold", "warmStart", "open", "settledWarmStart", "settledOpen"]
      : ["cold", "warmStart", "open"]
  ) as (keyof typeof runs)[];
  for (let round = 0; round < options.rounds; round++) {
    for (const side of sides) {
      const stack = await start[side]();
      try {
        const settled = side.startsWith("settled");
        if (settled) await new Promise((resolve) => setTimeout(resolve, settleMs));
        const authenticated = side !== "open" && side !== "settledOpen";
        runs[side].push(await oneRound(stack, fn, options.warmCalls, authenticated));
        if (!authenticated) assertNoTokensFetched(stack);
      } finally {
        await stack.stop();
      }
    }
  }
  const side = (runs: { first: number; warm: number }[]): FirstCallSide => ({
    firstMs: median(runs.map((r) => r.first)),
    warmMs: median(runs.map((r) => r.warm)),
    ratio: median(runs.map((r) => r.first / r.warm)),
  });
  return {
    fn,
    rounds: options.rounds,
    cold: side(runs.cold),
    warmStart: side(runs.warmStart),
    open: side(runs.open),
    ...(settleMs > 0
      ? { settled: { ms: settleMs, warmStart: side(runs.settledWarmStart), open: side(runs.settledOpen) } }
      : {}),
  };
}

function everyFunction(names: readonly string[], value: string): Record<string, Record<string, string>> {
  return Object.fromEntries(names.map((n) => [n, { CALLGRAPH_WARM_START: value }]));
}

async function oneRound(
  stack: LocalStack,
  fn: string,
  warmCalls: number,
  authenticated: boolean,
): Promise<{ first: number; warm: number }> {
  const sample = readSamples(stack).get(fn);
  if (!sample) throw new Error(`${fn} has no sample.json`);
  const token = authenticated ? await callerToken(stack, fn) : undefined;
  const timed = async () => {
    const started = performance.now();
    const answer = await callFunction(stack.functions[fn].url, sample.request, token);
    const ms = performance.now() - started;
    if (answer.status !== sample.expectedStatus)
      throw new Error(`${fn} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
    return ms;
  };
  const first = await timed();
  const warm: number[] = [];
  for (let i = 0; i < warmCalls; i++) warm.push(await timed());
  return { first, warm: median(warm) };
}

/** A token of a person who may call `fn`, else of a calling function's account. */
async function callerToken(stack: LocalStack, fn: string): Promise<string> {
  const invokers = stack.functions[fn]!.invokers;
  const caller = invokers.some((m) => /^(user|group|domain):/.test(m))
    ? personInvoker(stack, fn)
    : invokers.find((m) => stack.identities[m] !== undefined);
  if (!caller) throw new Error(`${fn} has no invoker the local stack can mint a token for`);
  return fetchIdTokenFrom(stack.identities[caller]!.metadataHost, stack.functions[fn]!.url);
}
