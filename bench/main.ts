import * as fs from "node:fs";
import * as path from "node:path";
import { startLocalStack, type LocalStack } from "../local";
import { auditSection } from "./audit-section";
import { benchAudit } from "./audit";
import { measureAuthCostApart, type AuthCost, type AuthCostOptions } from "./auth-cost";
import {
  FULL_CALL_SITES,
  measureCallSitesScenarios,
  QUICK_CALL_SITES,
  type CallSitesPlan,
} from "./callsites";
import { callSitesSection } from "./callsites-section";
import { measureColdStart, measureUnpack } from "./cold-start";
import { measureCriticalPath } from "./critical-path";
import { measureDiff, measureDiffCli, type DiffCost } from "./diff";
import { collectGarbage } from "./measure";
import { measurePlanCost, type PlanCost, type PlanCostOptions } from "./plan-cost";
import { measurePulumiLoad } from "./pulumi-load";
import { pulumiLoadSection } from "./pulumi-load-section";
import { machine, markdown, num, table, times, type Row, type Section } from "./report";
import { measureTokenFetches, type TokenFetchOptions } from "./token-fetches";
import { measureFirstCall, type FirstCall } from "./first-call";
import { measureRefreshAhead, type RefreshAhead, type RefreshAheadOptions } from "./refresh-ahead";

interface Plan {
  readonly tokens: TokenFetchOptions;
  readonly chain: AuthCostOptions;
  readonly hop: AuthCostOptions;
  readonly planSizes: readonly ({ readonly functions: number } & PlanCostOptions)[];
  readonly chains: readonly number[];
  readonly coldStartRuns: number;
  readonly diff: { readonly functions: number; readonly runs: number; readonly cliRuns: number };
  /** Rounds of three program loads by Pulumi's cmd/run (as configured, type-checked, transpile-only). */
  readonly pulumiLoadRounds: number;
  readonly callSites: CallSitesPlan;
  /** Functions of the audited estate. */
  readonly auditFunctions: number;
  /** Token lifetimes crossed per side, with short-lived tokens (issue 19, P1b). */
  readonly refresh: RefreshAheadOptions;
  /** Fresh stacks per side for the first call after start (issue 19). */
  readonly firstCall: { readonly rounds: number; readonly warmCalls: number; readonly settleMs: number };
}

/** How much of each: sized so the whole run takes a few minutes on a 2-core machine. */
const FULL: Plan = {
  // Many short rounds: a ratio taken round by round cancels the neighbours' load better than a few long ones.
  tokens: { calls: 10_000, rounds: 10, concurrency: 16 },
  // scrypt (N=2^14) makes a login cost tens of ms of CPU: fewer requests than the single hop.
  // The chain's warm-up is short: scrypt, the same on both sides, dwarfs what compiling the verification costs.
  chain: { requests: 600, rounds: 10, concurrency: 16, warmRequests: 50 },
  hop: { requests: 20_000, rounds: 20, concurrency: 16, warmRequests: 4_000 },
  planSizes: [
    { functions: 10, runs: 9, memoryRuns: 3 },
    { functions: 100, runs: 7, memoryRuns: 3 },
    // The acceptance size: more runs, and the components replay that splits the overhead.
    { functions: 300, runs: 9, memoryRuns: 3, componentsReplay: true },
    { functions: 1000, runs: 3, memoryRuns: 1 },
  ],
  chains: [2, 20, 200],
  coldStartRuns: 10,
  diff: { functions: 200, runs: 7, cliRuns: 3 },
  // A type-checked load takes ~10-20 s of wall time here: 5 rounds is about two minutes.
  pulumiLoadRounds: 5,
  refresh: { lifetimeSeconds: 6, lifetimes: 3, concurrency: 8 },
  firstCall: { rounds: 5, warmCalls: 20, settleMs: 1500 },
  // Fresh processes, two per round: about two minutes at 300 generated functions.
  callSites: FULL_CALL_SITES,
  auditFunctions: 1000,
};

/** `--quick`: a smoke run of every benchmark in well under a minute; prints the table, writes no RESULTS.md. */
const QUICK: Plan = {
  tokens: { calls: 400, rounds: 2, concurrency: 16 },
  chain: { requests: 40, rounds: 2, concurrency: 16, warmRequests: 10 },
  hop: { requests: 200, rounds: 2, concurrency: 16, warmRequests: 50 },
  planSizes: [
    { functions: 10, runs: 2, memoryRuns: 1, componentsReplay: true },
    { functions: 100, runs: 2, memoryRuns: 1 },
  ],
  chains: [2, 20],
  coldStartRuns: 2,
  diff: { functions: 200, runs: 1, cliRuns: 1 }, // its head adds edges to fn-0100 and fn-0150
  pulumiLoadRounds: 1,
  refresh: { lifetimeSeconds: 3, lifetimes: 3, concurrency: 4 },
  firstCall: { rounds: 1, warmCalls: 5, settleMs: 1000 },
  callSites: QUICK_CALL_SITES,
  auditFunctions: 100,
};

const quick = process.argv.includes("--quick");
const PLAN = quick ? QUICK : FULL;

