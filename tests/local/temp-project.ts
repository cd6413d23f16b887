import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository: its program (index.ts) and node_modules serve every temporary project. */
export const REPO_ROOT = path.resolve(__dirname, "../..");

/** The CLI as `npm start` and a user's `npx callgraph` run it: one process, the CLI's own loader (bin/register-tsx.js). */
export const CALLGRAPH_BIN = path.join(REPO_ROOT, "bin", "callgraph.js");

/**
 * A temporary project folder outside the repository that the tests may change freely (edit a function while its
 * stack runs, hold a lock): Pulumi.yaml copied, index.ts and node_modules linked to the repository's, so the
 * program that runs is this repository's, and a function folder written here bundles as one in the repository
 * would.
 */
export function tempProject(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `callgraph-${prefix}-`));
  fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.symlinkSync(path.join(REPO_ROOT, "index.ts"), path.join(dir, "index.ts"));
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * A folder for a temporary project's function code inside the repository (under its ignored `.callgraph/`), and the
 * `source` that names a folder in it. The program resolves `source` against its own folder, the project root, which
 * for a temporary project is the repository (its index.ts is a link there), and refuses a source outside it.
 */
export function codeFolder(prefix: string): { dir: string; source: (folder: string) => string } {
  fs.mkdirSync(path.join(REPO_ROOT, ".callgraph"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(REPO_ROOT, ".callgraph", `test-${prefix}-`));
  return { dir, source: (folder) => path.relative(REPO_ROOT, folder).split(path.sep).join("/") };
}

/** Writes `Pulumi.<stack>.yaml` holding `config` (JSON is YAML). */
export function writeStackFile(dir: string, stack: string, config: Readonly<Record<string, unknown>>): void {
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), `${JSON.stringify({ config }, null, 2)}\n`);
}

/**
 * Writes a small function into `<dir>/fns/<name>/index.ts`: GET answers `{ function, version }`, after asking
 * `calls` (if given) with its own identity, whose answer it includes. Returns the folder (absolute).
 */
export function writeFunction(
  dir: string,
  name: string,
  options: { version: string; calls?: string; extra?: string },
): string {
  const folder = path.join(dir, "fns", name);
  fs.mkdirSync(folder, { recursive: true });
  const shared = JSON.stringify(path.join(REPO_ROOT, "functions", "shared"));
  const call = options.calls
    ? `const answer = await downstream.call(${JSON.stringify(options.calls)}, { method: "GET" });\n    body.callee = answer.body;`
    : "";
  fs.writeFileSync(
    path.join(folder, "index.ts"),
    `import * as functions from "@google-cloud/functions-framework";
import { requireMethod, secured, sendJson } from ${shared};

export const ${name} = secured(
  async (req, res, { downstream }) => {
    requireMethod(req, "GET");
    const body: Record<string, unknown> = { function: ${JSON.stringify(name)}, version: ${JSON.stringify(options.version)} };
    ${call}
    ${options.extra ?? ""}
    sendJson(res, 200, body);
  },
  { usage: "GET; no body" },
);

functions.http(${JSON.stringify(name)}, ${name});
`,
  );
  return folder;
}
