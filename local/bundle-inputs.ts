import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The project files a function's bundle was built from: esbuild's metafile inputs, which the archive builder
 * records next to the zips (`.callgraph/build/<id>.manifest.json`, with the zip's sha256, the name of the zip; the
 * latest build of a folder at its top, the few before it under `previous`), relative to the project root, the
 * folder that holds `.callgraph/`. Files under node_modules are left out: only an install changes them, and
 * watching hundreds of them would cost an inotify watch each.
 *
 * Absolute paths, sorted; empty when no manifest names this archive (a zip not built by this project).
 */
export function bundleInputs(archivePath: string): string[] {
  const outDir = path.dirname(archivePath);
  const root = path.resolve(outDir, "..", "..");
  const sha256 = path.basename(archivePath, ".zip");
  const inputs = new Set<string>();
  let names: string[];
  try {
    names = fs.readdirSync(outDir).filter((name) => name.endsWith(".manifest.json"));
  } catch {
    return [];
  }
  for (const name of names) {
    const file = readJson(path.join(outDir, name));
    const builds: (ManifestJson | null)[] = file
      ? [file, ...(Array.isArray(file.previous) ? (file.previous as ManifestJson[]) : [])]
      : [];
    for (const manifest of builds) {
      if (manifest?.sha256 !== sha256 || !Array.isArray(manifest.inputs)) continue;
      for (const input of manifest.inputs)
        if (typeof input === "string" && !input.split("/").includes("node_modules"))
          inputs.add(path.resolve(root, input));
    }
  }
  return [...inputs].sort();
}

interface ManifestJson {
  sha256?: unknown;
  inputs?: unknown;
  previous?: unknown;
}

function readJson(file: string): ManifestJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ManifestJson;
  } catch {
    return undefined;
  }
}
