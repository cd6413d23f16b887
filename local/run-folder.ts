import * as fs from "node:fs";
import * as path from "node:path";
import { isAlive } from "./serving-lock";

/** A folder of one local run (`npm start` or `--once`): its functions' unpacked bundles, nobody else's. */
export interface RunFolder {
  readonly dir: string;
  /** Removes the folder and everything in it. */
  remove(): void;
}

/**
 * Creates `<programDir>/.callgraph/runs/<stack>-<pid>-<random>/`, so that two runs (a serving stack and a
 * `--once` beside it, or two stacks in one test process) never unpack over each other's bundles. Folders left by
 * runs whose process is gone (killed with SIGKILL, a power cut) are removed first.
 */
export function createRunFolder(programDir: string, stack: string, pid = process.pid): RunFolder {
  const runs = path.join(path.resolve(programDir), ".callgraph", "runs");
  fs.mkdirSync(runs, { recursive: true });
  removeAbandoned(runs);
  const dir = fs.mkdtempSync(path.join(runs, `${stack}-${pid}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The pid a run folder's name carries (`<stack>-<pid>-<random>`; stack names may hold hyphens). */
export function runFolderPid(name: string): number | undefined {
  const match = /-(\d+)-[^-]+$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

function removeAbandoned(runs: string): void {
  for (const name of fs.readdirSync(runs)) {
    const pid = runFolderPid(name);
    if (pid !== undefined && !isAlive(pid))
      fs.rmSync(path.join(runs, name), { recursive: true, force: true });
  }
}
