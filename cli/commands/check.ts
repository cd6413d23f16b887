import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, EvaluationError, fromEngine, readStackConfig, type Evaluation } from "../../engine";
import { PolicyConfigError } from "../../policy/config";
import { parsePackConfig, type PackSettings } from "../../policy/pack-config";
import { RULES } from "../../policy/rules";
import { runRules, type PolicyReport } from "../../policy/run-rules";
import { describeResource } from "../../policy/values";
import { CheckFailed, UsageError } from "../errors";
import { CHECK_FORMATS, POLICY_CONFIG_KEY, type CheckFlags, type CheckFormat } from "../options/check";
import { programOptions } from "../program-options";
import { renderCheckSarif } from "../render/check-sarif";
import { jsonDocument } from "../render/json-document";
import { plural } from "../render/words";
import { FindingLocator } from "../review/finding-locations";
import { refusedCallFindings, refusedCalls, UNDECLARED_CALL_POLICY } from "../review/refused-calls";
import { packageInfo } from "../package-info";

/** What one check found, as `--format json` prints it (after its `schemaVersion`). */
export interface CheckResult {
  readonly stack: string;
  readonly preview: boolean;
  readonly resources: number;
  readonly policyConfig: string;
  readonly passed: boolean;
  readonly policies: PolicyReport["policies"];
  readonly violations: PolicyReport["violations"];
  readonly undecided: PolicyReport["undecided"];
}

/**
 * Evaluates the program under the engine, runs every rule over what it registered, writes the report and throws
 * {@link CheckFailed} if a mandatory policy is violated. Values still unknown (`--preview`) are listed as not
 * decided, and do not fail the check.
 */
export async function runCheck(flags: CheckFlags, write: (text: string) => void): Promise<CheckResult> {
  const format = (flags.format ?? "text") as CheckFormat;
  if (!CHECK_FORMATS.includes(format))
    throw new UsageError(
      `check: --format must be one of ${CHECK_FORMATS.join(", ")}, not ${JSON.stringify(flags.format)}. Pass ${CHECK_FORMATS.map((f) => `--format ${f}`).join(", ")}`,
    );
  const options = programOptions(flags);
  const fromFile = flags.policyConfig === undefined ? undefined : readPolicyConfigFile(flags.policyConfig);
  const preview = flags.preview ?? false;
  let evaluation: Evaluation;
  try {
    evaluation = await evaluate({ programDir: options.dir, stack: options.stack, preview });
  } catch (error) {
    // A declaration refused for an undeclared call registers nothing, so no rule runs; code scanning still gets
    // the finding, at the call's line. The error line and exit code stay the program's.
    if (format === "sarif" && error instanceof EvaluationError) {
      const calls = refusedCalls(error.message);
      if (calls.length > 0)
        write(`${renderRefusedSarif(options.stack, refusedCallFindings(calls, options.dir))}\n`);
    }
    throw error;
  }
  const { settings, source } =
    fromFile ??
    settingsFrom(evaluation.config[POLICY_CONFIG_KEY], `Pulumi.${options.stack}.yaml ${POLICY_CONFIG_KEY}`);
  const report = runRules(fromEngine(evaluation.resources), settings);
  const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const result: CheckResult = {
    stack: options.stack,
    preview,
    resources: evaluation.resources.filter((r) => r.custom).length,
    policyConfig: source,
    passed: mandatory === 0,
    ...report,
  };
  write(render(format, result, evaluation, options.dir));
  if (mandatory > 0) {
    throw new CheckFailed(
      `check: ${plural(mandatory, "mandatory policy violation")} in stack ${options.stack}. ${HOW_TO_FIX[format]}`,
    );
  }
  return result;
}

/** Where the user reads what to fix, per format, for the one-line error that ends a failed check. */
const HOW_TO_FIX: Record<CheckFormat, string> = {
  text: 'Fix each FAIL above as its "fix" line says',
  json: 'Fix each of the report\'s "violations" as its "fix" says',
  sarif: "Fix each result of the SARIF log (level error) as its message says",
};

function render(
  format: CheckFormat,
  result: CheckResult,
  evaluation: Evaluation,
  programDir: string,
): string {
  switch (format) {
    case "text":
      return renderText(result);
    case "json":
      return `${jsonDocument("check", result)}\n`;
    case "sarif":
      return `${renderSarif(result, evaluation, programDir)}\n`;
  }
}

