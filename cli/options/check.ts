import type { Command } from "commander";
import { withProgramOptions } from "../program-options";
import { implementation } from "./implementation";

/** Stack config key holding the policy config, in `--policy-pack-config` format (see docs/policy.md). */
export const POLICY_CONFIG_KEY = "callgraph:policy";

export const CHECK_FORMATS = ["text", "json", "sarif"] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export interface CheckFlags {
  readonly stack?: string;
  readonly dir?: string;
  readonly format?: string;
  readonly preview?: boolean;
  readonly policyConfig?: string;
}

export function registerCheck(program: Command): void {
  withProgramOptions(
    program
      .command("check")
      .description(
        "run the policy pack's rules over the resources the program registers, without the Pulumi CLI or credentials; exit 1 on a mandatory violation",
      )
      .option("--format <format>", `output format: ${CHECK_FORMATS.join(", ")}`, "text")
      .option("--preview", "evaluate as `pulumi preview` would: values computed at deployment are unknown")
      .option(
        "--policy-config <file>",
        `policy config JSON, as for \`pulumi preview --policy-pack-config\` (default: the stack's ${POLICY_CONFIG_KEY})`,
      ),
  ).action(async (flags: CheckFlags) => {
    await implementation("check").runCheck(flags, (text) => process.stdout.write(text));
  });
}
