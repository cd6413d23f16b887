import * as fs from "node:fs";
import * as path from "node:path";
import {
  CALLEE_TYPES_FILE,
  staleCalleeTypes,
  type CalleeTypesFunction,
  type StaleCalleeTypes,
} from "../callsites";
import { parseStackDeclaration, sourceFolderChecks, TopologyError } from "../topology";
import { readStackConfig, stacksIn } from "./stack-config";

/** Two declared functions deploy one source folder, whose one generated `Callee` type cannot fit both. */
export class SharedSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SharedSourceError";
  }
}

/**
 * Every source folder the project's stacks deploy, with its function's `calls` in each stack that declares it:
 * what `callees.generated.ts` is generated from. Each stack's declaration is read with the program's own parser
 * (`parseStackDeclaration`), so a default `source` or a rejected declaration means what it means to `pulumi up`; the
 * generated type is the declaration's, not a derivation of what it deploys, which is why no evaluation runs.
 *
 * @throws TopologyError naming the stack file when a declaration is invalid; SharedSourceError when two
 *   function names deploy one folder (its handler's `secured<Callee>` can have one callee type only: give each
 *   function its own folder, with shared code in a module they both import).
 */
export function calleeTypesOf(programDir: string): CalleeTypesFunction[] {
  const bySource = new Map<string, { name: string; callsByStack: Record<string, readonly string[]> }>();
  for (const stack of stacksIn(programDir)) {
    const { config } = readStackConfig(programDir, stack);
    let functions;
    try {
      ({ functions } = parseStackDeclaration(config, {
        // A folder that does not exist has no handler to type, and one outside the project (a symlink out of it)
        // must not get a generated file written into it: refused as the program refuses them.
        ...sourceFolderChecks(programDir, fs),
      }));
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      throw new TopologyError(error.issues.map((i) => ({ ...i, path: `Pulumi.${stack}.yaml ${i.path}` })));
    }
    for (const fn of functions) {
      const source = path.posix.normalize(fn.source.split(path.sep).join("/"));
      const entry = bySource.get(source) ?? { name: fn.name, callsByStack: {} };
      if (entry.name !== fn.name) {
        throw new SharedSourceError(
          `functions.${entry.name} and functions.${fn.name} both deploy ${source} (Pulumi.${stack}.yaml): its ` +
            `${CALLEE_TYPES_FILE} can type the calls of one function only. Give each function its own folder, ` +
            `with the code they share in a module both import`,
        );
      }
      entry.callsByStack[stack] = fn.calls;
      bySource.set(source, entry);
    }
  }
  return [...bySource]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([source, { name, callsByStack }]) => ({ name, source, callsByStack }));
}

/** The generated files of `programDir` that are missing or out of date with its stack files. */
export function staleCalleeTypesIn(programDir: string): StaleCalleeTypes[] {
  return staleCalleeTypes(programDir, calleeTypesOf(programDir));
}

/**
 * Writes every stale `callees.generated.ts` of `programDir` (each source folder's, from its declaration).
 *
 * @returns the files written, relative to `programDir`; empty when all were up to date.
 */
export function writeCalleeTypes(programDir: string): string[] {
  const stale = staleCalleeTypesIn(programDir);
  for (const file of stale) fs.writeFileSync(path.resolve(programDir, file.file), file.expected);
  return stale.map((f) => f.file);
}
