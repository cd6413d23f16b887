import * as fs from "node:fs";
import * as path from "node:path";
import type { Evaluation } from "../engine";
import { registeredDeclarations } from "../engine/registered-declarations";
import { sourceRoots } from "../engine/program-entry";
import { readSample, SAMPLE_FILE, type Sample } from "./samples";

/**
 * Each declared function's source folder, by name, as every `CallGraph` of the evaluation registered its validated
 * declaration (`source`, or its default `functions/<name>`): where its `sample.json` is, whether the declaration
 * is in the stack file or in the program's code. The registered resources hold only each function's bundle.
 */
export function declaredSourceFolders(evaluation: Evaluation): Map<string, string> {
  return new Map(
    registeredDeclarations(evaluation.resources).flatMap(({ topology }) =>
      topology.functions.map((f) => [f.name, f.source] as const),
    ),
  );
}

/**
 * The `sample.json` of the function whose source folder is `sourceFolder` (from {@link declaredSourceFolders}), or
 * undefined when it has none or no folder is given. The folder is relative to the folder the program bundles from
 * (that of its `index.ts`, symlinks resolved, as Node loads it); a sample outside it (`..`, an absolute path, a
 * symlink out) is not read, whoever wrote the folder (the local stack's description is a file on disk).
 *
 * @throws SampleError when the file exists but is not a valid sample, naming the file and the field.
 */
export function declaredSample(programDir: string, sourceFolder: string | undefined): Sample | undefined {
  if (sourceFolder === undefined) return undefined;
  const root = projectRoot(programDir);
  // Where the text says (`..`, an absolute path), and where it really leads (a symlink out of the project).
  const file = path.resolve(root, sourceFolder, SAMPLE_FILE);
  if (!inside(file, root)) return undefined;
  if (fs.existsSync(file) && !inside(fs.realpathSync(file), fs.realpathSync(root))) return undefined;
  return readSample(root, sourceFolder);
}

function inside(file: string, folder: string): boolean {
  return file.startsWith(folder + path.sep);
}

function projectRoot(programDir: string): string {
  return sourceRoots(programDir)[0];
}
