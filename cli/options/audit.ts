import { Option, type Command } from "commander";
import { FINDING_KINDS } from "../../live/audit/findings";
import { RISKS } from "../diff/types";
import { withProgramOptions } from "../program-options";
import { withLiveOptions } from "./live-options";
import { implementation } from "./implementation";

export const AUDIT_FORMATS = ["table", "json", "markdown", "sarif"] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** `--fail-on` classes: every finding, a risk level, a finding kind, or a read that was refused. */
export const AUDIT_FAIL_ON = ["any", ...RISKS, ...FINDING_KINDS, "not-visible"] as const;
export type AuditFailOn = (typeof AUDIT_FAIL_ON)[number];

export interface AuditFlags {
  readonly stack?: string;
  readonly dir?: string;
  readonly scope?: string;
  readonly format?: string;
  readonly failOn?: readonly string[];
  readonly apiRoot?: string;
  /** Seconds one attempt of one request may take. */
  readonly timeout?: string;
  /** Seconds everything the command asks of Google may take. */
  readonly deadline?: string;
}

export function registerAudit(program: Command): void {
  withProgramOptions(
    withLiveOptions(
      program
        .command("audit")
        .description(
          "read, with your credentials, who may really invoke each deployed function (direct, inherited and public grants) and hold it against the declaration; exit 1 on drift",
        )
        .option(
          "--scope <scope>",
          "read every IAM policy with one Cloud Asset Inventory query at projects/P, folders/F or organizations/O (falls back to one read per policy when the Asset API is off)",
        )
        .addOption(
          new Option("-f, --format <format>", "output format").choices(AUDIT_FORMATS).default("table"),
        )
        .option(
          "--fail-on <class...>",
          `exit 1 only on these (repeat or comma-separate): ${AUDIT_FAIL_ON.join(", ")}; default: any,not-visible`,
        ),
    ),
  ).action(async (flags: AuditFlags) => {
    await implementation("audit").runAuditCommand(flags, (text) => process.stdout.write(text), {
      progress: { write: (text) => process.stderr.write(text), tty: process.stderr.isTTY === true },
    });
  });
}