const COMMAND = "npm run bench";
const RESULTS = path.join(__dirname, "RESULTS.md");
/** Tokens of the local token service live an hour; google-auth-library refreshes them 5 minutes early. */
const TOKEN_LIFETIME_MS = 55 * 60 * 1000;

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  const facts = machine();
  if (!collectGarbage()) progress("no --expose-gc: timed runs cannot start level (npm run bench passes it)");
  // The generated topologies run the relay fixture (bench/topologies.ts), whose call sites are dynamic: the program
  // warns for each function, thousands of lines per run. Printing them is not what is measured (the flat baseline
  // has none to print), and the bench's own progress goes to stderr directly.
  console.warn = () => undefined;

  // CPU-bound, in this process: before any local stack runs.
  const sections: Section[] = [];
  sections.push(await planCostSection());
  sections.push(await criticalPathSection());

  // Its own process, with its own stacks, while no other stack runs (bench/auth-cost-child.ts says why).
  sections.unshift(await authCostSection());
  progress("starting the local stack");
  const secured = await startLocalStack({ stateFile: false });
  try {
    sections.unshift(await tokenFetchSection(secured));
  } finally {
    await secured.stop();
  }
  sections.push(await coldStartSection(secured));
  progress(
    `refresh ahead: ${PLAN.refresh.lifetimes} token lifetimes of ${PLAN.refresh.lifetimeSeconds} s per side`,
  );
  sections.push(refreshAheadSection(await measureRefreshAhead(PLAN.refresh)));
  progress(`first call after start: ${PLAN.firstCall.rounds} fresh stacks per side`);
  const firstCallFn = secured.evaluation.graph.edges[0]?.from ?? Object.keys(secured.functions)[0]!;
  sections.push(
    firstCallSection(
      await measureFirstCall(firstCallFn, Object.keys(secured.functions), {
        ...PLAN.firstCall,
        config: secured.evaluation.config,
      }),
    ),
  );
  sections.push(await diffSection());
  progress(`pulumi up start: ${PLAN.pulumiLoadRounds} rounds of three program loads in fresh processes`);
  sections.push(
    pulumiLoadSection(await measurePulumiLoad(path.resolve(__dirname, ".."), PLAN.pulumiLoadRounds)),
  );
  progress(
    `call-site extraction: the default stack and ${PLAN.callSites.generatedFunctions} generated functions, in fresh processes`,
  );
  sections.push(callSitesSection(await measureCallSitesScenarios(PLAN.callSites)));
  progress(`audit: ${num(PLAN.auditFunctions)} functions, per resource and with one Asset query`);
  sections.push(auditSection(await benchAudit(PLAN.auditFunctions)));

  const report = { machine: facts, command: COMMAND, durationS: (Date.now() - started) / 1000, sections };
  process.stdout.write(`${table(sections)}\n\n`);
  if (quick) {
    process.stdout.write(
      `Quick run (${Math.round(report.durationS)} s): figures too small to mean much; RESULTS.md not written.\n`,
    );
    return;
  }
  fs.writeFileSync(RESULTS, markdown(report));
  process.stdout.write(
    `Written to ${path.relative(process.cwd(), RESULTS)} (${Math.round(report.durationS)} s).\n`,
  );
}

async function tokenFetchSection(stack: LocalStack): Promise<Section> {
  progress(`token fetches: ${num(PLAN.tokens.calls)} calls per side`);
  const r = await measureTokenFetches(stack, PLAN.tokens);
  const ours = r.ourTokenRequests / r.calls;
  const theirs = r.baselineTokenRequests / r.calls;
  const withinLifetime = r.ourWallMs < TOKEN_LIFETIME_MS;
  return {
    number: 1,
    title: "Token fetches per downstream call",
    measured:
      `${num(r.calls)} calls per side from the bench process acting as \`login\` (its metadata host is login's identity in the ` +
      `local stack's token service, via \`GCE_METADATA_HOST\` and \`METADATA_SERVER_DETECTION=assume-present\`) to \`profiles\` ` +
      `(\`GET ?username=alice\`) through profiles' IAM front end, ${r.concurrency} in flight, in ${PLAN.tokens.rounds} interleaved ` +
      "rounds. Metadata identity requests are the token service's count for login's identity over each side's rounds. Ours is " +
      "one `DownstreamClient` with one `MetadataIdTokenSource` for all calls, created fresh before the first measured round, so " +
      "its first fetch counts.",
    baseline:
      "The documentation's Node.js sample (region tag `functions_bearer_token`, google-auth-library-nodejs " +
      "samples/idtokens-serverless.js, shown in cloud.google.com/functions/docs/securing/authenticating): one `GoogleAuth` " +
      "per process, `auth.getIdTokenClient(url)` per request, then the request with `client.getRequestHeaders()`. It is " +
      "sent with the same `fetch` as ours, so only the token handling differs. (A new `GoogleAuth` per request as well " +
      "would only slow the baseline further: it fetches a token per call either way.)",
    rows: [
      {
        id: "1a",
        measure: `Metadata identity requests per call (${num(r.calls)} calls)`,
        ours: `${ours.toFixed(4)} (${num(r.ourTokenRequests)} in all)`,
        baseline: `${theirs.toFixed(4)} (${num(r.baselineTokenRequests)})`,
        ratio: times(ours, theirs, 4),
        target: "<= 1 per audience per token lifetime (~0.0001)",
        met: r.ourTokenRequests <= 1 && withinLifetime,
      },
      {
        id: "1b",
        measure: "Calls per second, same calls",
        ours: num(r.ourCallsPerSecond),
        baseline: num(r.baselineCallsPerSecond),
        ratio: `${r.callsPerSecondRatio.toFixed(2)}x`,
        target: ">= 1.00x",
        met: r.callsPerSecondRatio >= 1,
      },
    ],
    notes: [
      `Our side ran ${num(r.ourWallMs / 1000, 1)} s, well within one token lifetime (1 h, refreshed 5 min early), so one fetch ` +
        "is the most it may make: one audience, one lifetime. Concurrent first calls share that fetch (`MetadataIdTokenSource` " +
        "deduplicates in-flight fetches).",
      "The sample pays a metadata round trip and an RS256 signature on every call; both stay on loopback here, so on GCP, " +
        "where the metadata server is a network hop away, the gap in calls per second would be wider, not narrower.",
    ],
  };
}

