import type { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "./errors";

/** Options every command that evaluates the program takes. */
export interface ProgramOptions {
  /** Stack whose `Pulumi.<stack>.yaml` to read. */
  readonly stack: string;
  /** Folder of the Pulumi program (holds Pulumi.yaml). */
  readonly dir: string;
}

/** Adds `--stack` (env PULUMI_STACK, default dev) and `--dir` (default: the nearest folder with a Pulumi.yaml). */
export function withProgramOptions(command: Command): Command {
  return command
    .option(
      "-s, --stack <name>",
      "stack whose config to read (env: PULUMI_STACK)",
      process.env.PULUMI_STACK ?? "dev",
    )
    .option(
      "-C, --dir <folder>",
      "folder of the Pulumi program (default: nearest folder with a Pulumi.yaml)",
    );
}

/** Resolves the options added by {@link withProgramOptions}. */
export function programOptions(raw: { stack?: string; dir?: string }, cwd = process.cwd()): ProgramOptions {
  const dir = raw.dir ? path.resolve(cwd, raw.dir) : findProjectRoot(cwd);
  if (!fs.existsSync(path.join(dir, "Pulumi.yaml")))
    throw new UsageError(`${dir} has no Pulumi.yaml: pass the program's folder with --dir`);
  return { stack: raw.stack ?? "dev", dir };
}

function findProjectRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir)
      throw new UsageError(`no Pulumi.yaml in ${from} or above: run inside the project, or pass --dir`);
  }
}
