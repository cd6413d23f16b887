import type { Command } from "commander";
import { withProgramOptions } from "../program-options";
import { withLiveOptions } from "./live-options";
import { implementation } from "./implementation";

export const PREFLIGHT_FORMATS = ["table", "json"] as const;
export type PreflightFormat = (typeof PREFLIGHT_FORMATS)[number];

export interface PreflightFlags {
  readonly stack?: string;
  readonly dir?: string;
  readonly format?: string;
  readonly apiRoot?: string;
  /** Undefined (the default) is strict: see {@link runPreflightCommand}. */
  readonly strict?: boolean;
  /** Seconds one attempt of one request may take. */
  readonly timeout?: string;
  /** Seconds everything the command asks of Google may take. */
  readonly deadline?: string;
}

export function registerPreflight(program: Command): void {
  withProgramOptions(
    withLiveOptions(
      program
        .command("preflight")
        .description(
          "check, read-only, that the real project the stack points at can take the deploy: APIs, runtimes, the deployer's permissions, the members granted, org policies, service accounts and their keys, the project number and the service agents of the callers; exit 1 if something blocks it or could not be checked",
        )
        .option("--format <format>", `output format: ${PREFLIGHT_FORMATS.join(" or ")}`, "table")
        .option("--strict", "exit 1 when a check could not be made (not visible): the default")
        .option("--no-strict", "report checks that could not be made without failing on them"),
    ),
  ).action(async (flags: PreflightFlags) => {
    await implementation("preflight").runPreflightCommand(flags, (text) => process.stdout.write(text));
  });
}
