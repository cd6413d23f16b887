import type { Command } from "commander";
import { implementation } from "./implementation";

export interface TypesFlags {
  readonly dir?: string;
  readonly check?: boolean;
}

export function registerTypes(program: Command): void {
  program
    .command("types")
    .description(
      "write each function's callees.generated.ts (its Callee type) from the stack files (or the CallGraph's declaration in code), so that calling an undeclared callee is a TypeScript error; --check fails when one is stale (for CI)",
    )
    .option("-C, --dir <folder>", "folder of the Pulumi program (default: nearest folder with a Pulumi.yaml)")
    .option("--check", "write nothing; exit 1 when a generated file is missing or out of date")
    .action(async (flags: TypesFlags) => {
      process.stdout.write(`${await implementation("types").typesCommand(flags)}\n`);
    });
}
