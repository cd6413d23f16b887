import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";

// The entry files a function folder may have, in the order the archive (components/function-archive.ts) picks.
const ENTRY_FILES = ["index.ts", "index.js"];

/** Thrown when a function's code cannot be resolved (no entry, a syntax error, an import that resolves nowhere). */
export class BundleInputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BundleInputsError";
  }
}

/** The entry file of a function folder, relative to `root` with `/` separators. */
export function entryFile(root: string, source: string): string {
  const folder = path.resolve(root, source);
  const entry = ENTRY_FILES.map((f) => path.join(folder, f)).find((f) => fs.existsSync(f));
  if (!entry)
    throw new BundleInputsError(
      `${source}: no ${ENTRY_FILES.join(" or ")} in ${folder}; a function folder needs an entry file`,
    );
  return toProjectPath(root, entry);
}

/** What esbuild resolved: per source folder its inputs, and per input file its import specifiers' targets. */
export interface BundleInputs {
  /** source folder -> its inputs, sorted, relative to the root with `/` separators. */
  readonly inputs: Map<string, string[]>;
  /** input file -> import specifier as written -> the project file it resolved to. */
  readonly resolutions: Map<string, Map<string, string>>;
}

/**
 * The project files each function's bundle reads, found by esbuild itself: one build of every entry with the
 * archive's resolution settings (bundle, platform node), whose metafile lists each input and the
 * imports it resolved to. A function's inputs are what its entry reaches through those imports, i.e. the
 * project files of its archive's metafile `inputs`. Packages stay external (`packages: "external"`): a package
 * cannot name this project's functions, and not bundling them makes resolution ~25x faster (10 ms against
 * 275 ms for `search`, measured). Nothing is written.
 *
 * Its resolutions are returned too, so the checker follows exactly the imports the bundle follows.
 */
export function bundleInputs(root: string, sources: readonly string[]): BundleInputs {
  const entries = new Map(sources.map((s) => [s, entryFile(root, s)]));
  let metafile: esbuild.Metafile;
  try {
    metafile = esbuild.buildSync({
      entryPoints: [...new Set(entries.values())],
      absWorkingDir: root,
      bundle: true,
      packages: "external",
      platform: "node",
      // Only the metafile's inputs are read, and they do not depend on the output format: ESM with code
      // splitting emits the code the entries share (functions/shared) once instead of once per entry, which
      // makes one build of 300 entries ~15x faster (114-192 ms against 1.6-3.3 s, measured for bench/callsites.ts),
      // for the same inputs and imports.
      format: "esm",
      splitting: true,
      target: "node20",
      metafile: true,
      write: false,
      // Several entries need an output folder even when nothing is written.
      outdir: path.join(root, ".callgraph", "callsites", "out"),
      logLevel: "silent",
    }).metafile;
  } catch (error) {
    throw new BundleInputsError(`cannot resolve the functions' code: ${describeBuildFailure(error)}`);
  }
  const inputs = new Map<string, string[]>();
  for (const [source, entry] of entries) inputs.set(source, reachable(metafile, entry));
  const resolutions = new Map<string, Map<string, string>>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    const targets = new Map<string, string>();
    for (const imported of input.imports) {
      if (!imported.external && imported.original !== undefined)
        targets.set(imported.original, imported.path);
    }
    resolutions.set(file, targets);
  }
  return { inputs, resolutions };
}

/** Every input reached from `entry` through non-external imports: what esbuild read to bundle that entry. */
function reachable(metafile: esbuild.Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const input = metafile.inputs[file];
    if (seen.has(file) || !input) continue;
    seen.add(file);
    for (const imported of input.imports) if (!imported.external) pending.push(imported.path);
  }
  return [...seen].sort();
}

function toProjectPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join("/");
}

/** esbuild's errors as `file:line:column: text`, so the message names the culprit. */
function describeBuildFailure(error: unknown): string {
  const errors = (error as { errors?: esbuild.Message[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return String(error);
  return errors
    .map(
      (e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ` : "") + e.text,
    )
    .join("; ");
}
