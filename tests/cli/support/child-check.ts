import { execFile } from "node:child_process";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "../../..");

/**
 * Runs one of the ESM checkers beside this file (`mermaid-check.mts`, `workflow-check.mts`) under tsx, with
 * `input` as JSON on stdin, and returns its JSON answer. Jest runs tests as CommonJS; these libraries are ESM.
 * One process, tsx registered in it (`--import tsx`), rather than tsx's own CLI, which starts a second Node.
 */
export function runChecker<T>(
  script: "mermaid-check.mts" | "workflow-check.mts",
  input: unknown,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, script)],
      { cwd: REPO_ROOT, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
    child.stdin?.end(JSON.stringify(input));
  });
}
