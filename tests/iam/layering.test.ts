import * as fs from "node:fs";
import * as path from "node:path";

/**
 * DESIGN.md's layout: `iam/` (what an IAM grant means) sits below both the engine and the policy pack. The engine
 * and the pack read it and never each other, so neither can reinterpret a grant, and `iam/` imports nothing of
 * the project (function code bundles it).
 */
const ROOT = path.resolve(__dirname, "../..");

function sources(folder: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(folder, f));
}

/** Every module a file imports or re-exports, static or dynamic, resolved to a repository path when relative. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g),
    ...text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g),
    ...text.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]);
  return specifiers.map((s) =>
    s.startsWith(".") ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s)) : s,
  );
}

/** The project folder a repository path is in (`engine/types` -> `engine`), or undefined for a package. */
function folderOf(resolved: string): string | undefined {
  if (path.isAbsolute(resolved) || resolved.startsWith("..")) return undefined;
  return resolved.split(path.sep)[0];
}

function offenders(folder: string, forbidden: (target: string) => boolean): string[] {
  return sources(folder).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden(folderOf(target) ?? target))
      .map((target) => `${file} -> ${target}`),
  );
}

test("the scanner sees relative imports, re-exports and dynamic imports", () => {
  expect(importsOf("engine/index.ts")).toContain(path.join("engine", "evaluate"));
  expect(importsOf("engine/effective-graph.ts")).toContain("iam");
  expect(importsOf("policy/index.ts")).toContain("@pulumi/policy");
});

test("the engine never imports the policy pack", () => {
  expect(offenders("engine", (f) => f === "policy")).toEqual([]);
});

test("the policy pack never imports the engine", () => {
  expect(offenders("policy", (f) => f === "engine")).toEqual([]);
});

test("iam/ imports nothing: no other folder of the project, no package", () => {
  expect(offenders("iam", (f) => f !== "iam")).toEqual([]);
});
