import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalStackDescription } from "../../local";
import { UsageError } from "../errors";

const START = "start it with npm start (or callgraph local)";

/**
 * The running local stack's description (`.callgraph/local.json`, written by `callgraph local`), checked to be
 * of stack `stack`. A missing, unreadable or foreign file is a {@link UsageError} saying how to start the stack.
 */
export function readLocalState(dir: string, stack: string): LocalStackDescription {
  const file = path.join(dir, ".callgraph", "local.json");
  if (!fs.existsSync(file))
    throw new UsageError(
      `invoke --local: no local stack is running (${file} does not exist). Start it with npm start`,
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
  // Older files carry no stack name: they can only be checked by their answers.
  if (state.stack !== undefined && state.stack !== stack)
    throw new UsageError(
      `invoke --local --stack ${stack}: the local stack runs stack ${state.stack}, not ${stack}. Pass --stack ${state.stack}, or stop it and start stack ${stack} with callgraph local --stack ${stack}`,
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
