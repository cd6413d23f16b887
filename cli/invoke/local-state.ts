import * as fs from "node:fs";
import * as path from "node:path";
import { isAlive, servingPaths, type LocalStackDescription } from "../../local";
import { UsageError } from "../errors";

const START = "start it with npm start (or callgraph local)";

/**
 * The serving local stack's description (`.callgraph/local/<stack>.json`, written by `callgraph local` while it
 * serves, removed when it stops), checked to be of stack `stack` and to belong to a process that still runs. A
 * missing, unreadable or foreign file, or one left by a stack that is gone (killed, crashed), is a
 * {@link UsageError} saying how to start the stack.
 */
export function readLocalState(dir: string, stack: string): LocalStackDescription {
  const file = servingPaths(dir, stack).manifest;
  if (!fs.existsSync(file))
    throw new UsageError(
      `invoke --local: no local stack serves stack ${stack} in ${dir} (${path.relative(dir, file)} does not exist). Start it with npm start${stack === "dev" ? "" : ` -- --stack ${stack}`}`,
    );
  let state: Partial<LocalStackDescription>;
  try {
    state = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LocalStackDescription>;
  } catch (error) {
    throw new UsageError(
      `invoke --local: ${file} is not readable JSON (${(error as Error).message}). Re${START}`,
    );
  }
  if (!isRecord(state.functions) || !isRecord(state.identities))
    throw new UsageError(`invoke --local: ${file} is not a local stack description. Re${START}`);
  if (state.stack !== undefined && state.stack !== stack)
    throw new UsageError(
      `invoke --local --stack ${stack}: ${file} describes stack ${state.stack}, not ${stack}. Re${START}`,
    );
  if (typeof state.pid === "number" && !isAlive(state.pid))
    throw new UsageError(
      `invoke --local: the local stack of stack ${stack} (process ${state.pid}) is gone: it stopped or crashed without removing ${path.relative(dir, file)}. Start it again with npm start`,
    );
  return state as LocalStackDescription;
}

/** `record[key]` if `key` is its own property: never `constructor`, `__proto__` or `toString` from the prototype. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
