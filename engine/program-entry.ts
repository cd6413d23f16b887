import * as fs from "node:fs";
import * as path from "node:path";
import { readProject } from "./stack-config";

/**
 * The file Pulumi's Node.js runtime runs as the program of `programDir`, found as it finds it (@pulumi/pulumi
 * cmd/run/run.js): Pulumi.yaml's `main` (a file, or a folder holding an index); without one, package.json's
 * `exports["."]`, else its `main`; else the folder's `index.ts` (or `index.js`).
 *
 * @param main Pulumi.yaml's `main`, when it has one.
 * @returns the file, and the setting that named it (undefined: the folder's index), for the message when it is missing.
 */
export function programEntry(programDir: string, main?: unknown): { file: string; from: EntrySetting } {
  if (typeof main === "string" && main.trim() !== "")
    return { file: indexOf(path.resolve(programDir, main)), from: "Pulumi.yaml main" };
  const pkg = readPackage(programDir);
  const exported = typeof pkg?.exports === "string" ? pkg.exports : exportedDot(pkg?.exports);
  if (exported) return { file: indexOf(path.resolve(programDir, exported)), from: "package.json exports" };
  if (typeof pkg?.main === "string" && pkg.main !== "")
    return { file: indexOf(path.resolve(programDir, pkg.main)), from: "package.json main" };
  return { file: indexOf(programDir), from: undefined };
}

/** Which setting named the program's file. */
export type EntrySetting = "Pulumi.yaml main" | "package.json exports" | "package.json main" | undefined;

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

/**
 * The folders a function's `source` may be relative to, the likeliest first: the real folder of the program's entry
 * (a program that passes `root: __dirname`, as the reference one does; through a linked entry, its target's
 * folder), then the project's folder (CallGraph's default root, where `pulumi up` runs the program).
 *
 * The entry is the one Pulumi runs ({@link programEntry}, Pulumi.yaml's `main` first: this repository's package.json
 * names the package's entry, which is not the program).
 */
export function sourceRoots(programDir: string): string[] {
  let main: string | undefined;
  try {
    main = readProject(programDir).main;
  } catch {
    main = undefined; // no project file there: the folder's own entry, if any
  }
  const { file } = programEntry(programDir, main);
  const real = fs.existsSync(file) ? [path.dirname(fs.realpathSync(file))] : [];
  return [...new Set([...real, path.resolve(programDir)])];
}
