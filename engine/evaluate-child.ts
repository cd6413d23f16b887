/**
 * Evaluates one program in this fresh process and writes the evaluation to a file as JSON: what `evaluate` does
 * for a plain top-level program that already ran in the calling process, where its modules cannot be reloaded.
 * Arguments: the `EvaluateOptions` as JSON, and the file to write (not stdout, which the program may print to). Errors are written as `{ "error": ... }`, in the shapes `evaluate`
 * throws, so the caller rethrows them unchanged.
 */
import * as fs from "node:fs";
import { evaluate, type EvaluateOptions } from "./evaluate";
import { EvaluationError } from "./evaluation-error";
import { StackConfigError } from "./stack-config";

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "{}") as EvaluateOptions;
  const out = process.argv[3] ?? "";
  try {
    fs.writeFileSync(out, JSON.stringify({ evaluation: await evaluate(options) }));
  } catch (error) {
    fs.writeFileSync(out, JSON.stringify({ error: describe(error) }));
  }
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof StackConfigError)
    return { kind: "stack-config", file: error.file, reason: error.reason, position: error.position };
  if (error instanceof EvaluationError)
    return { kind: "evaluation", message: error.message, resources: error.resources };
  return { kind: "other", message: error instanceof Error ? error.message : String(error) };
}

void main();
