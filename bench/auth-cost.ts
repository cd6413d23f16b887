import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { callFunction, fetchIdTokenFrom, readSamples, startLocalStack, type LocalStack } from "../local";
import { CONFIG_KEY as FUNCTIONS_KEY } from "../topology";
import { interleave, runBounded, throughput, throughputRatio, type LoadResult } from "./load";
import { percentile } from "./measure";

/**
 * A person allowed to invoke `fn` (a `user:`, `group:` or `domain:` invoker of its registered grants), as whom the
 * load calls it: the stack's own declaration says who, the bench assumes no name.
 */
export function personInvoker(stack: LocalStack, fn: string): string {
  const person = stack.functions[fn]?.invokers.find((m) => /^(user|group|domain):/.test(m));
  if (!person || !stack.identities[person])
    throw new Error(`${fn} has no person among its invokers (declare one, e.g. invokers: [developers])`);
  return person;
}

export interface AuthCostOptions {
  /** Requests per side, in all. */
  readonly requests: number;
  /** Interleaved rounds the requests are split into. */
  readonly rounds: number;
  readonly concurrency: number;
  /**
   * Requests per side before the timed rounds, not counted. The verification path is code the open side never
   * runs, and V8 optimizes it only after some thousands of requests: rounds timed before then measure its compiling
   * (what a first call costs is section 11's), not what a verified hop costs (measured: the first 4,000 hops ran at
   * 0.75x, the next at 0.87-0.97x).
   */
  readonly warmRequests: number;
}

export interface ChainFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface AuthCost {
  readonly requests: number;
  readonly concurrency: number;
  readonly authenticated: ChainFigures;
  readonly unauthenticated: ChainFigures;
  /** Median over the rounds of authenticated over unauthenticated requests per second. */
  readonly throughputRatio: number;
}

/**
 * The secured stack's own declaration (`config`, its evaluation's) with authentication switched off, for the
 * baseline: every function public (`invokers: ["allUsers"]`), so the front ends check no token and `verifyCaller`
 * accepts anonymous calls; the same functions and `calls`, so the same processes run and call one another; and
 * `CALLGRAPH_ATTACH_TOKENS=false` everywhere, so no function fetches or sends a token. Same functions on both sides
 * matters to a first call (section 11): on this machine every function's process shares the CPU. A stack of its own
 * name, so its processes unpack into their own folders.
 */
export function startUnauthenticatedStack(config: Readonly<Record<string, unknown>>): Promise<LocalStack> {
  const declared = config[FUNCTIONS_KEY];
  if (declared === null || typeof declared !== "object" || Array.isArray(declared))
    throw new Error(`the secured stack's config has no ${FUNCTIONS_KEY} map to mirror`);
  const functions = Object.fromEntries(
    Object.entries(declared as Record<string, Record<string, unknown>>).map(([name, fn]) => [
      name,
      { ...fn, invokers: ["allUsers"] },
    ]),
  );
  return startLocalStack({
    stack: "bench-auth-off",
    stateFile: false,
    config: { ...config, [FUNCTIONS_KEY]: functions },
    environmentOverrides: Object.fromEntries(
      Object.keys(functions).map((name) => [name, { CALLGRAPH_ATTACH_TOKENS: "false" }]),
    ),
  });
}

/** Throws unless no function of the unauthenticated stack fetched a token: its baseline must be free of them. */
export function assertNoTokensFetched(open: LocalStack): void {
  const fetched = Object.values(open.functions).flatMap((fn) => {
    const count = open.tokens.tokenRequests()[`serviceAccount:${fn.serviceAccount}`] ?? 0;
    return count > 0 ? [`${fn.name} fetched ${count}`] : [];
  });
  if (fetched.length > 0)
    throw new Error(`with CALLGRAPH_ATTACH_TOKENS=false, ${fetched.join(", ")} token(s)`);
}

/** Which path the load takes: the chain through login, or the single hop to profiles. */
export type AuthPath = "chain" | "hop";

/**
 * Throughput and latency with authentication on and off, through two local stacks: `secured`, the default stack
 * with every token fetched, sent and checked (IAM front ends and `verifyCaller`), and `open`, from
 * {@link startUnauthenticatedStack}. The load comes from this process with the same client code for both.
 *
 * - `chain`: developer -> login -> profiles (POST alice's credentials; login checks them with scrypt, then
 *   fetches her profile from profiles). The secured side presents the developer's token, fetched once.
 * - `hop`: profiles alone (GET alice's profile), as login's identity: one hop's verification without scrypt.
 */
export async function measureAuthCost(
  secured: LocalStack,
  open: LocalStack,
  path: AuthPath,
  options: AuthCostOptions,
): Promise<AuthCost> {
  const fn = path === "chain" ? "login" : "profiles";
  const caller =
    path === "chain"
      ? personInvoker(secured, fn)
      : `serviceAccount:${secured.functions.login.serviceAccount}`;
  const token = await fetchIdTokenFrom(secured.identities[caller].metadataHost, secured.functions[fn].url);
  // Both sides send the request of the function's own sample.json (alice's credentials, her profile).
  const sample = readSamples(secured).get(fn);
  if (!sample)
    throw new Error(`${fn} has no sample.json: the load sends each function the request of its sample`);
  const side = (stack: LocalStack, bearer: string | undefined) => async () => {
    const answer = await callFunction(stack.functions[fn].url, sample.request, bearer);
    const body = answer.body as { username?: unknown; profile?: { username?: unknown } } | null;
    const username = path === "chain" ? body?.profile?.username : body?.username;
    if (answer.status !== 200 || username !== "alice") {
      throw new Error(
        `${fn} (${stack.evaluation.stack}) answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
  };
  const perRound = Math.ceil(options.requests / options.rounds);
  // Warm both sides: JIT, keep-alive connections, login's token for profiles, the JWKS caches.
  await runBounded(options.warmRequests, options.concurrency, side(secured, token));
  await runBounded(options.warmRequests, options.concurrency, side(open, undefined));

  const result = await interleave(
    options.rounds,
    () => runBounded(perRound, options.concurrency, side(secured, token)),
    () => runBounded(perRound, options.concurrency, side(open, undefined)),
  );
  // Every function is public here, so a token sent anyway would still be accepted (and checked): prove none was
  // fetched, or the baseline would not be free of authentication.
  assertNoTokensFetched(open);
  return {
    requests: result.a.requests,
    concurrency: options.concurrency,
    authenticated: figures(result.a),
    unauthenticated: figures(result.b),
    throughputRatio: throughputRatio(result),
  };
}

const CHILD = path.join(__dirname, "auth-cost-child.ts");
const run = promisify(execFile);

/**
 * {@link measureAuthCost} of the chain and of the single hop, in a fresh process with stacks of its own
 * (bench/auth-cost-child.ts): what this process did before does not weigh on the hops.
 */
export async function measureAuthCostApart(options: {
  readonly chain: AuthCostOptions;
  readonly hop: AuthCostOptions;
}): Promise<{ chain: AuthCost; hop: AuthCost }> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(options)], {
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(stdout.trim().split("\n").pop() ?? "") as { chain?: AuthCost; hop?: AuthCost };
  if (!result.chain || !result.hop) throw new Error(`auth cost: no figures from the child: ${stdout}`);
  return { chain: result.chain, hop: result.hop };
}

function figures(result: LoadResult): ChainFigures {
  return {
    requestsPerSecond: throughput(result),
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
  };
}