async function authCostSection(): Promise<Section> {
  progress(
    `auth cost, in a fresh process: chain, ${num(PLAN.chain.requests)} requests per side; single hop, ${num(PLAN.hop.requests)}`,
  );
  const { chain, hop } = await measureAuthCostApart({ chain: PLAN.chain, hop: PLAN.hop });
  // Issue 19: the chain keeps >= 0.95x of its throughput with authentication on, a single verified hop (P2b) >= 0.90x.
  const rows = (label: string, r: AuthCost, minimum: number): Row[] => [
    {
      id: "",
      measure: `${label}: requests per second (${num(r.requests)} per side)`,
      ours: num(r.authenticated.requestsPerSecond, 1),
      baseline: num(r.unauthenticated.requestsPerSecond, 1),
      ratio: `${r.throughputRatio.toFixed(2)}x`,
      target: `>= ${minimum.toFixed(2)}x`,
      met: r.throughputRatio >= minimum,
    },
    {
      id: "",
      measure: `${label}: p50 latency, ms`,
      ours: num(r.authenticated.p50Ms, 1),
      baseline: num(r.unauthenticated.p50Ms, 1),
      ratio: times(r.authenticated.p50Ms, r.unauthenticated.p50Ms),
      target: "-",
    },
    {
      id: "",
      measure: `${label}: p99 latency, ms`,
      ours: num(r.authenticated.p99Ms, 1),
      baseline: num(r.unauthenticated.p99Ms, 1),
      ratio: times(r.authenticated.p99Ms, r.unauthenticated.p99Ms),
      target: "-",
    },
  ];
  return {
    number: 2,
    title: "Cost of authentication",
    measured:
      "Two local stacks run side by side and take the same load from one fresh process (bench/auth-cost-child.ts), with the " +
      `same client code (\`callFunction\`), ${chain.concurrency} requests in flight, in interleaved rounds after ` +
      `${num(PLAN.hop.warmRequests)} untimed requests per side (${num(PLAN.chain.warmRequests)} for the chain). Row 2a-c: the chain developer -> ` +
      "`login` -> `profiles` (`POST {alice, wonderland}`; login checks the password with scrypt, then fetches her profile from " +
      "profiles). Rows 2d-f: `profiles` alone (`GET ?username=alice`, as login's identity): one hop of verification with no " +
      "scrypt to hide it. Ours is the default stack: every token fetched, sent, and checked twice per hop (IAM front end, then " +
      "`verifyCaller` in the function); the developer's token is fetched once, as a client caches it.",
    baseline:
      "The same functions with authentication switched off: a second local stack with the same declaration (the same " +
      'functions and `calls`) but every function public (`invokers: ["allUsers"]`), so the front ends check no token and ' +
      "`verifyCaller` accepts anonymous calls, and every function runs with `CALLGRAPH_ATTACH_TOKENS=false`, so none fetches " +
      "or sends a token (the run checks that no identity fetched one). The switch is fail-closed: it only removes credentials.",
    rows: [...rows("login -> profiles", chain, 0.95), ...rows("profiles alone", hop, 0.9)].map((row, i) => ({
      ...row,
      id: `2${"abcdef"[i]}`,
    })),
    notes: [
      `The chain keeps ${chain.throughputRatio.toFixed(2)}x of its throughput with authentication on: login's scrypt (tens ` +
        "of ms of CPU per request) dwarfs the verification. The single hop shows what verification itself costs " +
        `(${hop.throughputRatio.toFixed(2)}x): each authenticated hop checks the token twice, at the local IAM ` +
        "front end (in the process that also drives the load) and in `verifyCaller` in profiles. Measured apart when " +
        "this hop was last changed (CPU per request of each process, 10 rounds of 4,000 requests per side; not by this " +
        "run, and before the front end counted request bodies for the platform's limit): with " +
        "authentication on, 25-31 µs more in the load's process and about 28 µs more in profiles', against 330-340 µs " +
        "for a whole unauthenticated hop; the same open hop carrying two dummy headers the size of the token's cost 11-18 " +
        "and 10 µs of those, so a third to a half is carrying the bytes through two HTTP hops, the rest reading and " +
        "checking them. Before a token already verified was decided without an await (in profiles, `callerNowOrLater` " +
        "and the host's admission; in the front ends), the same measure gave about 37 and 31 µs more: under the " +
        "Functions Framework every promise a request creates is tracked by its domains, and those promises were about " +
        "a fifth of what verification cost there. On GCP the front-end check is Google's, so a deployed function pays " +
        "one of the two.",
      "Why a fresh process and a warm-up: in the bench's own process, after the plan-cost section (evaluations of up to " +
        "1,000 functions), the load's process spent about twice as much per verified request, and the hop measured " +
        "0.82-0.87x; and both sides run far slower over their first few thousand requests while V8 compiles the client, " +
        "the front ends and the functions (the first 4,000 verified hops ran at 0.75x). Neither is what a verified hop " +
        "costs: Google's front end is not the bench process, and a first call's cost is section 11's.",
      "Each process remembers a token whose signature verified by its exact bytes until its `exp` " +
        "(functions/shared/token-signatures.ts, used by `verifyCaller` and the local front ends alike), so the same token " +
        "costs one signature check per process; the claims and the caller rule are still checked on every request.",
      "Latency here is under a closed loop at full concurrency, so it is mostly queueing: p50 ~ concurrency / throughput.",
      ...(chain.throughputRatio >= 0.95 && hop.throughputRatio >= 0.9
        ? []
        : [
            `Missed in this run: ${[chain.throughputRatio < 0.95 ? "2a" : "", hop.throughputRatio < 0.9 ? "2d" : ""].filter(Boolean).join(", ")}. ` +
              "What would reach it: little is left in the verification itself (a remembered token is decided " +
              "without an await, in a few µs per process); the rest is two 766-byte headers per request, read, " +
              "copied and forwarded by the client, the front end and the function's HTTP stack, and their garbage. " +
              "Sending the token once would cut that, but a deployed function could then receive it only with its " +
              "signature removed by Google's front end: both headers are sent so that one copy reaches the code " +
              "signed, whatever the platform strips (DESIGN.md, invariant 13).",
          ]),
    ],
  };
}

