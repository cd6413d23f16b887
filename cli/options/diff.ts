import { Option, type Command } from "commander";
import { FAIL_ON_CLASSES } from "../diff/fail-on";
import { CheckFailed } from "../errors";
import { withProgramOptions } from "../program-options";
import { implementation } from "./implementation";

export const DIFF_FORMATS = ["text", "markdown", "json"] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export interface DiffFlags {
  readonly base: string;
  readonly head?: string;
  readonly stack?: string;
  readonly dir?: string;
  /** Default: text, wherever the output goes (see `DEFAULT_DIFF_FORMAT`). */
  readonly format?: string;
  readonly failOn?: readonly string[];
  readonly preview?: boolean;
}

/** `--help` lists every `--fail-on` class with what it catches, from the one table. */
const FAIL_ON_HELP = `
--fail-on classes (exit 1 when the change has one; comma-separate or repeat):
${FAIL_ON_CLASSES.map((c) => `  ${c.name.padEnd(Math.max(...FAIL_ON_CLASSES.map((x) => x.name.length)))}  ${c.means}`).join("\n")}
`;

export function registerDiff(program: Command): void {
  withProgramOptions(
    program
      .command("diff")
      .description(
        "what a change does to who may invoke whom, between two git revisions, with a risk label per change",
      )
      .requiredOption("--base <ref>", "revision to compare against, e.g. origin/main")
      .option("--head <ref>", "revision to compare (default: the working tree, uncommitted changes included)")
      .addOption(
        new Option(
          "-f, --format <format>",
          "output format (default: text; markdown is the pull-request comment)",
        ).choices(DIFF_FORMATS),
      )
      .option("--fail-on <class...>", "exit 1 when the change has this class of change (listed below)")
      .option("--preview", "evaluate as `pulumi preview` would (computed outputs unknown)")
      .addHelpText("after", FAIL_ON_HELP),
  ).action(async (flags: DiffFlags) => {
    const { diffCommand } = implementation("diff");
    const result = await diffCommand(flags, { isTty: process.stdout.isTTY, env: process.env });
    process.stdout.write(result.output);
    if (result.failures.length > 0)
      throw new CheckFailed(
        `diff --fail-on: the change has ${result.failures.join("; ")}. Review it, and merge only if it is intended`,
      );
  });
}
