import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { median, pairedRatio } from "./measure";

const CHILD = path.join(__dirname, "pulumi-load-child.cjs");
const run = promisify(execFile);

/**
 * How Pulumi is told to load the program:
 * - `configured`: as this project's Pulumi.yaml says (its `runtime.options`), what `pulumi up` does here;
 * - `typeChecked`: Pulumi's default for a project that says nothing: tsconfig.json, ts-node type-checking;
 * - `transpileOnly`: the floor, Pulumi's own switch `PULUMI_NODEJS_TRANSPILE_ONLY=true` with tsconfig.json.
 */
export type LoadSide = "configured" | "typeChecked" | "transpileOnly";
export const LOAD_SIDES: readonly LoadSide[] = ["configured", "typeChecked", "transpileOnly"];

/** The `runtime.options` of Pulumi.yaml that decide how the nodejs language host starts the program. */
export interface RuntimeOptions {
  /** `typescript` (default true): load `.ts` through ts-node. */
  readonly typescript: boolean;
  /** `tsconfig`: the tsconfig the SDK reads instead of tsconfig.json. */
  readonly tsconfig?: string;
  /**
   * Pulumi.yaml's `main`, which the language host hands the SDK's `run` as the program; without it `run` takes the
   * package's entry (`exports["."]`, then package.json's `main`), which here is the callgraph package, not the program.
   */
  readonly main?: string;
}

/**
 * Reads the runtime options of `programDir/Pulumi.yaml` as the nodejs language host parses them
 * (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go, `parseOptions`: `typescript` a boolean defaulting
 * to true, `tsconfig` a string; a wrong type is an error there too).
 */
export function readRuntimeOptions(programDir: string): RuntimeOptions {
  const file = path.join(programDir, "Pulumi.yaml");
  const project = parse(fs.readFileSync(file, "utf8")) as { runtime?: unknown; main?: unknown } | null;
  const main = typeof project?.main === "string" ? { main: project.main } : {};
  const runtime = project?.runtime;
  const options =
    typeof runtime === "object" && runtime !== null ? (runtime as { options?: unknown }).options : undefined;
  if (options === undefined || options === null) return { typescript: true, ...main };
  if (typeof options !== "object" || Array.isArray(options))
    throw new Error(`${file}: runtime.options must be a map, got ${JSON.stringify(options)}`);
  const { typescript = true, tsconfig } = options as { typescript?: unknown; tsconfig?: unknown };
  if (typeof typescript !== "boolean")
    throw new Error(
      `${file}: runtime.options.typescript must be true or false, got ${JSON.stringify(typescript)}`,
    );
  if (tsconfig !== undefined && typeof tsconfig !== "string")
    throw new Error(`${file}: runtime.options.tsconfig must be a path, got ${JSON.stringify(tsconfig)}`);
  return { typescript, ...(tsconfig === undefined ? {} : { tsconfig }), ...main };
}

/** Variables that would change what is measured if the bench process happened to carry them. */
const INHERITED = /^(PULUMI_NODEJS_|PULUMI_CONFIG|TS_NODE_|NODE_OPTIONS$)/;

/**
 * The environment of one load. The language host sets `PULUMI_NODEJS_TYPESCRIPT=true` when `typescript` is on and
 * `PULUMI_NODEJS_TSCONFIG_PATH` from `tsconfig` (main.go, `Run`); the SDK's cmd/run then decides transpile-only
 * from `PULUMI_NODEJS_TRANSPILE_ONLY` if set, else from the tsconfig's `compilerOptions.noCheck`
 * (node_modules/@pulumi/pulumi/cmd/run/run.js, `run`). Each load gets its own empty ts-node cache folder: ts-node
 * caches compiled files on disk, and a warm cache would skip compiling, checked or not.
 */
export function loadEnv(
  base: NodeJS.ProcessEnv,
  options: RuntimeOptions,
  side: LoadSide,
  cacheDir: string,
): NodeJS.ProcessEnv {
  if (!options.typescript)
    throw new Error(
      "Pulumi.yaml sets runtime.options.typescript: false, so Pulumi does not compile the program: nothing to measure",
    );
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(base).filter(([k]) => !INHERITED.test(k)));
  env.PULUMI_NODEJS_TYPESCRIPT = "true";
  env.PULUMI_CONFIG = "{}"; // no config: the program stops at its first required key (see the child)
  env.TS_NODE_CACHE_DIRECTORY = cacheDir;
  if (side === "configured" && options.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  if (side === "transpileOnly") env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
  return env;
}

