/**
 * Cold and warm extraction times, for the repository's functions and a generated 300-function project.
 * Run: npx tsx tests/callsites/support/measure-extraction.ts [count]
 * Cold: empty cache, the compiler not yet loaded. Warm: same inputs again, from this process's memory, then
 * from the disk cache alone (as the next process would find it, minus loading modules).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { extractCallSites, type FunctionSource } from "../../../callsites";
import { forgetRememberedCallSites } from "../../../callsites/cache";
import { functionCalling, removeProject, tempProject } from "./temp-project";

const repo = path.resolve(__dirname, "../../..");

function time(label: string, run: () => unknown): void {
  const start = performance.now();
  run();
  console.log(`${label.padEnd(40)} ${(performance.now() - start).toFixed(1).padStart(9)} ms`);
}

function measure(title: string, root: string, functions: readonly FunctionSource[]): void {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "callsites-measure-"));
  const run = () => extractCallSites({ projectRoot: root, functions, cacheDir });
  forgetRememberedCallSites();
  console.log(`${title}: ${functions.length} functions`);
  time("  cold (empty cache)", run);
  time("  warm (memory)", run);
  forgetRememberedCallSites();
  time("  warm (disk cache only)", run);
  fs.rmSync(cacheDir, { recursive: true, force: true });
}

const repoFunctions = fs
  .readdirSync(path.join(repo, "functions"))
  .filter((name) => name !== "shared")
  .map((name) => ({ name, source: `functions/${name}` }));
measure("repository", repo, repoFunctions);

const count = Number(process.argv[2] ?? 300);
const names = Array.from({ length: count }, (_, i) => `fn-${String(i).padStart(3, "0")}`);
const files: Record<string, string> = {
  "tsconfig.json": fs.readFileSync(path.join(repo, "tsconfig.json"), "utf8"),
};
// Each function calls the next two, the shape of a wide service graph.
names.forEach((name, i) => {
  files[`functions/${name}/index.ts`] = functionCalling([names[(i + 1) % count], names[(i + 2) % count]]);
});
const root = tempProject(files);
try {
  measure(
    "generated",
    root,
    names.map((name) => ({ name, source: `functions/${name}` })),
  );
} finally {
  removeProject(root);
}
console.log(
  `load average: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${os.cpus().length} cores`,
);