/** From this many functions on, an evaluation must stay within 1.15x of the flat baseline (issue 19's P3). */
const PLAN_COST_AT_SCALE = 300;
/** Time per function at the largest size over 100 functions: what linear allows on a noisy machine (issue 19). */
const PLAN_COST_GROWTH = 1.05;

async function planCostSection(): Promise<Section> {
  const results: PlanCost[] = [];
  for (const size of PLAN.planSizes) {
    progress(
      `plan cost: ${size.functions} functions, ${size.runs} timed runs and ${size.memoryRuns} fresh processes per side`,
    );
    results.push(await measurePlanCost(size.functions, size));
  }
  const perFn = (ms: number, n: number) => ms / n;
  const reference = results.find((r) => r.functions === 100) ?? results[0];
  const largest = results[results.length - 1];
  const growthOf = (pick: (r: PlanCost) => number) =>
    perFn(pick(largest), largest.functions) / perFn(pick(reference), reference.functions);
  const ourGrowth = growthOf((r) => r.programMs);
  const flatGrowth = growthOf((r) => r.flatMs);
  const rows: Row[] = [];
  for (const r of results) {
    // Issue 19: from 300 functions on, where fixed costs no longer hide a per-function one, within 1.15x in wall
    // and CPU time alike; the small sizes keep issue 2's 1.30x.
    const atScale = r.functions >= PLAN_COST_AT_SCALE;
    const limit = atScale ? 1.15 : 1.3;
    rows.push({
      id: "",
      measure: `Evaluation time, ${num(r.functions)} functions (${num(r.resources)} resources, ${r.runs} runs)`,
      ours: `${num(r.programMs)} ms (${num(perFn(r.programMs, r.functions), 1)}/fn)`,
      baseline: `${num(r.flatMs)} ms (${num(perFn(r.flatMs, r.functions), 1)}/fn)`,
      ratio: `${r.timeRatio.toFixed(2)}x (CPU ${r.cpuRatio.toFixed(2)}x)`,
      target: atScale ? `<= ${limit.toFixed(2)}x (wall and CPU)` : `<= ${limit.toFixed(2)}x`,
      met: r.timeRatio <= limit && (!atScale || r.cpuRatio <= limit),
    });
  }
  for (const r of results) {
    rows.push({
      id: "",
      measure: `Peak memory, ${num(r.functions)} functions (fresh process, ${r.memoryRuns} run${r.memoryRuns > 1 ? "s" : ""})`,
      ours: `+${num(r.programMemory.growthMb, 1)} MB (peak RSS ${num(r.programMemory.peakMb)})`,
      baseline: `+${num(r.flatMemory.growthMb, 1)} MB (peak RSS ${num(r.flatMemory.peakMb)})`,
      ratio: `${r.memoryRatio.toFixed(2)}x`,
      target: "<= 1.30x",
      met: r.memoryRatio <= 1.3,
    });
  }
  rows.push({
    id: "",
    measure: `Time per function, ${num(largest.functions)} vs ${num(reference.functions)} functions`,
    ours: times(perFn(largest.programMs, largest.functions), perFn(reference.programMs, reference.functions)),
    baseline: times(perFn(largest.flatMs, largest.functions), perFn(reference.flatMs, reference.functions)),
    ratio: times(ourGrowth, flatGrowth),
    target: `<= ${PLAN_COST_GROWTH.toFixed(2)}x (linear)`,
    met: ourGrowth <= PLAN_COST_GROWTH,
  });
  const withRows = rows.map((row, i) => ({ ...row, id: `3${String.fromCharCode(97 + i)}` }));
  const replayed = results.find((r) => r.componentsReplayCpuRatio !== undefined);
  const smallest = results[0];
  const notes = [
    ...(replayed
      ? [
          `Where our extra time goes, at ${num(replayed.functions)} functions: replaying the very same registrations with ` +
            "our components (the baseline with `CALLGRAPH_FLAT_COMPONENTS=1`: same component types, names and parents) " +
            `costs ${replayed.componentsReplayCpuRatio!.toFixed(2)}x the plain baseline in CPU time, against our ` +
            `${replayed.cpuRatio.toFixed(2)}x: about ${num(componentShare(replayed) * 100)}% of our overhead is the ` +
            "Pulumi SDK's component machinery (this share moved between 15% and 60% over the runs made while writing " +
            "this harness). The rest is our program's own work per function: validating and deriving the topology, " +
            "building each function's inputs, outputs and archive lookup, and the garbage of all of it. A profile finds " +
            "no single hot spot; the parts that grew fastest are the next note's. What the SDK does per resource is the " +
            "same on both sides (counted once while profiling, at 300 functions, not by this run: 24.8k Outputs " +
            "created against 23.9k, constructor stacks 9.6 frames deep against 9.0); ours registers one component more " +
            "per function, and the components' outputs (about 36 MB of garbage per evaluation in their serialized " +
            "form, same profile) are most of what it allocates beyond the baseline; the collector was 37-39% of the " +
            "CPU time of both.",
        ]
      : []),
    `Two parts that grew faster than linearly, timed apart (medians of 3): the topology's derivation of every ` +
      "function's environment and invoker members, and the engine's effective-graph extraction (it runs in both " +
      "evaluations, with more to do on ours); the topology's validation beside them (without the source-folder " +
      "checks). " +
      results
        .map(
          (r) =>
            `At ${num(r.functions)} functions: derivation ${num(r.breakdown.derivationMs, 1)} ms; extraction ` +
            `${num(r.breakdown.programGraphMs)} ms on ours, ${num(r.breakdown.flatGraphMs)} ms on the flat one; ` +
            `validation ${num(r.breakdown.validationMs)} ms.`,
        )
        .join(" ") +
      " Both are linear now: `getFunction`/`callersOf` (topology/graph.ts), and through them the callers of each " +
      "invoker binding in `CallGraph` and every function's environment, answer from an index built once per topology " +
      "(topology/graph-index.ts: functions by name, callers by callee) instead of scanning every function for each " +
      "function; the extraction finds each function's archive by bucket and object name in one map and reads grants " +
      "from the IAM resources alone; and `buildArchives` checks a source folder shared by many functions once per " +
      "evaluation, not once per function.",
    `Peak memory is a fresh process's peak resident set above its level once every module was loaded. At ` +
      `${num(smallest.functions)} functions both sides grow by a few MB in a process whose peak is ` +
      `~${num(smallest.programMemory.peakMb)} MB (${times(smallest.programMemory.peakMb, smallest.flatMemory.peakMb)} ` +
      "the baseline's peak), so a fixed first-evaluation cost decides the ratio: about 2 MB of it is checking each " +
      "function source's cached archive by hashing every file its bundle read (~1 MB per source folder, " +
      "components/function-archive.ts; with the archives checked before the measurement, ours grew ~5.7 MB instead of " +
      "~8 in a separate trial), the rest the first use of the program's own modules. The baseline, handed the archive " +
      "paths, pays neither. From 100 functions on, the registrations dominate and the ratio settles near 1.",
    "Wall-time ratios move by several hundredths from run to run on this shared machine; the CPU-time ratio beside " +
      "each is steadier. A row a few hundredths from its target can land on either side of it in another run.",
  ];
  const missed = (kind: string) =>
    withRows.filter((r) => r.met === false && r.measure.startsWith(kind)).map((r) => r.id);
  if (missed("Evaluation time").length + missed("Time per function").length > 0) {
    notes.push(
      `Missed in this run: ${[...missed("Evaluation time"), ...missed("Time per function")].join(", ")}. What would ` +
        "reach it: no scan is left to index; the rest is spread over what each function registers beyond the flat " +
        "resources: the SDK's component machinery (the replay above), the components' outputs (each ServiceFunction's " +
        "call-site record among them, serialized through the SDK, the mocks and the recording; registered as inputs too, " +
        "it cost about 3% more CPU at 300 functions), and our own validation and derivation, all of it garbage the " +
        "collector pays for. Each further cut buys a few percent and changes what is registered: measured once at 300 " +
        "functions while profiling (not by this run), registering no component outputs and printing no warnings " +
        "together came to 1.17x, still above the target. Work the SDK does on both sides (its per-resource stack capture, which the engine skips) lowers the " +
        "baseline as much as ours and leaves the ratio where it was.",
    );
  }
  if (missed("Peak memory").length > 0) {
    notes.push(
      `Missed in this run: ${missed("Peak memory").join(", ")}. What would reach it: only removing the fixed cost above; ` +
        "checking a cached archive by file size and modification time before hashing its inputs removes about 2 MB of it " +
        "(the trial above still came out above 1.3x at 10 functions). The rest is the first " +
        "use of our own code, which a program with components and validation pays once per process.",
    );
  }
  return {
    number: 3,
    title: "Plan cost at scale",
    measured:
      "Full evaluations by the in-process engine (`evaluate`, which `callgraph graph|diff|check`, the local stack and the " +
      "tests run: the Pulumi program under GCP-like mocks, the recording of every registration, and the effective graph), " +
      "of `n` functions each calling the next three (a ring: cycles everywhere), every tenth with an outside invoker. Each " +
      "timed run starts after a full GC; the sides take turns going first; figures are medians, ratios the median of the " +
      "per-round ratios, in wall time (CPU time of this process beside it). Memory is measured apart, in fresh processes " +
      "(`bench/peak-memory.ts`), since an evaluation runs in microtasks only and nothing in-process can sample it while " +
      "it runs. Growth compares time per function at the largest size with 100 functions, where fixed costs no longer " +
      "dominate. The issue 2 acceptance figure is the 300-function time row.",
    baseline:
      "`bench/flat-program`: the custom resources our program registered for the same topology (recorded from an evaluation " +
      "of it), registered flat as a hand-written program would: the same @pulumi/gcp classes and inputs, an input that came " +
      "from another resource's output wired to that output (`bucket: bucket.name`), other dependencies as `dependsOn`, the " +
      "same `replaceWith`. No component, no validation, no derivation, no archive building. The run checks both register the " +
      "same custom resources with the same dependencies among them.",
    rows: withRows,
    notes,
  };
}

