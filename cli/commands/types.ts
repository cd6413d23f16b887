import { SharedSourceError, staleCalleeTypesIn, writeCalleeTypes } from "../../engine";
import { TopologyError } from "../../topology";
import { CheckFailed, UsageError } from "../errors";
import type { TypesFlags } from "../options/types";
import { programOptions } from "../program-options";

/**
 * The whole of `callgraph types` but the printing: every stack file of the program is read (a folder's type
 * covers every stack that deploys it), so no `--stack` applies. A stack whose file declares no functions has its
 * graph in the program's code, and the program is evaluated to read it.
 *
 * @throws CheckFailed with `--check` when a file is stale; UsageError for a declaration the files cannot be
 *   generated from.
 */
export async function typesCommand(flags: TypesFlags, cwd = process.cwd()): Promise<string> {
  const { dir } = programOptions({ dir: flags.dir }, cwd, "optional");
  try {
    if (flags.check) {
      const stale = await staleCalleeTypesIn(dir);
      if (stale.length === 0) return "Callee types are up to date with the declarations.";
      throw new CheckFailed(
        `types: ${stale.length === 1 ? "1 generated file is" : `${stale.length} generated files are`} stale: ` +
          `${stale.map((s) => `${s.file} (${s.actual === undefined ? "missing" : "out of date"})`).join(", ")}. ` +
          "Run `npx callgraph types` and commit the result",
      );
    }
    const written = await writeCalleeTypes(dir);
    return written.length === 0
      ? "Callee types are up to date with the declarations: nothing written."
      : [
          `Wrote ${written.length === 1 ? "1 file" : `${written.length} files`}:`,
          ...written.map((f) => `  ${f}`),
        ].join("\n");
  } catch (error) {
    if (error instanceof TopologyError || error instanceof SharedSourceError)
      throw new UsageError(`types: ${error.message}`, { cause: error });
    throw error;
  }
}
