import type { Command } from "commander";
import { evaluate } from "../../engine";
import { API_ROOT_ENV, resolveApiRoot } from "../../live/api-root";
import { LiveConfigError } from "../../live/errors";
import { CLOUD_PLATFORM_SCOPE, createGoogleClients, GoogleAuth } from "../../live/google-clients";
import { declaredDeployment } from "../../live/preflight/declared";
import { renderPreflightTable } from "../../live/preflight/render-table";
import { runPreflight } from "../../live/preflight/run-preflight";
import type { PreflightReport } from "../../live/preflight/types";
import { CheckFailed, UsageError } from "../errors";
import { programOptions, withProgramOptions } from "../program-options";

const FORMATS = ["table", "json"] as const;
type Format = (typeof FORMATS)[number];

export interface PreflightFlags {
  readonly stack?: string;
  readonly dir?: string;
  readonly format?: string;
  readonly apiRoot?: string;
  readonly strict?: boolean;
}

/** What tests replace: the credentials (default: Application Default Credentials) and the date. */
export interface PreflightDeps {
  readonly auth?: GoogleAuth;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly today?: Date;
}

export function registerPreflight(program: Command): void {
  withProgramOptions(
    program
      .command("preflight")
      .description(
        "check, read-only, that the real project the stack points at can take the deploy: APIs, runtimes, the deployer's permissions, org policies, service accounts and their keys; exit 1 if something blocks it",
      )
      .option("--format <format>", `output format: ${FORMATS.join(" or ")}`, "table")
      .option(
        "--api-root <url>",
        `reach every Google API at <url>/<first label of its host>/ (env: ${API_ROOT_ENV})`,
      )
      .option("--strict", "also exit 1 when a check could not be made (not visible)"),
  ).action(async (flags: PreflightFlags) => {
    await runPreflightCommand(flags, (text) => process.stdout.write(text));
  });
}

/**
 * Evaluates the program, reads the project it deploys to with the user's credentials, writes the report and
 * throws {@link CheckFailed} when something blocks a deploy.
 */
export async function runPreflightCommand(
  flags: PreflightFlags,
  write: (text: string) => void,
  deps: PreflightDeps = {},
): Promise<PreflightReport> {
  const format = (flags.format ?? "table") as Format;
  if (!FORMATS.includes(format))
    throw new UsageError(`--format must be ${FORMATS.join(" or ")}, not "${flags.format}"`);
  let apiRoot: string | undefined;
  try {
    apiRoot = resolveApiRoot(flags.apiRoot, deps.env ?? process.env);
  } catch (error) {
    if (error instanceof LiveConfigError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  const options = programOptions(flags);
  const evaluation = await evaluate({ programDir: options.dir, stack: options.stack });
  if (evaluation.project === "")
    throw new UsageError(
      `Pulumi.${options.stack}.yaml sets no gcp:project: preflight needs the project to check (pulumi config set gcp:project PROJECT)`,
    );
  // The project is given, so that google-auth-library does not look it up: for external_account credentials it
  // would ask Resource Manager (v1 projects.get on the pool's project number) at Google's own host.
  const auth = deps.auth ?? new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], projectId: evaluation.project });
  await requireCredentials(auth);
  const report = await runPreflight(
    declaredDeployment(evaluation.resources, evaluation.project),
    createGoogleClients({ auth, ...(apiRoot === undefined ? {} : { apiRoot }) }),
    { stack: options.stack, strict: flags.strict ?? false, ...(deps.today ? { today: deps.today } : {}) },
  );
  write(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderPreflightTable(report));
  if (!report.passed) {
    const blockers = report.findings.filter((f) => f.severity === "blocker").length;
    throw new CheckFailed(
      blockers > 0
        ? `${blockers} finding${blockers === 1 ? "" : "s"} block${blockers === 1 ? "s" : ""} a deploy of stack ${options.stack} to project ${evaluation.project}`
        : `some checks of project ${evaluation.project} could not be made (--strict)`,
    );
  }
  return report;
}

/** Fails early, with the fix, when there are no Application Default Credentials at all. */
async function requireCredentials(auth: GoogleAuth): Promise<void> {
  try {
    await auth.getClient();
  } catch (error) {
    throw new UsageError(
      `no usable Application Default Credentials (${error instanceof Error ? error.message.split("\n")[0] : String(error)}): ` +
        "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS",
      { cause: error },
    );
  }
}
