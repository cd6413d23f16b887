import type { Command } from "commander";
import { SharedSourceError, staleCalleeTypesIn, writeCalleeTypes } from "../../engine";
import { TopologyError } from "../../topology";
import { CheckFailed, UsageError } from "../errors";
import { programOptions } from "../program-options";

export interface TypesFlags {
  readonly dir?: string;
  readonly check?: boolean;
}

export function registerTypes(program: Command): void {
  program
    .command("types")
    .description(
      "write each function's callees.generated.ts (its Callee type) from the stack files, so that calling an undeclared callee is a TypeScript error; --check fails when one is stale (for CI)",
    )
    .option("-C, --dir <folder>", "folder of the Pulumi program (default: nearest folder with a Pulumi.yaml)")
    .option("--check", "write nothing; exit 1 when a generated file is missing or out of date")
    .action((flags: TypesFlags) => {
      process.stdout.write(`${typesCommand(flags)}\n`);
    });
}

/**
 * The whole of `callgraph types` but the printing: every stack file of the program is read (a folder's type
 * covers every stack that deploys it), so no `--stack` applies.
 *
 * @throws CheckFailed with `--check` when a file is stale; UsageError for a declaration the files cannot be
 *   generated from.
 */
export function typesCommand(flags: TypesFlags, cwd = process.cwd()): string {
  const { dir } = programOptions({ dir: flags.dir }, cwd, "optional");
  try {
    if (flags.check) {
      const stale = staleCalleeTypesIn(dir);
      if (stale.length === 0) return "Callee types are up to date with the stack files.";
      throw new CheckFailed(
        `types: ${stale.length === 1 ? "1 generated file is" : `${stale.length} generated files are`} stale: ` +
          `${stale.map((s) => `${s.file} (${s.actual === undefined ? "missing" : "out of date"})`).join(", ")}. ` +
          "Run `npx callgraph types` and commit the result",
      );
    }
    const written = writeCalleeTypes(dir);
    return written.length === 0
      ? "Callee types are up to date with the stack files: nothing written."
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
