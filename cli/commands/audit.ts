import * as fs from "node:fs";
import { evaluate } from "../../engine";
import { readStackConfig, stackFileOf } from "../../engine/stack-config";
import { audit } from "../../live/audit/audit";
import { createAuditClients, type AuditClients } from "../../live/audit/audit-clients";
import { declaredAudit } from "../../live/audit/declared";
import type { FindingKind } from "../../live/audit/findings";
import { progressLine } from "../../live/audit/progress";
import { readLive } from "../../live/audit/read-live";
import { readAccountPolicy } from "../../live/audit/read-policies";
import { readSources } from "../../live/audit/read-sources";
import { auditSources, declaredSources } from "../../live/audit/source-audit";
import { observe } from "../../live/preflight/read-project";
import { parseScope } from "../../live/audit/scope";
import { resolveApiRoot } from "../../live/api-root";
import { parseLiveBounds, startDeadline, type Deadline, type LiveBounds } from "../../live/deadline";
import { LiveConfigError, LiveUnavailableError, malformedApisIn } from "../../live/errors";
import { createLiveAuth, loadCredentials, type GoogleAuth } from "../../live/google-clients";
import { assessAudit, type AuditReport } from "../audit/assessed";
import { renderAuditMarkdown } from "../audit/render-markdown";
import { renderAuditSarif } from "../audit/render-sarif";
import { renderAuditTable } from "../audit/render-table";
import type { Risk } from "../diff/types";
import { CheckFailed, UsageError } from "../errors";
import {
  AUDIT_FAIL_ON,
  AUDIT_FORMATS,
  type AuditFailOn,
  type AuditFlags,
  type AuditFormat,
} from "../options/audit";
import { programOptions } from "../program-options";
import { jsonDocument } from "../render/json-document";
import { declarationLines } from "../review/declaration-lines";
import { repositoryPath, type SourceLocation } from "../review/finding-locations";
import { packageInfo } from "../package-info";

const DEFAULT_FAIL_ON: readonly AuditFailOn[] = ["any", "not-visible"];

/** What tests replace: credentials (default: Application Default Credentials), env, where progress goes. */
export interface AuditDeps {
  readonly auth?: GoogleAuth;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly progress?: { readonly write: (text: string) => void; readonly tty: boolean };
  readonly fetchImplementation?: typeof fetch;
}

/**
 * Evaluates the program, reads the live project it deploys to, writes the report, and throws {@link CheckFailed}
 * when a `--fail-on` class is present.
 */
export async function runAuditCommand(
  flags: AuditFlags,
  write: (text: string) => void,
  deps: AuditDeps = {},
): Promise<AuditReport> {
  const format = (flags.format ?? "table") as AuditFormat;
  if (!AUDIT_FORMATS.includes(format))
    throw new UsageError(
      `audit: --format must be ${AUDIT_FORMATS.join(", ")}, not ${JSON.stringify(flags.format)}`,
    );
  const failOn = parseAuditFailOn(flags.failOn);
  let apiRoot: string | undefined;
  let scope: string | undefined;
  let bounds: LiveBounds;
  try {
    apiRoot = resolveApiRoot(flags.apiRoot, deps.env ?? process.env);
    scope = flags.scope === undefined ? undefined : parseScope(flags.scope);
    bounds = parseLiveBounds(flags);
  } catch (error) {
    if (error instanceof LiveConfigError) throw new UsageError(`audit: ${error.message}`, { cause: error });
    throw error;
  }
  const options = programOptions(flags);
  const evaluation = await evaluate({ programDir: options.dir, stack: options.stack });
  const region = String(evaluation.config["gcp:region"] ?? "");
  if (evaluation.project === "" || region === "")
    throw new UsageError(
      `audit: Pulumi.${options.stack}.yaml sets no ${evaluation.project === "" ? "gcp:project" : "gcp:region"}: the audit reads the functions of that project and region. Set it (pulumi config set ${evaluation.project === "" ? "gcp:project PROJECT" : "gcp:region REGION"})`,
    );
  const declared = declaredAudit(evaluation.graph, evaluation.resources, evaluation.project, region);
  const deadline = startDeadline(bounds.deadlineMs);
  const progress = deps.progress ? progressLine(deps.progress) : undefined;
  let live;
  let sources: ReturnType<typeof auditSources> | undefined;
  try {
    // The project is given to the credentials (createLiveAuth): with --api-root, nothing else is contacted.
    const auth =
      deps.auth ??
      createLiveAuth({ projectId: declared.project, requestTimeoutMs: bounds.requestTimeoutMs, deadline });
    await deadline.race(
      requireCredentials(auth, { requestTimeoutMs: bounds.requestTimeoutMs, deadline }),
      "loading Application Default Credentials",
    );
    const clients = createAuditClients({
      auth,
      requestTimeoutMs: bounds.requestTimeoutMs,
      deadline,
      ...(apiRoot === undefined ? {} : { apiRoot }),
      ...(deps.fetchImplementation ? { fetchImplementation: deps.fetchImplementation } : {}),
    });
    live = await deadline.race(
      readLive(clients, {
        project: declared.project,
        region,
        ...(scope === undefined ? {} : { scope }),
        declaredAccounts: declared.functions.flatMap((f) => [
          f.serviceAccount,
          ...(f.buildServiceAccount ? [f.buildServiceAccount] : []),
        ]),
        ...(progress ? { onProgress: progress.listener } : {}),
      }),
      `reading project ${declared.project}`,
    );
    sources = await deadline.race(
      readDeclaredSources(clients, evaluation, region),
      `reading the callers of project ${declared.project}`,
    );
  } catch (error) {
    if (error instanceof LiveConfigError || error instanceof LiveUnavailableError)
      throw new UsageError(`audit: ${error.message}`, { cause: error });
    throw error;
  } finally {
    deadline.dispose();
    progress?.end();
  }
  const result = audit(declared, live, options.stack);
  const report = assessAudit(
    sources
      ? {
          ...result,
          findings: [...result.findings, ...sources.findings],
          notVisible: [...result.notVisible, ...sources.notVisible],
        }
      : result,
    options.stack,
    apiRoot,
  );
  write(render(report, format, options));
  const failures = failOnHits(report, failOn);
  if (failures.length > 0)
    throw new CheckFailed(
      `audit: project ${report.project} ${failures.join("; ")}. Fix each finding as its "fix" says, or declare what is intended`,
    );
  return report;
}