/** One load of the program, in a fresh process. */
export interface Load {
  /** From calling the SDK's `run` until the program stopped at its first config read. */
  readonly ms: number;
  /** The child's CPU time over the same span. */
  readonly cpuMs: number;
  /** The process's peak resident set. */
  readonly maxRssMb: number;
  /** The config key the program asked for first, where it stopped. */
  readonly stoppedAt: string;
}

/** Loads the program in `programDir` once, as `side` says, in a fresh `node` (bench/pulumi-load-child.cjs). */
export async function loadOnce(programDir: string, side: LoadSide): Promise<Load> {
  const options = readRuntimeOptions(programDir);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-ts-node-"));
  try {
    const { stdout } = await run(process.execPath, [CHILD, options.main ?? "."], {
      cwd: programDir,
      env: loadEnv(process.env, options, side, cacheDir),
      maxBuffer: 1 << 20,
    }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(
        `loading ${programDir} (${side}) failed: ${(error.stderr || error.message).trim().slice(0, 2000)}`,
      );
    });
    const { ms, cpuMs, maxRssMb, stoppedAt } = JSON.parse(stdout) as Partial<Load>;
    if (
      typeof ms !== "number" ||
      typeof cpuMs !== "number" ||
      typeof maxRssMb !== "number" ||
      typeof stoppedAt !== "string"
    )
      throw new Error(`loading ${programDir} (${side}): no figures from the child: ${stdout}`);
    return { ms, cpuMs, maxRssMb, stoppedAt };
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** Median figures of one side. */
export interface SideCost {
  readonly ms: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
}

/** A paired ratio (the median of per-round ratios) of load time, in wall time and in CPU time. */
export interface Ratio {
  readonly wall: number;
  readonly cpu: number;
}

export interface PulumiLoadCost {
  readonly rounds: number;
  readonly runtimeOptions: RuntimeOptions;
  readonly sides: Readonly<Record<LoadSide, SideCost>>;
  readonly configuredOverFloor: Ratio;
  readonly checkedOverFloor: Ratio;
  readonly configuredOverChecked: Ratio;
  /** Where every load stopped: the program's first required config key. */
  readonly stoppedAt: string;
}

/**
 * `rounds` rounds of one load per side, each in a fresh process with a cold ts-node cache; the side that goes
 * first rotates from round to round, so a slow phase of the machine does not always hit the same side. `load` is
 * `loadOnce` but for tests.
 */
export async function measurePulumiLoad(
  programDir: string,
  rounds: number,
  load: (programDir: string, side: LoadSide) => Promise<Load> = loadOnce,
): Promise<PulumiLoadCost> {
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`rounds must be a positive integer, got ${rounds}`);
  const runs: Record<LoadSide, Load[]> = { configured: [], typeChecked: [], transpileOnly: [] };
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < LOAD_SIDES.length; i++) {
      const side = LOAD_SIDES[(round + i) % LOAD_SIDES.length];
      runs[side].push(await load(programDir, side));
    }
  }
  const stops = new Set(LOAD_SIDES.flatMap((side) => runs[side].map((r) => r.stoppedAt)));
  if (stops.size !== 1)
    throw new Error(
      `the loads stopped at different config keys (${[...stops].join(", ")}): they did not load the same program`,
    );
  const of = (side: LoadSide, metric: keyof SideCost) => runs[side].map((r) => r[metric]);
  const cost = (side: LoadSide): SideCost => ({
    ms: median(of(side, "ms")),
    cpuMs: median(of(side, "cpuMs")),
    maxRssMb: median(of(side, "maxRssMb")),
  });
  const ratio = (a: LoadSide, b: LoadSide): Ratio => ({
    wall: pairedRatio(of(a, "ms"), of(b, "ms")),
    cpu: pairedRatio(of(a, "cpuMs"), of(b, "cpuMs")),
  });
  return {
    rounds,
    runtimeOptions: readRuntimeOptions(programDir),
    sides: {
      configured: cost("configured"),
      typeChecked: cost("typeChecked"),
      transpileOnly: cost("transpileOnly"),
    },
    configuredOverFloor: ratio("configured", "transpileOnly"),
    checkedOverFloor: ratio("typeChecked", "transpileOnly"),
    configuredOverChecked: ratio("configured", "typeChecked"),
    stoppedAt: [...stops][0],
  };
}
