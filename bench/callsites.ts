/**
 * What call-site extraction adds to a `callgraph check`, for the default stack's functions and for 300 generated
 * ones, cold and warm, as ratios to one evaluation of the program (issue 13; target: at most +30% cold, nothing
 * measurable warm). Run: `npx tsx bench/callsites.ts [--quick]`.
 *
 * Cold: a fresh process (as a `callgraph check` or `pulumi preview` is) evaluates the program once. Paired runs,
 * back to back, differ only in the call-site cache: emptied (the program loads TypeScript and analyses every
 * function) or kept (every answer stored: the program hashes the inputs and never loads TypeScript). Both keep the
 * archive cache warm, so the difference is the extraction. Warm: a second evaluation in the same process, against
 * the extraction it contains (answers remembered in memory, inputs hashed again).
 *
 * The program runs from a copy of the project in a temporary folder, so its caches (`.callgraph/`) are the
 * bench's own and emptying them cannot disturb another run on the machine.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { readStackConfig } from "../engine/stack-config";
import { functionCalling } from "../tests/callsites/support/temp-project";
import { median, pairedRatio } from "./measure";

const REPO = path.resolve(__dirname, "..");
const CHILD = path.join(__dirname, "callsites-child.ts");
const TSX = require.resolve("tsx/cli");
/** Not copied: packages are linked, git and the caches are not the program's. */
const NOT_COPIED = new Set(["node_modules", ".git", ".callgraph"]);
const run = promisify(execFile);

interface ChildTimes {
  readonly evaluation: number;
  readonly stored: number;
  readonly uptime: number;
  readonly warmEvaluation?: number;
  readonly warmExtraction?: number;
}

export interface CallSitesCost {
  readonly scenario: string;
  readonly functions: number;
  /** Median wall time of a fresh process evaluating the program with every answer stored, ms. */
  readonly coldStored: number;
  /** The same with an empty call-site cache, ms. */
  readonly coldEmpty: number;
  /** Median of the paired (empty / stored) - 1: what extraction adds to a cold check. */
  readonly coldAdded: number;
  /** In-process time of the extraction with every answer stored (hashing), ms. */
  readonly storedExtraction: number;
  readonly warmEvaluation: number;
  readonly warmExtraction: number;
  /** warmExtraction / warmEvaluation. */
  readonly warmAdded: number;
}

function copyProgram(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-bench-callsites-"));
  // The whole project, as the program may import any of its folders (and its layout changes).
  for (const entry of fs.readdirSync(REPO)) {
    if (!NOT_COPIED.has(entry))
      fs.cpSync(path.join(REPO, entry), path.join(dir, entry), { recursive: true, verbatimSymlinks: true });
  }
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** `count` functions in `dir/functions`, each calling the next two by a `const` literal (a ring). */
function generatedConfig(dir: string, count: number): Record<string, unknown> {
  const name = (i: number) => `fn-${String(i).padStart(3, "0")}`;
  const functions: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const calls = [name((i + 1) % count), name((i + 2) % count)];
    const source = `functions/${name(i)}`;
    fs.mkdirSync(path.join(dir, source), { recursive: true });
    fs.writeFileSync(path.join(dir, source, "index.ts"), functionCalling(calls));
    functions[name(i)] = { calls, source, entryPoint: "handler" };
  }
  return { "gcp:project": "callgraph-bench", "gcp:region": "us-central1", "callgraph:functions": functions };
}

async function child(
  dir: string,
  config: Record<string, unknown>,
  warm = false,
): Promise<ChildTimes & { wall: number }> {
  const start = performance.now();
  const { stdout } = await run(
    process.execPath,
    [TSX, CHILD, dir, JSON.stringify(config), ...(warm ? ["--warm"] : [])],
    {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const wall = performance.now() - start;
  return { ...(JSON.parse(stdout.trim().split("\n").pop()!) as ChildTimes), wall };
}

export async function measureCallSites(
  scenario: string,
  dir: string,
  config: Record<string, unknown>,
  rounds: number,
): Promise<CallSitesCost> {
  const cache = path.join(dir, ".callgraph", "callsites");
  await child(dir, config); // builds the archives (kept warm for every run) and stores the answers
  const empty: number[] = [];
  const stored: number[] = [];
  const storedExtraction: number[] = [];
  for (let i = 0; i < rounds; i++) {
    fs.rmSync(cache, { recursive: true, force: true });
    empty.push((await child(dir, config)).wall);
    const kept = await child(dir, config);
    stored.push(kept.wall);
    storedExtraction.push(kept.stored);
  }
  const warm = await child(dir, config, true);
  return {
    scenario,
    functions: Object.keys(config["callgraph:functions"] as object).length,
    coldStored: median(stored),
    coldEmpty: median(empty),
    coldAdded: pairedRatio(empty, stored) - 1,
    storedExtraction: median(storedExtraction),
    warmEvaluation: warm.warmEvaluation!,
    warmExtraction: warm.warmExtraction!,
    warmAdded: warm.warmExtraction! / warm.warmEvaluation!,
  };
}

/** One Markdown table row per scenario, as RESULTS.md prints them. */
export function callSitesRows(costs: readonly CallSitesCost[]): string {
  const ms = (v: number) => `${Math.round(v)} ms`;
  const pct = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}%`;
  return [
    "| functions | cold check, answers stored | cold check, cache empty | cold: extraction adds | warm evaluation | warm extraction | warm: extraction adds |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...costs.map(
      (c) =>
        `| ${c.scenario} (${c.functions}) | ${ms(c.coldStored)} | ${ms(c.coldEmpty)} | ${pct(c.coldAdded)} | ` +
        `${ms(c.warmEvaluation)} | ${c.warmExtraction.toFixed(1)} ms | ${pct(c.warmAdded)} |`,
    ),
  ].join("\n");
}

/** How much of each scenario: rounds of paired cold runs, and how many generated functions. */
export interface CallSitesPlan {
  readonly defaultRounds: number;
  readonly generatedFunctions: number;
  readonly generatedRounds: number;
}

export const FULL_CALL_SITES: CallSitesPlan = {
  defaultRounds: 5,
  generatedFunctions: 300,
  generatedRounds: 3,
};
export const QUICK_CALL_SITES: CallSitesPlan = {
  defaultRounds: 1,
  generatedFunctions: 30,
  generatedRounds: 1,
};

/**
 * Both scenarios, in a copy of the project made for the run and removed after it: the default stack (what a
 * user's `callgraph check` analyses) and `plan.generatedFunctions` generated ones, each with its own code.
 */
export async function measureCallSitesScenarios(plan: CallSitesPlan): Promise<CallSitesCost[]> {
  const dir = copyProgram();
  try {
    return [
      await measureCallSites("default stack", dir, readStackConfig(REPO, "dev").config, plan.defaultRounds),
      await measureCallSites(
        "generated",
        dir,
        generatedConfig(dir, plan.generatedFunctions),
        plan.generatedRounds,
      ),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const costs = await measureCallSitesScenarios(
    process.argv.includes("--quick") ? QUICK_CALL_SITES : FULL_CALL_SITES,
  );
  process.stdout.write(
    `${callSitesRows(costs)}\n\nload average: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
  process.stderr.write(`${JSON.stringify(costs)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
