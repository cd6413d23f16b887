import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { transformSync } from "esbuild";

const REPO_ROOT = path.resolve(__dirname, "../../..");

/**
 * How each checker runs. Mermaid's modules load in Node as they are, so its checker runs in plain Node, its types
 * stripped by esbuild and its text passed with `--eval` (an ES module whose imports resolve from the repository, its
 * working directory). Under tsx, every import of Mermaid's hundreds of modules crossed to tsx's loader thread and
 * back: about 4 s of CPU per run against 1.6 s in plain Node, measured on this 2-core machine (issue 19). The
 * workflow parser imports its schema as JSON with no import attribute, which Node refuses, so it keeps tsx.
 */
const PLAIN_NODE: Record<Checker, boolean> = { "mermaid-check.mts": true, "workflow-check.mts": false };

type Checker = "mermaid-check.mts" | "workflow-check.mts";

function nodeArgs(script: Checker): string[] {
  const file = path.join(__dirname, script);
  if (!PLAIN_NODE[script]) return ["--import", "tsx", file];
  const { code } = transformSync(fs.readFileSync(file, "utf8"), {
    loader: "ts",
    format: "esm",
    sourcefile: file,
  });
  return ["--input-type=module", "--eval", code];
}

/**
 * Runs one of the ESM checkers beside this file (`mermaid-check.mts`, `workflow-check.mts`) with `input` as JSON on
 * stdin, and returns its JSON answer. Jest runs tests as CommonJS; these libraries are ESM, so each runs as its own
 * process (see `PLAIN_NODE` for how).
 */
export function runChecker<T>(script: Checker, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      nodeArgs(script),
      { cwd: REPO_ROOT, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
    child.stdin?.end(JSON.stringify(input));
  });
}
