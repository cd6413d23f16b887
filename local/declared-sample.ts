import * as fs from "node:fs";
import * as path from "node:path";
import { readSample, type Sample } from "./samples";

/**
 * The `sample.json` of the declared function `name`, or undefined when it has none (or is not declared). Read
 * from its source folder as declared: the registered resources hold only its bundle, so this is the one thing
 * read from the declaration, `source` or else `functions/<name>` (topology/parse.ts `defaultSource`), relative to
 * the folder the program bundles from (that of its `index.ts`, symlinks resolved, as Node loads it).
 *
 * @param config the stack config (`callgraph:functions` and the rest), as the evaluation or the stack file has it.
 * @throws SampleError when the file exists but is not a valid sample, naming the file and the field.
 */
export function declaredSample(
  programDir: string,
  config: Readonly<Record<string, unknown>>,
  name: string,
): Sample | undefined {
  const declared = config["callgraph:functions"];
  if (
    typeof declared !== "object" ||
    declared === null ||
    !Object.prototype.hasOwnProperty.call(declared, name)
  )
    return undefined;
  const source = (declared as Record<string, { source?: unknown } | null>)[name]?.source;
  return readSample(projectRoot(programDir), typeof source === "string" ? source : `functions/${name}`);
}

function projectRoot(programDir: string): string {
  const index = path.join(programDir, "index.ts");
  return fs.existsSync(index) ? path.dirname(fs.realpathSync(index)) : path.resolve(programDir);
}