/** The part of our CPU overhead over the flat baseline that replaying our components alone accounts for. */
function componentShare(r: PlanCost): number {
  if (r.cpuRatio <= 1) return 0; // no overhead to share out
  return Math.max(0, Math.min(1, (r.componentsReplayCpuRatio! - 1) / (r.cpuRatio - 1)));
}

async function criticalPathSection(): Promise<Section> {
  const results = [];
  for (const n of PLAN.chains) {
    progress(`critical path: ${n}-function chain`);
    results.push(await measureCriticalPath(n));
  }
  const first = results[0].depth;
  return {
    number: 4,
    title: "Deploy critical path",
    measured:
      "The dependency depth of the registered resource graph for a call chain f0 -> f1 -> ... -> f(n-1): the longest chain " +
      "of custom resources each waiting for the previous, i.e. the number of deployment waves `pulumi up` needs however " +
      "parallel it is otherwise (`dependencyDepth`; a component counts as deep as its deepest child).",
    baseline:
      "`bench/url-output-program`: the common pattern that builds each caller's environment from its callees' " +
      "`httpsTriggerUrl` outputs (functions created callees first, an additive `FunctionIamMember` per edge), with the same " +
      "archives, accounts and bucket.",
    rows: results.map((r, i) => ({
      id: `4${String.fromCharCode(97 + i)}`,
      measure: `Dependency depth, ${num(r.functions)}-function chain`,
      ours: String(r.depth),
      baseline: String(r.baselineDepth),
      ratio: times(r.depth, r.baselineDepth),
      target: `constant (= ${first})`,
      met: r.depth === first,
    })),
    notes: [
      `Ours is ${first} waves at every size: APIs, then the bucket and service accounts, then archives, then every function ` +
        "in parallel, then the invoker bindings. The baseline's depth grows by one per function, and a cycle cannot deploy " +
        "with it at all (it throws), which is why it is measured on chains.",
    ],
  };
}

