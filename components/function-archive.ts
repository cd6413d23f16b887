import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { zipSync } from "fflate";

/** A function's deployable archive: one bundled file and a dependency-free package.json, zipped. */
export interface FunctionArchive {
  /** Absolute path of the zip on disk (under `.callgraph/build/`). */
  readonly path: string;
  /** sha256 of the zip, hex. Same code -> same bytes -> same hash -> no diff on the next `pulumi up`. */
  readonly sha256: string;
  /** Size of the zip in bytes. */
  readonly size: number;
  /**
   * Names the entry module exports, sorted; `undefined` when the entry is CommonJS, whose exports esbuild cannot
   * list without running it.
   */
  readonly exports?: readonly string[];
}

export interface FunctionArchiveOptions {
  /** Project root: `source` is relative to it, and bundles name files relative to it (so clones agree). */
  readonly projectRoot: string;
  /** The function's source folder, relative to `projectRoot`; its entry is `index.ts` or `index.js`. */
  readonly source: string;
  /**
   * esbuild target: the Node.js the platform runs the bundle on (`node22` for runtime `nodejs22`; see
   * `esbuildTarget` in topology). Defaults to `node22`.
   */
  readonly target?: string;
  /** Where archives are written; defaults to `<projectRoot>/.callgraph/build`. */
  readonly outDir?: string;
}

// Fixed zip timestamps: the archive's bytes must depend on the code only, never on when it was built.
const ZIP_MTIME = new Date("1980-01-01T00:00:00Z");
const ENTRY_FILES = ["index.ts", "index.js"];
/** Changes whenever the bundle's options do, so archives cached by their inputs are rebuilt. */
const BUNDLE_FORMAT = "3 (inline source map, loader.js entry)";
// The platform's default runtime, nodejs22. The local stack runs the same bundle on this machine's Node.js.
const DEFAULT_TARGET = "node22";

/**
 * Archives built or found by this process. Each is checked against the modification times of the project's own
 * inputs (not node_modules, which only an install changes) before it is reused: a long-lived process that
 * evaluates again after an edit (the local stack's development loop) gets the new bundle, without hashing every
 * input on every evaluation.
 */
const built = new Map<
  string,
  { readonly archive: FunctionArchive; readonly own: readonly string[]; readonly stamp: string }
>();

/**
 * Bundles a function's code with esbuild into a single `index.js` (every dependency inlined, so the platform
 * runs no `npm install`) and zips it with a `package.json` that has no dependencies. Deterministic, and cached
 * per source folder and target: in this process by folder, on disk by the content of every file the bundle
 * read, so evaluating the program again with unchanged code does not rebuild. Throws an {@link ArchiveError}
 * when the folder cannot be bundled.
 */
export function buildFunctionArchive(options: FunctionArchiveOptions): FunctionArchive {
  const root = path.resolve(options.projectRoot);
  const outDir = path.resolve(options.outDir ?? path.join(root, ".callgraph", "build"));
  const build: Build = { root, source: options.source, target: options.target ?? DEFAULT_TARGET, outDir };
  const key = `${outDir}\0${path.resolve(root, options.source)}\0${build.target}`;
  const cached = built.get(key);
  if (cached && stampOf(root, cached.own) === cached.stamp) return cached.archive;
  const { archive, manifest } = fromDiskCache(build) ?? bundle(build);
  const own = manifest.inputs.filter((file) => !file.split("/").includes("node_modules"));
  built.set(key, { archive, own, stamp: stampOf(root, own) });
  return archive;
}

/** Size and modification time of each file: changes when any of them is saved. */
function stampOf(root: string, files: readonly string[]): string {
  return files
    .map((file) => {
      const stat = fs.statSync(path.resolve(root, file), { throwIfNoEntry: false });
      return stat ? `${stat.size}:${stat.mtimeMs}` : "-";
    })
    .join("|");
}

function readManifest(file: string): ManifestFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ManifestFile;
  } catch {
    return undefined;
  }
}

/** A function's folder could not be bundled: no entry file, or esbuild's errors (file:line:column: text). */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

interface Build {
  readonly root: string;
  readonly source: string;
  readonly target: string;
  readonly outDir: string;
}

function entryOf(root: string, source: string): string {
  const folder = path.resolve(root, source);
  const entry = ENTRY_FILES.map((f) => path.join(folder, f)).find((f) => fs.existsSync(f));
  if (!entry) throw new ArchiveError(`no ${ENTRY_FILES.join(" or ")} to bundle in ${folder}`);
  return entry;
}

