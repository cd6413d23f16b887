import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../../..");
const LIBRARY = "functions/shared";

/**
 * The project files the client library reads outside its folder (it imports `iam/members`, for one), found as the
 * extraction finds a function's inputs: by asking esbuild what bundling the library reads. Packages stay external.
 */
function libraryImports(): string[] {
  const { metafile } = esbuild.buildSync({
    entryPoints: [`${LIBRARY}/index.ts`],
    absWorkingDir: repo,
    bundle: true,
    packages: "external",
    platform: "node",
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  return Object.keys(metafile.inputs).filter((file) => !file.startsWith(`${LIBRARY}/`));
}

/**
 * A throwaway project root holding a copy of the real client library (`functions/shared`, and the project files it
 * imports) and the given files, so a test can edit code and see the extraction follow. Packages are not copied:
 * extraction never reads them.
 */
export function tempProject(files: Readonly<Record<string, string>>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "callsites-"));
  fs.cpSync(path.join(repo, LIBRARY), path.join(root, LIBRARY), { recursive: true });
  for (const file of libraryImports()) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(repo, file), path.join(root, file));
  }
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