async function coldStartSection(stack: LocalStack): Promise<Section> {
  progress(`cold start: ${PLAN.coldStartRuns} runs per function and side`);
  const results = await measureColdStart(stack.evaluation, PLAN.coldStartRuns);
  const archives = stack.evaluation.graph.functions.flatMap((fn) => (fn.archivePath ? [fn.archivePath] : []));
  const unpack = await measureUnpack(archives, PLAN.coldStartRuns);
  const rows: Row[] = results.flatMap((r) => [
    {
      id: "",
      measure: `${r.name}: load time (require in a fresh node), ms`,
      ours: num(r.bundleMs, 1),
      baseline: num(r.unbundledMs, 1),
      ratio: times(r.bundleMs, r.unbundledMs),
      target: "< 1.00x",
      met: r.bundleMs < r.unbundledMs,
    },
    {
      id: "",
      measure: `${r.name}: code loaded, KB`,
      ours: `${num(r.bundleBytes / 1024)} (1 file; archive ${num(r.archiveBytes / 1024)})`,
      baseline: `${num(r.unbundledBytes / 1024)} (${num(r.unbundledFiles)} files)`,
      ratio: times(r.bundleBytes, r.unbundledBytes),
      target: "-",
    },
  ]);
  rows.push({
    id: "",
    measure: `Unpacking the stack's ${unpack.archives} archives (fresh process, as \`callgraph local\` does), CPU ms`,
    ours: `${num(unpack.oursCpuMs, 1)} (wall ${num(unpack.oursMs, 1)})`,
    baseline: `${num(unpack.fflateCpuMs, 1)} (wall ${num(unpack.fflateMs, 1)})`,
    ratio: times(unpack.cpuRatio, 1),
    target: "-",
  });
  return {
    number: 5,
    title: "Cold start",
    measured:
      "For each function of the default stack: its archive as the program uploads it (`evaluation.graph.functions[].archivePath`), " +
      "and the time to `require` its one `index.js`, unpacked into a temp folder outside the repository (so nothing could " +
      "resolve from node_modules), in a fresh `node` process, timed inside the child with hrtime around the `require` alone " +
      `(process start excluded). Medians of ${PLAN.coldStartRuns} runs per side, alternating.`,
    baseline:
      "The same code unbundled: the function's own TypeScript files (those the bundle reads, per esbuild's metafile) " +
      "transpiled one by one by esbuild (`bundle: false`) into `.callgraph/bench/unbundled/` inside the repository, JSON " +
      "copied, so its imports resolve from the repository's node_modules as a deployment that runs `npm install` would. " +
      "Its size is that of every file the bundle reads (own and dependencies'), as esbuild's metafile lists them.",
    rows: rows.map((row, i) => ({ ...row, id: `5${String.fromCharCode(97 + i)}` })),
    notes: [
      "The bundle is minified, and one file means one read, one compile and no module resolution; the unbundled code " +
        "resolves and compiles each of its files (google-auth-library, gaxios, jose, the Functions Framework and theirs).",
      `The last row is what the local stack pays to unpack its archives before it starts their processes: ` +
        `local/unzip.ts (Node's zlib inflates, after fflate read the central directory) against fflate's \`unzipSync\` ` +
        `(its JavaScript inflate), each in a fresh process (\`bench/unpack-child.ts\`, modules loaded before the clock ` +
        `starts; ${num(unpack.bytes / 1024)} KB unpacked by both, checked), ${unpack.runs} runs per side, alternating. ` +
        "The ratio is the median of the per-pair CPU-time ratios.",
    ],
  };
}

