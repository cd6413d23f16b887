import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The file Pulumi's Node.js runtime runs as the program of `programDir`, found as it finds it (@pulumi/pulumi
 * cmd/run/run.js): Pulumi.yaml's `main` (a file, or a folder holding an index); without one, package.json's
 * `exports["."]`, else its `main`; else the folder's `index.ts` (or `index.js`).
 *
 * @param main Pulumi.yaml's `main`, when it has one.
 */
export function programEntry(programDir: string, main?: unknown): string {
  if (typeof main === "string" && main.trim() !== "") return indexOf(path.resolve(programDir, main));
  const pkg = readPackage(programDir);
  const exported = typeof pkg?.exports === "string" ? pkg.exports : exportedDot(pkg?.exports);
  const declared = exported ?? (typeof pkg?.main === "string" ? pkg.main : undefined);
  return indexOf(declared ? path.resolve(programDir, declared) : programDir);
}

function indexOf(target: string): string {
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
    for (const index of ["index.ts", "index.js", "index.mts", "index.mjs"]) {
      const file = path.join(target, index);
      if (fs.existsSync(file)) return file;
    }
    return path.join(target, "index.ts"); // reported missing by the caller, with the folder named
  }
  return target;
}

function exportedDot(exports: unknown): string | undefined {
  if (typeof exports !== "object" || exports === null) return undefined;
  const dot = (exports as Record<string, unknown>)["."];
  if (typeof dot === "string") return dot;
  if (typeof dot !== "object" || dot === null) return undefined;
  const conditions = dot as Record<string, unknown>;
  const target = conditions.default ?? conditions.require ?? conditions.import;
  return typeof target === "string" ? target : undefined;
}

function readPackage(dir: string): { exports?: unknown; main?: unknown } | undefined {
  const file = path.join(dir, "package.json");
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as { exports?: unknown; main?: unknown };
  } catch {
    return undefined; // npm reports a broken package.json; the program is then index.ts
  }
}
