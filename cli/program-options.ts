import type { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { stackFileOf, stacksIn } from "../engine/stack-config";
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
      "stack whose Pulumi.<stack>.yaml to read (env: PULUMI_STACK)",
      process.env.PULUMI_STACK ?? "dev",
    )
    .option(
      "-C, --dir <folder>",
      "folder of the Pulumi program (default: nearest folder with a Pulumi.yaml)",
    );
}

// https://www.pulumi.com/docs/iac/concepts/stacks/: "Stack names may only contain alphanumeric characters,
// hyphens, underscores, or periods"; a stack may be named `org/name` or `org/project/name`, and its config file
// is `Pulumi.<name>.yaml` either way.
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Resolves the options added by {@link withProgramOptions}: the program's folder must hold a Pulumi.yaml, and
 * (unless `stackFile` is "optional", for `diff --head`, which reads it from a revision) the stack its file.
 */
export function programOptions(
  raw: { stack?: string; dir?: string },
  cwd = process.cwd(),
  stackFile: "required" | "optional" = "required",
): ProgramOptions {
  const dir = raw.dir === undefined ? findProjectRoot(cwd) : checkedDir(path.resolve(cwd, raw.dir), raw.dir);
  const stack = stackName(raw.stack ?? "dev");
  if (stackFile === "required" && !fs.existsSync(stackFileOf(dir, stack))) {
    const existing = stacksIn(dir);
    throw new UsageError(
      `--stack ${stack}: ${stackFileOf(dir, stack)} does not exist (${
        existing.length === 0 ? "no stack files there" : `stacks there: ${existing.join(", ")}`
      }). ${
        existing.length === 0
          ? `Create Pulumi.${stack}.yaml (see README.md)`
          : `Pass --stack ${existing[0]}${existing.length > 1 ? " (or another)" : ""}, or create Pulumi.${stack}.yaml`
      }`,
    );
  }
  return { stack, dir };
}

function stackName(value: string): string {
  const name = value.slice(value.lastIndexOf("/") + 1);
  if (!STACK_NAME.test(name))
    throw new UsageError(
      `--stack ${JSON.stringify(value)}: not a stack name. Use letters, digits, "-", "_" and "." only (as Pulumi requires)`,
    );
  return name;
}

function checkedDir(dir: string, given: string): string {
  if (!fs.existsSync(dir))
    throw new UsageError(`--dir ${given}: no such folder. Pass the folder that holds Pulumi.yaml`);
  if (!fs.statSync(dir).isDirectory())
    throw new UsageError(`--dir ${given}: not a folder. Pass the folder that holds Pulumi.yaml, not a file`);
  if (!fs.existsSync(path.join(dir, "Pulumi.yaml")))
    throw new UsageError(`--dir ${given}: ${dir} has no Pulumi.yaml. Pass the folder of the Pulumi program`);
  return dir;
}

function findProjectRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir)
      throw new UsageError(
        `no Pulumi program: no Pulumi.yaml in ${from} or any folder above it. Run inside the project, or pass --dir <folder>`,
      );
  }
}