function bundle({ root, source, target, outDir }: Build): Built {
  const entry = entryOf(root, source);
  const result = esbuildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    target,
    format: "cjs",
    minify: true,
    keepNames: true,
    legalComments: "eof",
    // A stack trace points at the TypeScript line, locally and deployed: the archive's entry is LOADER, which turns
    // source maps on before it loads this bundle. Inline, so the bundle stays one file; without the sources' text,
    // which a trace does not need. No outfile: the map's paths stay relative to the project root.
    sourcemap: "inline",
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles![0].contents;
  const zip = zipSync(
    {
      "index.js": [code, { mtime: ZIP_MTIME }],
      [LOADER_FILE]: [Buffer.from(LOADER), { mtime: ZIP_MTIME }],
      "package.json": [Buffer.from(packageJson(source)), { mtime: ZIP_MTIME }],
    },
    { level: 9 },
  );
  const sha256 = createHash("sha256").update(zip).digest("hex");
  fs.mkdirSync(outDir, { recursive: true });
  const zipPath = path.join(outDir, `${sha256}.zip`);
  if (!fs.existsSync(zipPath)) writeAtomically(zipPath, zip);
  const inputs = Object.keys(result.metafile!.inputs).sort();
  // Not named `exports`: compiled to CommonJS, that name would shadow the module's own (this file's LOADER).
  const exported = entryExports(root, entry, target) ?? null;
  const inputsHash = hashFiles(root, inputs, target) ?? "";
  const manifest: Manifest = { sha256, size: zip.length, inputs, inputsHash, exports: exported };
  const file = manifestPath(outDir, root, source, target);
  // The builds before it stay listed: two checkouts sharing the folder (`callgraph diff`'s base and head) each find
  // their own version of a function that differs between them, rather than each rebuilding over the other's.
  const kept = buildsIn(readManifest(file))
    .map(({ previous: _older, ...build }: ManifestFile) => build)
    .filter((m) => typeof m.inputsHash === "string" && m.inputsHash !== inputsHash)
    .slice(0, KEPT_BUILDS - 1);
  writeAtomically(file, Buffer.from(JSON.stringify({ ...manifest, previous: kept } satisfies ManifestFile)));
  return { archive: { path: zipPath, sha256, size: zip.length, exports: exported ?? undefined }, manifest };
}

/**
 * The names the entry module exports. esbuild's metafile lists an output's `exports` for ESM output only
 * (https://esbuild.github.io/api/#metafile), and the archive is CommonJS, so this is a second, ESM build of the
 * same entry that writes nothing. Packages stay external: only the entry's own exports matter, and `export *`
 * from the function's local files is still followed. `undefined` when the entry is CommonJS, whose
 * `module.exports` esbuild cannot enumerate.
 */
function entryExports(root: string, entry: string, target: string): string[] | undefined {
  const result = esbuildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    packages: "external",
    platform: "node",
    target,
    format: "esm",
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const metafile = result.metafile!;
  const input = metafile.inputs[path.relative(root, entry).split(path.sep).join("/")];
  if (input?.format === "cjs") return undefined;
  return [...Object.values(metafile.outputs)[0].exports].sort();
}

/** esbuild's build, with its errors turned into one message naming file, line and column. */
function esbuildSync(options: esbuild.BuildOptions): esbuild.BuildResult {
  try {
    return esbuild.buildSync(options);
  } catch (error) {
    const failure = error as Partial<esbuild.BuildFailure>;
    if (!Array.isArray(failure.errors)) throw error;
    const lines = failure.errors.map((e) =>
      e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text,
    );
    throw new ArchiveError(`esbuild could not bundle it: ${lines.join("; ")}`);
  }
}

/** What a build of a source folder read, so an unchanged folder is not bundled again. */
interface Manifest {
  readonly sha256: string;
  readonly size: number;
  readonly inputs: readonly string[];
  readonly inputsHash: string;
  /** The entry's exports; `null` for a CommonJS entry. Absent in manifests written before they were recorded. */
  readonly exports?: readonly string[] | null;
}

/**
 * The manifest file of a source folder: its latest build, and the few before it ({@link KEPT_BUILDS} in all) under
 * `previous`. Readers that know only the latest (local/bundle-inputs.ts reads `sha256` and `inputs`) still read it.
 */
interface ManifestFile extends Manifest {
  readonly previous?: readonly Manifest[];
}

/** Builds of one source folder remembered on disk: the latest and three before it. */
const KEPT_BUILDS = 4;

interface Built {
  readonly archive: FunctionArchive;
  readonly manifest: Manifest;
}

