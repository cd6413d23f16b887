import type { Command } from "commander";
import { API_ROOT_ENV } from "../../live/api-root";
import { DEFAULT_DEADLINE_SECONDS, DEFAULT_REQUEST_TIMEOUT_SECONDS } from "../../live/deadline";
import { withProgramOptions } from "../program-options";
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
    program
      .command("preflight")
      .description(
        "check, read-only, that the real project the stack points at can take the deploy: APIs, runtimes, the deployer's permissions, the members granted, org policies, service accounts and their keys; exit 1 if something blocks it or could not be checked",
      )
      .option("--format <format>", `output format: ${PREFLIGHT_FORMATS.join(" or ")}`, "table")
      .option(
        "--api-root <url>",
        `reach every Google API at <url>/<first label of its host>/ (env: ${API_ROOT_ENV})`,
      )
      .option("--strict", "exit 1 when a check could not be made (not visible): the default")
      .option("--no-strict", "report checks that could not be made without failing on them")
      .option(
        "--timeout <seconds>",
        `seconds one attempt of one request to Google may take (default ${DEFAULT_REQUEST_TIMEOUT_SECONDS})`,
      )
      .option(
        "--deadline <seconds>",
        `seconds everything the command asks of Google may take, credentials included (default ${DEFAULT_DEADLINE_SECONDS})`,
      ),
  ).action(async (flags: PreflightFlags) => {
    await implementation("preflight").runPreflightCommand(flags, (text) => process.stdout.write(text));
  });
}