/** SARIF for code scanning: each violation at the stack-file line of its function, or the index.ts line of its resource. */
function renderSarif(result: CheckResult, evaluation: Evaluation, programDir: string): string {
  const locator = new FindingLocator({
    programDir,
    stack: result.stack,
    project: readStackConfig(programDir, result.stack).project,
    resources: evaluation.resources,
    graph: evaluation.graph,
    programFiles: evaluation.programFiles,
  });
  const running = new Set(
    result.policies.filter((p) => p.enforcementLevel !== "disabled").map((p) => p.name),
  );
  return renderCheckSarif({
    tool: { name: "callgraph", version: PACKAGE_VERSION },
    category: `callgraph-check/${result.stack}/`,
    rules: RULES.filter((r) => running.has(r.name)),
    findings: result.violations.map((v) => ({
      policy: v.policy,
      enforcementLevel: v.enforcementLevel,
      why: v.why,
      fix: v.fix,
      urn: v.urn,
      resource: v.resourceType ? describeResource({ type: v.resourceType, name: v.resourceName }) : v.urn,
      location: locator.locate(v.urn),
    })),
  });
}

/** The SARIF log of a declaration refused for undeclared calls: one error per call site, under its policy. */
function renderRefusedSarif(stack: string, findings: ReturnType<typeof refusedCallFindings>): string {
  return renderCheckSarif({
    tool: { name: "callgraph", version: PACKAGE_VERSION },
    category: `callgraph-check/${stack}/`,
    rules: RULES.filter((r) => r.name === UNDECLARED_CALL_POLICY),
    findings,
  });
}

function readPolicyConfigFile(file: string): { settings: PackSettings; source: string } {
  const resolved = path.resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(resolved, "utf8"));
  } catch (error) {
    throw new UsageError(
      `check: --policy-config ${file}: ${messageOf(error).split("\n")[0]}. Pass a readable JSON file (see docs/policy.md)`,
      { cause: error },
    );
  }
  return settingsFrom(raw, file);
}

function settingsFrom(raw: unknown, source: string): { settings: PackSettings; source: string } {
  try {
    return {
      settings: parsePackConfig(raw, RULES, source),
      source: raw === undefined ? "defaults (each policy at its default level)" : source,
    };
  } catch (error) {
    if (error instanceof PolicyConfigError)
      throw new UsageError(`check: ${error.message}. Fix the policy config (see docs/policy.md)`, {
        cause: error,
      });
    throw error;
  }
}

function renderText(result: CheckResult): string {
  const lines: string[] = [];
  const active = result.policies.filter((p) => p.enforcementLevel !== "disabled");
  const disabled = result.policies.filter((p) => p.enforcementLevel === "disabled").map((p) => p.name);
  lines.push(
    `callgraph check: stack ${result.stack} (${result.preview ? "preview" : "update"}), ${plural(result.resources, "resource")}, ` +
      `${plural(active.length, "policy", "policies")}; policy config: ${result.policyConfig}` +
      (disabled.length > 0 ? `; disabled: ${disabled.join(", ")}` : ""),
    "",
  );
  for (const v of result.violations) {
    lines.push(
      `${v.enforcementLevel === "mandatory" ? "FAIL" : "WARN"} ${v.policy} [${v.enforcementLevel}]`,
      `  resource: ${v.resourceType ? describeResource({ type: v.resourceType, name: v.resourceName }) : v.urn}`,
      `  urn:      ${v.urn}`,
      `  why:      ${v.why}`,
      `  fix:      ${v.fix}`,
      "",
    );
  }
  if (result.undecided.length > 0) {
    lines.push(
      "Not decided (a value unknown in preview, decided at `pulumi up`; or a function whose call sites were not recorded):",
    );
    for (const u of result.undecided)
      lines.push(`  ${u.policy}: ${u.why} (unknown: ${u.unknownPath || "the whole value"})`);
    lines.push("");
  }
  const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const advisory = result.violations.length - mandatory;
  if (result.violations.length === 0) {
    lines.push(
      `No policy violations: the ${plural(result.resources, "resource")} of stack ${result.stack} pass all ${plural(active.length, "policy", "policies")}.`,
    );
  } else {
    lines.push(
      `${plural(result.violations.length, "violation")}: ${mandatory} mandatory, ${advisory} advisory.`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The message of an error from fs or JSON.parse (which may come from another realm, e.g. under jest). */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

/** callgraph's own version, for the SARIF log's tool. */
const PACKAGE_VERSION = packageInfo().version;