/** The builds a manifest file lists, latest first; none when it is not one (a cache folder is only ever a hint). */
function buildsIn(file: ManifestFile | undefined): ManifestFile[] {
  const isObject = (value: unknown): value is ManifestFile => typeof value === "object" && value !== null;
  if (!isObject(file)) return [];
  return [file, ...(Array.isArray(file.previous) ? file.previous : [])].filter(isObject);
}

function fromDiskCache({ root, source, target, outDir }: Build): Built | undefined {
  const builds = buildsIn(readManifest(manifestPath(outDir, root, source, target)));
  if (builds.length === 0) return undefined;
  const entry = path.relative(root, entryOf(root, source)).split(path.sep).join("/");
  const read = readOnce(root);
  for (const manifest of builds) {
    if (manifest.exports === undefined || !Array.isArray(manifest.inputs)) continue;
    if (typeof manifest.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(manifest.sha256)) continue;
    const zipPath = path.join(outDir, `${manifest.sha256}.zip`);
    if (!fs.existsSync(zipPath)) continue;
    // A new file in the folder that no old input imports cannot change the bundle, except a new entry file.
    if (!manifest.inputs.includes(entry)) continue;
    if (hashFiles(root, manifest.inputs, target, read) !== manifest.inputsHash) continue;
    const archive = {
      path: zipPath,
      sha256: manifest.sha256,
      size: manifest.size,
      exports: manifest.exports ?? undefined,
    };
    return { archive, manifest };
  }
  return undefined;
}

/**
 * @param read each file's content; a check of several builds of one folder passes one memo, so the inputs they have
 *   in common (most of them: the same packages) are read once.
 */
function hashFiles(
  root: string,
  files: readonly string[],
  target: string,
  read: (file: string) => Buffer = (file) => fs.readFileSync(path.resolve(root, file)),
): string | undefined {
  // BUNDLE_FORMAT: a cached archive built with other options (before source maps) is not reused.
  const hash = createHash("sha256").update(`${BUNDLE_FORMAT}\0${esbuild.version}\0${target}\0`);
  for (const file of files) {
    try {
      hash.update(file).update("\0").update(read(file));
    } catch {
      return undefined; // an input is gone: rebuild
    }
  }
  return hash.digest("hex");
}

/** `read` for {@link hashFiles} that reads each file once; a file that cannot be read throws every time. */
function readOnce(root: string): (file: string) => Buffer {
  const contents = new Map<string, Buffer | Error>();
  return (file) => {
    let content = contents.get(file);
    if (content === undefined) {
      try {
        content = fs.readFileSync(path.resolve(root, file));
      } catch (error) {
        content = error instanceof Error ? error : new Error(String(error));
      }
      contents.set(file, content);
    }
    if (content instanceof Error) throw content;
    return content;
  };
}

/**
 * Named by the folder's path inside its project, not on this disk: another checkout of the same project (a worktree
 * `callgraph diff` evaluates, sharing this folder) finds the same manifests, and each is checked against the content
 * of every input before it is used.
 */
function manifestPath(outDir: string, root: string, source: string, target: string): string {
  const folder = path.relative(root, path.resolve(root, source)).split(path.sep).join("/");
  const id = createHash("sha256").update(`${folder}\0${target}`).digest("hex").slice(0, 16);
  return path.join(outDir, `${id}.manifest.json`);
}

/** The archive's entry (package.json `main`): {@link LOADER}. */
export const LOADER_FILE = "loader.js";

/**
 * Turns Node's source-map support on, then loads the bundle: a stack trace in Cloud Logging then names the TypeScript
 * line, with no `NODE_OPTIONS` to set. It must be a file of its own: Node reads a file's source map when it loads
 * the file, so the bundle cannot turn the support on for itself ("only source maps in JavaScript files that are
 * loaded after source maps has been enabled will be parsed and loaded",
 * https://nodejs.org/api/process.html#processsetsourcemapsenabledval; Node >= 16.6, so every runtime offered).
 */
export const LOADER =
  '"use strict";\n// callgraph: stack traces name the TypeScript lines of ./index.js (its inline source map).\n' +
  'process.setSourceMapsEnabled(true);\nmodule.exports = require("./index.js");\n';

function packageJson(source: string): string {
  // No dependencies: everything is in index.js, so the build step installs nothing; loader.js loads it.
  const name =
    path
      .basename(source)
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-") || "function";
  return `${JSON.stringify({ name, version: "1.0.0", private: true, main: LOADER_FILE, engines: { node: ">=20" } }, null, 2)}\n`;
}

// Concurrent evaluations (tests, bench) may build the same archive: write to a temp name, then rename.
function writeAtomically(file: string, data: Uint8Array): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(temp, data);
  fs.renameSync(temp, file);
}
