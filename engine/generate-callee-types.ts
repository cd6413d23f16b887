/**
 * Writes each function folder's `callees.generated.ts` from the declaration in every `Pulumi.<stack>.yaml`:
 *
 *   npx tsx engine/generate-callee-types.ts [PROJECT_DIR]
 *
 * Run it after changing a function's `calls`; `npm test` fails while a generated file is stale
 * (tests/functions/callee-types.test.ts). Exit codes as the CLI's: 0 done, 2 a declaration to fix.
 */
import * as path from "node:path";
import { TopologyError } from "../topology";
import { SharedSourceError, writeCalleeTypes } from "./callee-types";
import { StackConfigError } from "./stack-config";

const programDir = path.resolve(process.argv[2] ?? path.join(__dirname, ".."));
writeCalleeTypes(programDir)
  .then((written) =>
    process.stdout.write(
      written.length === 0
        ? "callee types: every callees.generated.ts is up to date\n"
        : written.map((file) => `callee types: wrote ${file}\n`).join(""),
    ),
  )
  .catch((error: unknown) => {
    if (!(
      error instanceof TopologyError ||
      error instanceof SharedSourceError ||
      error instanceof StackConfigError
    ))
      throw error;
    process.stderr.write(`callgraph: callee types: ${error.message}\n`);
    process.exitCode = 2;
  });
