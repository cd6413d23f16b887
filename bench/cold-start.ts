import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import { unzipSync } from "fflate";
import type { Evaluation } from "../engine";
import { parseStackDeclaration } from "../topology";
import { median, pairedRatio } from "./measure";

const ROOT = path.resolve(__dirname, "..");
/** Inside the repository (and ignored by git), so the unbundled code resolves `node_modules` as in development. */
const UNBUNDLED_DIR = path.join(ROOT, ".callgraph", "bench", "unbundled");
const run = promisify(execFile);

/**
 * Runs in a fresh `node`: times the `require` of the entry alone (not the process start) with hrtime, so what
 * is compared is loading the code, which is what a cold instance pays on top of starting Node.
 */
const CHILD = `
const entry = process.argv[1];
const start = process.hrtime.bigint();
require(entry);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ ms }));
process.exit(0);
`;

export interface ColdStart {
  readonly name: string;
  /** The zip the program uploads. */
  readonly archiveBytes: number;
  /** Its one `index.js`. */
  readonly bundleBytes: number;
  /** Median `require` time of the bundle. */
  readonly bundleMs: number;
  /** Median `require` time of the same code, transpiled file by file, from node_modules. */
  readonly unbundledMs: number;
  /** Files of the same code outside the bundle: the function's own and those of its dependencies. */
  readonly unbundledFiles: number;
  readonly unbundledBytes: number;
}

/**
 * Cold-start cost of each function of an evaluation: its archive's size, and how long its bundle takes to
 * `require` in a fresh Node process against the same code unbundled. The bundle is unpacked from the archive
 * into a temp folder outside the repository (so nothing could be resolved from node_modules); the baseline
 * is the function's own TypeScript transpiled by esbuild with `bundle: false`, one file per file, requiring
 * its dependencies from the repository's node_modules, as a deployment that runs `npm install` would.
 * Runs alternate between the two, per function; medians of `runs`.
 */
export async function measureColdStart(evaluation: Evaluation, runs: number): Promise<ColdStart[]> {
  const sources = new Map(parseStackDeclaration(evaluation.config).functions.map((f) => [f.name, f.source]));
  const bundled = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-cold-start-"));
  fs.rmSync(UNBUNDLED_DIR, { recursive: true, force: true });
  try {
    const cases = await Promise.all(
      evaluation.graph.functions.map(async (fn) => {
        const source = sources.get(fn.name);
        if (!source || !fn.archivePath)
          throw new Error(`cold start: ${fn.name} has no source folder or archive`);
        const bundle = unpackBundle(fn.archivePath, path.join(bundled, fn.name));
        const unbundled = await transpileUnbundled(source);
        return { fn, bundle, unbundled, bundleMs: [] as number[], unbundledMs: [] as number[] };
      }),
    );
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        const order =
          i % 2 === 0 ? ([c.bundle, c.unbundled.entry] as const) : ([c.unbundled.entry, c.bundle] as const);
        for (const entry of order)
          (entry === c.bundle ? c.bundleMs : c.unbundledMs).push(await loadMs(entry));
      }
    }
    return cases.map((c) => ({
      name: c.fn.name,
      archiveBytes: fs.statSync(c.fn.archivePath!).size,
      bundleBytes: fs.statSync(c.bundle).size,
      bundleMs: median(c.bundleMs),
      unbundledMs: median(c.unbundledMs),
      unbundledFiles: c.unbundled.files,
      unbundledBytes: c.unbundled.bytes,
    }));
  } finally {
    fs.rmSync(bundled, { recursive: true, force: true });
    fs.rmSync(UNBUNDLED_DIR, { recursive: true, force: true });
  }
}

function unpackBundle(archivePath: string, dir: string): string {
  const files = unzipSync(fs.readFileSync(archivePath));
  if (!files["index.js"]) throw new Error(`${archivePath} has no index.js`);
  fs.mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, "index.js");
  fs.writeFileSync(entry, files["index.js"]);
  return entry;
}

/**
 * The function's code as it is without a bundler: esbuild lists every file the bundle reads (its metafile);
 * the repository's own files among them are transpiled one by one (JSON copied) under UNBUNDLED_DIR, the rest
 * stay in node_modules. Returns the entry and the size of everything that gets loaded.
 */
