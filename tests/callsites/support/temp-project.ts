import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../../..");

/**
 * A throwaway project root holding a copy of the real client library (`functions/shared`) and the given files,
 * so a test can edit code and see the extraction follow. Packages are not copied: extraction never reads them.
 */
export function tempProject(files: Readonly<Record<string, string>>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "callsites-"));
  fs.cpSync(path.join(repo, "functions", "shared"), path.join(root, "functions", "shared"), {
    recursive: true,
  });
  for (const [file, content] of Object.entries(files)) writeFile(root, file, content);
  return root;
}

export function writeFile(root: string, file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
}

/** A function calling each of `callees` through a `const`, the way the example functions do. */
export function functionCalling(callees: readonly string[]): string {
  const calls = callees.map(
    (callee, i) =>
      `  const CALLEE_${i} = ${JSON.stringify(callee)};\n  await downstream.call(CALLEE_${i}, { method: "GET" });`,
  );
  return [
    `import { secured } from "../shared";`,
    ``,
    `export const handler = secured(async (_req, res, { downstream }) => {`,
    ...calls,
    `  res.status(204).end();`,
    `});`,
    ``,
  ].join("\n");
}

export function removeProject(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}