/** bench/diff.ts measures `callgraph diff` (issue 4's figure); its harness and baseline are its own. */
async function diffSection(): Promise<Section> {
  const { functions, runs, cliRuns } = PLAN.diff;
  progress(`diff: ${functions} functions, ${runs} runs in one process, ${cliRuns} as CLI processes`);
  const strict = await measureDiff(functions, runs);
  const cli = await measureDiffCli(functions, cliRuns);
  const row = (id: string, label: string, r: DiffCost, cpu: boolean): Row => ({
    id,
    measure: `${label}, ${num(r.functions)} functions`,
    ours: `${num(r.diffMs)} ms`,
    baseline: `${num(r.evaluationMs)} ms`,
    ratio: cpu ? `${r.ratio.toFixed(2)}x (CPU ${r.cpuRatio.toFixed(2)}x)` : `${r.ratio.toFixed(2)}x`,
    target: "<= 2.50x",
    met: r.ratio <= 2.5,
  });
  return {
    number: 6,
    title: "Cost of `callgraph diff`",
    measured:
      "From bench/diff.ts (`measureDiff`, `measureDiffCli`): a whole `callgraph diff --base REF` (worktree of the base, both " +
      "evaluations, the diff, its markdown, clean-up) on a temporary repository whose head adds two edges and a public " +
      "invoker to a ring of functions. 6a in this warm process (medians, a full GC before each run); 6b as fresh CLI " +
      "processes, as a user runs it.",
    baseline:
      "One evaluation of the same program: `evaluate` of the head in 6a, `callgraph graph --format json` in 6b (each a " +
      "fresh process that loads @pulumi/gcp too, so 6b is the lenient ratio and 6a the strict one).",
    rows: [
      row("6a", "diff vs one evaluation, in one process", strict, true),
      row("6b", "diff vs graph, as CLI processes", cli, false),
    ],
    notes: [],
  };
}

void main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

function refreshAheadSection(r: RefreshAhead): Section {
  const row = (
    id: string,
    measure: string,
    ours: number,
    theirs: number,
    target: string,
    met?: boolean,
  ): Row => ({
    id,
    measure,
    ours: num(ours),
    baseline: num(theirs),
    ratio: theirs === 0 ? "-" : times(ours, theirs),
    target,
    ...(met === undefined ? {} : { met }),
  });
  return {
    number: 10,
    title: "Refresh ahead: calls that wait for a token",
    measured:
      `The bench process calls a loopback callee that verifies every token (signature and expiry, \`TokenSignatures\`) for ` +
      `${r.lifetimes} lifetimes of ${r.lifetimeSeconds} s tokens minted by the local token service, ${PLAN.refresh.concurrency} ` +
      "calls in flight, with one `DownstreamClient` and `MetadataIdTokenSource` (refreshing ahead in the background, with " +
      "jitter). A call waited when it found no usable token and had to fetch one; the cold start's first fetch, which the " +
      "first concurrent calls share, does not count.",
    baseline:
      "google-auth-library's `IdTokenClient` kept per audience, as the client was before: it refreshes inside the request " +
      "that finds its token in the refresh window. Its window is scaled to the short lifetime as ours is (a quarter of " +
      "it; 5 minutes of an hour by default). The sides run one after the other (the metadata host is process-wide): the " +
      "figures compared are counts.",
    rows: [
      row(
        "10a",
        "P1b: calls that waited on a token fetch, after the first",
        r.ours.waitedAfterFirst,
        r.baseline.waitedAfterFirst,
        "0",
        r.ours.waitedAfterFirst === 0,
      ),
      row("10b", "Metadata fetches over the run", r.ours.fetches, r.baseline.fetches, "-"),
      row(
        "10c",
        "Calls refused (an expired token would be)",
        r.ours.refused,
        r.baseline.refused,
        "0",
        r.ours.refused === 0,
      ),
      row("10d", "Calls made", r.ours.calls, r.baseline.calls, "-"),
    ],
    notes: [
      `The slowest call took ${num(r.ours.maxMs, 1)} ms on our side (the cold start's first fetch included) and ` +
        `${num(r.baseline.maxMs, 1)} ms on the baseline's.`,
    ],
  };
}