/**
 * The stack's callers that are not functions, held against what is live: the listings of the kinds it declares,
 * and the policy of each account a service agent must mint tokens for. Undefined when it declares none.
 */
async function readDeclaredSources(
  clients: AuditClients,
  evaluation: Awaited<ReturnType<typeof evaluate>>,
  region: string,
): Promise<ReturnType<typeof auditSources> | undefined> {
  const declared = declaredSources(evaluation.graph, evaluation.resources);
  if (declared.length === 0) return undefined;
  const [listings, policies] = await Promise.all([
    readSources(
      clients,
      evaluation.project,
      region,
      declared.map((d) => d.kind),
    ),
    Promise.all(
      declared
        .filter((d) => d.tokenMinters.length > 0)
        .map(async (d) => [d.account, await observe(() => readAccountPolicy(clients, d.account))] as const),
    ),
  ]);
  const functions = evaluation.graph.functions;
  return auditSources(declared, listings, new Map(policies), {
    functionByUrl: new Map(functions.map((f) => [f.url.replace(/\/+$/, ""), f.name])),
    functionNames: new Set(functions.map((f) => f.name)),
    stack: evaluation.stack,
  });
}

function render(report: AuditReport, format: AuditFormat, options: { dir: string; stack: string }): string {
  switch (format) {
    case "json":
      return `${jsonDocument("audit", report)}\n`;
    case "markdown":
      return renderAuditMarkdown(report);
    case "sarif":
      return `${renderAuditSarif(report, { name: "callgraph", version: PACKAGE_VERSION }, locator(options))}\n`;
    case "table":
      return renderAuditTable(report);
  }
}

/** Points a finding at the stack file's line that declares its function (the declaration, when none does). */
function locator(options: { dir: string; stack: string }): (fn: string | undefined) => SourceLocation {
  const file = stackFileOf(options.dir, options.stack);
  const lines = declarationLines(
    fs.readFileSync(file, "utf8"),
    readStackConfig(options.dir, options.stack).project,
  );
  return (fn) => {
    const at = fn === undefined ? undefined : lines.byFunction.get(fn);
    const position = at ?? lines.functions ?? { line: 1, column: 1 };
    return {
      file: repositoryPath(file),
      ...position,
      what: at ? `function "${fn}"` : "the declared call graph",
    };
  };
}

/** `--fail-on high,public-exposure` and `--fail-on high --fail-on not-visible` alike; anything else is a usage error. */
export function parseAuditFailOn(values: readonly string[] | undefined): readonly AuditFailOn[] {
  if (values === undefined) return DEFAULT_FAIL_ON;
  const classes = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = classes.filter((c) => !(AUDIT_FAIL_ON as readonly string[]).includes(c));
  if (unknown.length > 0 || classes.length === 0)
    throw new UsageError(
      `audit: --fail-on: ${unknown.length > 0 ? `unknown class ${unknown.map((u) => `"${u}"`).join(", ")}` : "no class given"}. Use ${AUDIT_FAIL_ON.join(", ")}`,
    );
  return [...new Set(classes as AuditFailOn[])];
}

function failOnHits(report: AuditReport, failOn: readonly AuditFailOn[]): string[] {
  const hits = report.findings.filter(
    (f) =>
      failOn.includes("any") ||
      failOn.includes(f.risk as Risk & AuditFailOn) ||
      failOn.includes(f.kind as FindingKind & AuditFailOn),
  );
  const failures: string[] = [];
  if (hits.length > 0)
    failures.push(
      `has ${hits.length} finding${hits.length === 1 ? "" : "s"} (${[...new Set(hits.map((f) => f.kind))].join(", ")})`,
    );
  if (failOn.includes("not-visible") && report.notVisible.length > 0) {
    const subjects = [...new Set(report.notVisible.map((n) => n.subject))];
    const named =
      subjects.length <= 3
        ? subjects.join("; ")
        : `${subjects.slice(0, 3).join("; ")}; and ${subjects.length - 3} more`;
    const malformed = malformedApisIn(report.notVisible.map((n) => n.problem));
    failures.push(
      `could not read ${report.notVisible.length} source${report.notVisible.length === 1 ? "" : "s"} (${named}` +
        `${malformed.length > 0 ? `, with malformed answers from ${malformed.join(", ")}` : ""}; not visible: not known to be clean)`,
    );
  }
  return failures;
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
      `audit: no usable Application Default Credentials (${error instanceof Error ? error.message.split("\n")[0] : String(error)}). ` +
        "Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS",
      { cause: error },
    );
  }
}

const PACKAGE_VERSION = packageInfo().version;
