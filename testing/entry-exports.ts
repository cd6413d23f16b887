import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { unzipSync } from "fflate";
import { buildFunctionArchive, type FunctionArchive } from "../components/function-archive";
import { esbuildTarget, type FunctionSpec } from "../topology";

/** A function's bundle and the names it exports. */
export interface BundledFunction {
  readonly archive: FunctionArchive;
  readonly exports: readonly string[];
  /** How the exports were found: from esbuild's metafile (ES modules), or by loading a CommonJS bundle. */
  readonly via: "esbuild metafile" | "loading the bundle";
}

/**
 * Bundles a declared function exactly as the program does (`buildFunctionArchive`, for its runtime's Node.js)
 * and lists what the bundle exports. The archive build lists an ES entry's exports itself; a CommonJS entry's
 * `module.exports` is only known by running it, so its bundle is loaded in a child process (as the platform
 * loads it), keeping the test process free of the function's side effects.
 */
export function bundleFunction(root: string, spec: FunctionSpec): BundledFunction {
  const archive = buildFunctionArchive({
    projectRoot: root,
    source: spec.source,
    target: esbuildTarget(spec.runtime),
  });
  if (archive.exports) return { archive, exports: archive.exports, via: "esbuild metafile" };
  return { archive, exports: loadedExports(archive.path), via: "loading the bundle" };
}

function loadedExports(zipPath: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-bundle-"));
  try {
    const files = unzipSync(fs.readFileSync(zipPath));
    const file = path.join(dir, "index.js");
    fs.writeFileSync(file, files["index.js"]);
    const printed = execFileSync(
      process.execPath,
      ["-e", "process.stdout.write(JSON.stringify(Object.keys(require(process.argv[1]))))", file],
      { cwd: dir, encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "pipe"] },
    );
    return (JSON.parse(printed) as string[]).sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