/**
 * 11b's target is a ratio to the warm call, and so is what the same function's first call costs with no token or
 * key at all (11c, 11f): when that floor is already above the target, say so, computed from this run, since no change
 * to authentication can bring 11b under it.
 */
function unreachableFirstCallTarget(r: FirstCall, target = 1.5): string[] {
  const floor = Math.min(r.open.ratio, r.settled?.open.ratio ?? Number.POSITIVE_INFINITY);
  if (r.warmStart.ratio <= target || floor <= target) return [];
  return [
    `11b's ${target.toFixed(2)}x target is below the floor of this function's first call with authentication off ` +
      `(${floor.toFixed(2)}x, the lower of 11c and 11f): no token, no key set, no signature check, and its first call ` +
      `still takes ${floor.toFixed(2)} warm calls. So no change to authentication can reach 11b's target here; ` +
      "what authentication adds is 11d and 11g. The rest is the first request through the Functions Framework (it loads " +
      "its body parser's character encodings and compiles its router on the first request) and the first calls of " +
      `\`${r.fn}\`'s own code, which the open side runs too.`,
  ];
}

function firstCallSection(r: FirstCall): Section {
  const row = (id: string, label: string, side: FirstCall["cold"], target: string, met?: boolean): Row => ({
    id,
    measure: `${label}: first call vs warm call, ${r.fn}`,
    ours: `${num(side.firstMs, 1)} ms`,
    baseline: `${num(side.warmMs, 1)} ms`,
    ratio: `${side.ratio.toFixed(2)}x`,
    target,
    ...(met === undefined ? {} : { met }),
  });
  const beside = r.warmStart.ratio / r.open.ratio;
  return {
    number: 11,
    title: "The first call after start",
    measured:
      `${r.rounds} fresh local stacks per side (fresh function processes); each sends \`${r.fn}\` its sample as soon as ` +
      "the stack serves, then more, and compares the first call's latency with the median of the others. The sides " +
      "alternate round by round: warm start off (`CALLGRAPH_WARM_START=false`, what the code did before: the first request " +
      "fetched the callees' tokens and the signing keys inline), warm start on (the default), and the same functions with " +
      "authentication off (public, no tokens: what a first call costs with no token or key involved at all).",
    baseline: "The warm calls of the same stack.",
    rows: [
      row("11a", "Warm start off (today's figure)", r.cold, "- (reported first)"),
      row("11b", "Warm start on (the default)", r.warmStart, "<= 1.50x", r.warmStart.ratio <= 1.5),
      row("11c", "Authentication off", r.open, "-"),
      {
        id: "11d",
        measure: "What authentication adds to the first call: 11b's ratio over 11c's",
        ours: `${r.warmStart.ratio.toFixed(2)}x`,
        baseline: `${r.open.ratio.toFixed(2)}x`,
        ratio: `${beside.toFixed(2)}x`,
        target: "<= 1.05x (nothing beyond noise)",
        met: beside <= 1.05,
      },
      ...(r.settled
        ? [
            row(
              "11e",
              `Warm start on, first call ${num(r.settled.ms)} ms after start`,
              r.settled.warmStart,
              "-",
            ),
            row(
              "11f",
              `Authentication off, first call ${num(r.settled.ms)} ms after start`,
              r.settled.open,
              "-",
            ),
            {
              id: "11g",
              measure: `What authentication adds to a first call made ${num(r.settled.ms)} ms after start: 11e over 11f`,
              ours: `${r.settled.warmStart.ratio.toFixed(2)}x`,
              baseline: `${r.settled.open.ratio.toFixed(2)}x`,
              ratio: `${(r.settled.warmStart.ratio / r.settled.open.ratio).toFixed(2)}x`,
              target: "<= 1.05x (nothing beyond noise)",
              met: r.settled.warmStart.ratio / r.settled.open.ratio <= 1.05,
            },
          ]
        : []),
    ],
    notes: [
      "Part of a first call's cost is not authentication's: the first request through the Functions Framework and the " +
        "function's own code paths (V8 compiles them lazily), and new connections. Row 11c measures that part alone; 11d " +
        "shows what tokens and keys add on top of it.",
      "Rows 11a-11d send the first call as soon as the stack serves, while every function process is still loading and " +
        "its warm start's fetches are still under way on this 2-core machine; rows 11e-11g wait first, as an instance " +
        "waits for traffic. Once the warm start is done the first call pays no token or key (11g), and what remains of the " +
        "first-call ratio (11f) is the Functions Framework's and the code's first request, which authentication cannot remove.",
      ...unreachableFirstCallTarget(r),
    ],
  };
}
