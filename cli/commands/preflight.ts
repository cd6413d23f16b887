import { evaluate } from "../../engine";
import { resolveApiRoot } from "../../live/api-root";
import { parseLiveBounds, startDeadline, type Deadline, type LiveBounds } from "../../live/deadline";
import { LiveConfigError, LiveUnavailableError, malformedApisIn } from "../../live/errors";
import {
  createGoogleClients,
  createLiveAuth,
  loadCredentials,
  type GoogleAuth,
} from "../../live/google-clients";
import { declaredDeployment } from "../../live/preflight/declared";
import { renderPreflightTable } from "../../live/preflight/render-table";
import { runPreflight } from "../../live/preflight/run-preflight";
import type { PreflightReport } from "../../live/preflight/types";
import { CheckFailed, UsageError } from "../errors";
import { PREFLIGHT_FORMATS, type PreflightFlags, type PreflightFormat } from "../options/preflight";
import { programOptions } from "../program-options";

/** What tests replace: the credentials (default: Application Default Credentials), the env, the date, fetch. */
export interface PreflightDeps {
  readonly auth?: GoogleAuth;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly today?: Date;
  readonly fetchImplementation?: typeof fetch;
}

/**
 * Evaluates the program, reads the project it deploys to with the user's credentials, writes the report and
 * throws {@link CheckFailed} when something blocks a deploy.
 *
 * Strict by default: a check that could not be made (a refused read, a malformed answer) fails the command like a
 * blocker, unless `--no-strict`. Preflight is the gate before `pulumi up` and, in CI, before `pulumi preview`; a
 * check it could not make is not known to pass, and a green run must mean "checked", not "could not look" (the
 * rule `callgraph audit` applies by default too, `--fail-on not-visible`). Choosing this over "strict only in CI"
 * keeps one behaviour everywhere: the same command gives the same exit code on a laptop, in CI and in a test, with
 * no dependence on an environment variable; the CI workflow still passes `--strict` to pin it.
 */
export async function runPreflightCommand(
  flags: PreflightFlags,
  write: (text: string) => void,
  deps: PreflightDeps = {},
): Promise<PreflightReport> {
  const format = (flags.format ?? "table") as PreflightFormat;
  if (!PREFLIGHT_FORMATS.includes(format))
    throw new UsageError(`--format must be ${PREFLIGHT_FORMATS.join(" or ")}, not "${flags.format}"`);
  let apiRoot: string | undefined;
  let bounds: LiveBounds;
  try {
    apiRoot = resolveApiRoot(flags.apiRoot, deps.env ?? process.env);
    bounds = parseLiveBounds(flags);
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
  const strict = flags.strict ?? true;
  const deadline = startDeadline(bounds.deadlineMs);
  let report: PreflightReport;
  try {
    const auth =
      deps.auth ??
      createLiveAuth({ projectId: evaluation.project, requestTimeoutMs: bounds.requestTimeoutMs, deadline });
    await deadline.race(
      requireCredentials(auth, { requestTimeoutMs: bounds.requestTimeoutMs, deadline }),
      "loading Application Default Credentials",
    );
    report = await deadline.race(
      runPreflight(
        declaredDeployment(evaluation.resources, evaluation.project),
        createGoogleClients({
          auth,
          requestTimeoutMs: bounds.requestTimeoutMs,
          deadline,
          ...(apiRoot === undefined ? {} : { apiRoot }),
          ...(deps.fetchImplementation ? { fetchImplementation: deps.fetchImplementation } : {}),
        }),
        { stack: options.stack, strict, ...(deps.today ? { today: deps.today } : {}) },
      ),
      `reading project ${evaluation.project}`,
    );
  } catch (error) {
    if (error instanceof LiveUnavailableError)
      throw new UsageError(`preflight: ${error.message}`, { cause: error });
    throw error;
  } finally {
    deadline.dispose();
  }
  write(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderPreflightTable(report));
  if (!report.passed) {
    const blockers = report.findings.filter((f) => f.severity === "blocker").length;
    const hidden = report.findings.filter((f) => f.severity === "not-visible");
    const parts = [
      ...(blockers > 0
        ? [
            `${blockers} finding${blockers === 1 ? "" : "s"} block${blockers === 1 ? "s" : ""} a deploy of stack ${options.stack} to project ${evaluation.project}`,
          ]
        : []),
      ...(strict && hidden.length > 0
        ? [
            `${blockers > 0 ? "and " : ""}${hidden.length} check${hidden.length === 1 ? "" : "s"} of project ${evaluation.project} could not be made (${summarize(hidden.map((f) => f.subject))})${malformedFrom(hidden.map((f) => f.problem))}: not known to pass. Give the deployer what each NOT VISIBLE finding names, or pass --no-strict to report them without failing`,
          ]
        : []),
    ];
    throw new CheckFailed(parts.join("; "));
  }
  return report;
}

/** `, with malformed answers from A, B` when some reads got an answer that is not the API's (a sign-in page...). */
function malformedFrom(problems: readonly string[]): string {
  const apis = malformedApisIn(problems);
  return apis.length === 0 ? "" : `, with malformed answers from ${apis.join(", ")}`;
}

/** Up to three subjects, then how many more. */
function summarize(subjects: readonly string[]): string {
  const unique = [...new Set(subjects)];
  return unique.length <= 3
    ? unique.join("; ")
    : `${unique.slice(0, 3).join("; ")}; and ${unique.length - 3} more`;
}

/** Fails early, with the fix, when there are no Application Default Credentials at all. */
async function requireCredentials(
  auth: GoogleAuth,
  bounds: { readonly requestTimeoutMs: number; readonly deadline: Deadline },
): Promise<void> {
  try {
    await loadCredentials(auth, bounds);
  } catch (error) {
    throw new UsageError(
      `no usable Application Default Credentials (${error instanceof Error ? error.message.split("\n")[0] : String(error)}): ` +
        "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS",
      { cause: error },
    );
  }
}