async function transpileUnbundled(source: string): Promise<{ entry: string; files: number; bytes: number }> {
  const entryTs = path.join(source, "index.ts");
  const { metafile } = await esbuild.build({
    entryPoints: [path.join(ROOT, entryTs)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.entries(metafile.inputs);
  for (const [file] of inputs.filter(([file]) => !file.startsWith("node_modules/"))) {
    const out = path.join(UNBUNDLED_DIR, file.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    if (!file.endsWith(".ts")) {
      fs.copyFileSync(path.join(ROOT, file), out);
      continue;
    }
    const { code } = await esbuild.transform(fs.readFileSync(path.join(ROOT, file), "utf8"), {
      loader: "ts",
      format: "cjs",
      platform: "node",
      target: "node20",
      sourcefile: file,
    });
    fs.writeFileSync(out, code);
  }
  return {
    entry: path.join(UNBUNDLED_DIR, entryTs.replace(/\.ts$/, ".js")),
    files: inputs.length,
    bytes: inputs.reduce((n, [, input]) => n + input.bytes, 0),
  };
}

/** Unpacking every archive of a stack in a fresh process: ours (local/unzip.ts) against fflate's `unzipSync`. */
export interface Unpack {
  readonly archives: number;
  /** Bytes of the files unpacked, the same on both sides (checked). */
  readonly bytes: number;
  readonly runs: number;
  /** Medians. */
  readonly oursMs: number;
  readonly fflateMs: number;
  readonly oursCpuMs: number;
  readonly fflateCpuMs: number;
  /** Median of the per-pair ratios, in CPU time (fflate's inflate keeps V8's compiler threads busy too). */
  readonly cpuRatio: number;
}

const UNPACK_CHILD = path.join(__dirname, "unpack-child.ts");

/** What bench/unpack-child.ts prints. */
interface UnpackRun {
  readonly ms: number;
  readonly cpuMs: number;
  readonly bytes: number;
}

/**
 * What `callgraph local` pays to unpack a stack's archives before it starts their processes (local/function-process.ts
 * `unpack`), in fresh processes as it runs: the JIT starts cold, which is where fflate's JavaScript inflate costs
 * most. The sides alternate; medians of `runs`.
 */
export async function measureUnpack(archivePaths: readonly string[], runs: number): Promise<Unpack> {
  const figures: Record<"ours" | "fflate", UnpackRun[]> = { ours: [], fflate: [] };
  for (let i = 0; i < runs; i++)
    for (const side of i % 2 === 0 ? (["ours", "fflate"] as const) : (["fflate", "ours"] as const)) {
      const { stdout } = await run(process.execPath, [
        "--import",
        "tsx",
        UNPACK_CHILD,
        side,
        ...archivePaths,
      ]);
      figures[side].push(JSON.parse(stdout) as UnpackRun);
    }
  const bytes = new Set([...figures.ours, ...figures.fflate].map((f) => f.bytes));
  if (bytes.size !== 1)
    throw new Error(`unpack: the two sides unpacked different sizes: ${[...bytes].join(", ")}`);
  const of = (side: "ours" | "fflate", key: "ms" | "cpuMs") => figures[side].map((f) => f[key]);
  return {
    archives: archivePaths.length,
    bytes: [...bytes][0],
    runs,
    oursMs: median(of("ours", "ms")),
    fflateMs: median(of("fflate", "ms")),
    oursCpuMs: median(of("ours", "cpuMs")),
    fflateCpuMs: median(of("fflate", "cpuMs")),
    cpuRatio: pairedRatio(of("ours", "cpuMs"), of("fflate", "cpuMs")),
  };
}

async function loadMs(entry: string): Promise<number> {
  // Only PATH: no NODE_OPTIONS or loader of this process (tsx) may reach the child.
  const { stdout } = await run(process.execPath, ["-e", CHILD, entry], {
    env: { PATH: process.env.PATH ?? "" },
  });
  const { ms } = JSON.parse(stdout) as { ms: unknown };
  if (typeof ms !== "number") throw new Error(`cold start: no timing from ${entry}: ${stdout}`);
  return ms;
}
