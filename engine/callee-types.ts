import * as fs from "node:fs";
import * as path from "node:path";
import {
  CALLEE_TYPES_FILE,
  staleCalleeTypes,
  type CalleeTypesFunction,
  type StaleCalleeTypes,
} from "../callsites";
import {
  DECLARATION_CONFIG_KEYS,
  parseStackDeclaration,
  sourceFolderChecks,
  TopologyError,
  type FunctionSpec,
} from "../topology";
import { evaluate } from "./evaluate";
import { registeredDeclarations } from "./registered-declarations";
import { readStackConfig, StackConfigError, stackFileOf, stacksIn } from "./stack-config";
import { stackFileLocator } from "./stack-file-lines";

/** Two declared functions deploy one source folder, whose one generated `Callee` type cannot fit both. */
export class SharedSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SharedSourceError";
  }
}

/**
 * Every source folder the project's stacks deploy, with its function's `calls` in each stack that declares it:
 * what `callees.generated.ts` is generated from. A stack file's declaration is read with the program's own parser
 * (`parseStackDeclaration`), so a default `source` or a rejected declaration means what it means to `pulumi up`; the
 * generated type is the declaration's, not a derivation of what it deploys, so no evaluation runs for it. A stack
 * whose file declares no `callgraph:functions` has its graph written in the program's code: that program is
 * evaluated (under the engine's mocks, as `callgraph graph` runs it) and each `CallGraph`'s registered declaration
 * read (engine/registered-declarations.ts).
 *
 * @throws TopologyError naming the stack file when a declaration is invalid; SharedSourceError when two
 *   function names deploy one folder (its handler's `secured<Callee>` can have one callee type only: give each
 *   function its own folder, with shared code in a module they both import); the evaluation's error when a program
 *   declaring its graph in code fails.
 */
export async function calleeTypesOf(programDir: string): Promise<CalleeTypesFunction[]> {
  const bySource = new Map<string, { name: string; callsByStack: Record<string, readonly string[]> }>();
  // Every stack's problems at once: one broken stack file hides no other's.
  const failures: (TopologyError | StackConfigError)[] = [];
  for (const stack of stacksIn(programDir)) {
    let functions: readonly FunctionSpec[];
    try {
      functions = await declaredFunctions(programDir, stack);
    } catch (error) {
      if (!(error instanceof TopologyError || error instanceof StackConfigError)) throw error;
      failures.push(error);
      continue;
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
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1)
    throw new TopologyError(
      failures.flatMap((failure) =>
        failure instanceof TopologyError
          ? failure.issues
          : [{ path: failure.where, message: failure.reason }],
      ),
      "in the stack files",
    );
  return [...bySource]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([source, { name, callsByStack }]) => ({ name, source, callsByStack }));
}

/** The functions `stack` declares: in its stack file, else in the program's code (see {@link calleeTypesOf}). */
async function declaredFunctions(programDir: string, stack: string): Promise<readonly FunctionSpec[]> {
  const { config, project } = readStackConfig(programDir, stack);
  if (!(DECLARATION_CONFIG_KEYS.functions in config)) {
    const { resources } = await evaluate({ programDir, stack });
    const declared = registeredDeclarations(resources);
    if (declared.length === 0)
      throw new TopologyError([
        {
          path: `Pulumi.${stack}.yaml ${DECLARATION_CONFIG_KEYS.functions}`,
          message:
            "missing, and the program registers no CallGraph that declares its functions in code: declare them " +
            `in the stack file (\`pulumi config set --path '${DECLARATION_CONFIG_KEYS.functions}.NAME.calls[0]' CALLEE\`), ` +
            "or pass `declaration` to the program's CallGraph",
        },
      ]);
    return declared.flatMap((d) => d.topology.functions);
  }
  try {
    return parseStackDeclaration(config, {
      // A folder that does not exist has no handler to type, and one outside the project (a symlink out of it)
      // must not get a generated file written into it: refused as the program refuses them.
      ...sourceFolderChecks(programDir, fs),
    }).functions;
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    // Each problem at its line of the file, as the program's refusal is shown (evaluate.ts).
    const locate = stackFileLocator(stackFileOf(programDir, stack), project, programDir);
    throw new TopologyError(
      error.issues.map((i) => {
        const at = locate(i.path);
        return { ...i, path: at ? `${at}: ${i.path}` : `Pulumi.${stack}.yaml ${i.path}` };
      }),
    );
  }
}

/** The generated files of `programDir` that are missing or out of date with its stack files. */
export async function staleCalleeTypesIn(programDir: string): Promise<StaleCalleeTypes[]> {
  return staleCalleeTypes(programDir, await calleeTypesOf(programDir));
}

/**
 * Writes every stale `callees.generated.ts` of `programDir` (each source folder's, from its declaration).
 *
 * @returns the files written, relative to `programDir`; empty when all were up to date.
 */
export async function writeCalleeTypes(programDir: string): Promise<string[]> {
  const stale = await staleCalleeTypesIn(programDir);
  for (const file of stale) fs.writeFileSync(path.resolve(programDir, file.file), file.expected);
  return stale.map((f) => f.file);
}
