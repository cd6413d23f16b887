import { createRequire } from "node:module";
import * as path from "node:path";
import type * as pulumiType from "@pulumi/pulumi";
import { effectiveGraph } from "./effective-graph";
import { gcpMocks } from "./gcp-mocks";
import { recordRegistrations } from "./recording-monitor";
import { readStackConfig, toProgramConfig } from "./stack-config";
import { UNKNOWN, type Evaluation, type RegisteredResource } from "./types";

/** What to evaluate, and how. */
export interface EvaluateOptions {
  /** Folder with Pulumi.yaml and index.ts; defaults to this repository's root. */
  readonly programDir?: string;
  /** Stack whose `Pulumi.<stack>.yaml` supplies the config; defaults to `dev`. */
  readonly stack?: string;
  /** Config keys (e.g. `callgraph:functions`) that replace the stack file's; values as they would be in YAML. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Evaluate as `pulumi preview` (computed outputs unknown) rather than `pulumi up`. Defaults to false. */
  readonly preview?: boolean;
}

const REPO_ROOT = path.resolve(__dirname, "..");

// The Pulumi runtime keeps its state per process: evaluations must take turns.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the Pulumi program in this process under mocks that answer like GCP and returns every resource it
 * registered, its exports, and the effective invocation graph. This is the one place that reads what would
 * be deployed; the local stack, `callgraph graph|diff|check`, the policy checks and the tests all use it.
 *
 * The program and this function share the program's own copy of @pulumi/pulumi, loaded with Node's
 * require (not a test runner's), so a base revision checked out elsewhere evaluates with its own code.
 */
export function evaluate(options: EvaluateOptions = {}): Promise<Evaluation> {
  const run = queue.then(() => evaluateNow(options));
  queue = run.catch(() => undefined);
  return run;
}

async function evaluateNow(options: EvaluateOptions): Promise<Evaluation> {
  const programDir = path.resolve(options.programDir ?? REPO_ROOT);
  const stack = options.stack ?? "dev";
  const preview = options.preview ?? false;
  const stackConfig = readStackConfig(programDir, stack);
  const config = { ...stackConfig.config, ...(options.config ?? {}) };
  const project = String(config["gcp:project"] ?? "");
  const region = String(config["gcp:region"] ?? "");

  const entry = path.join(programDir, "index.ts");
  const programRequire = createRequire(entry);
  registerTypeScript();
  const pulumi = programRequire("@pulumi/pulumi") as typeof pulumiType;
  const runtime = pulumi.runtime as typeof pulumi.runtime & { waitForRPCs(): Promise<void> };

  await runtime.setMocks(gcpMocks({ project, region, preview }), stackConfig.project, stack, preview);
  const recorder = recordRegistrations(runtime.getMonitor());
  runtime.setAllConfig(toProgramConfig(config), []);

  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    forgetProgramModules(programRequire);
    let exports: Record<string, unknown>;
    try {
      exports = programRequire(entry) as Record<string, unknown>;
    } catch (error) {
      throw new EvaluationError(error instanceof Error ? error.message : String(error), recorder.resources(), error);
    }
    await runtime.waitForRPCs();
    const outputs = await resolveExports(pulumi, exports);
    await runtime.waitForRPCs();
    // Let rejections raised while draining reach the listener before deciding the run succeeded.
    await new Promise((resolve) => setImmediate(resolve));
    failures.push(...recorder.failures);
    if (failures.length > 0) throw programFailure(failures, recorder.resources());
    const resources = recorder.resources();
    return { project, stack, preview, resources, outputs, graph: effectiveGraph(resources, { project, region }), config };
  } finally {
    process.off("unhandledRejection", onRejection);
    recorder.stop();
  }
}

/**
 * Drops every module outside node_modules from Node's cache (but this engine's own), so the next `require`
 * runs the program afresh, including a program that imports another one (tests wrap the real program to
 * add rogue resources). Dependencies stay loaded: the program must share @pulumi/pulumi with the engine.
 */
function forgetProgramModules(programRequire: NodeJS.Require): void {
  for (const file of Object.keys(programRequire.cache)) {
    if (file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith(`${__dirname}${path.sep}`)) continue;
    delete programRequire.cache[file];
  }
}

function registerTypeScript(): void {
  const nativeRequire = createRequire(__filename);
  // Already registered: under `tsx`, or by an earlier evaluation.
  if (".ts" in (nativeRequire("node:module") as { _extensions: object })._extensions) return;
  (nativeRequire("tsx/cjs/api") as { register(): unknown }).register();
}

async function resolveExports(pulumi: typeof pulumiType, exports: Record<string, unknown>): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports)) {
    // `promise(true)` is the SDK's own way to read an output that may be unknown during preview.
    const output = pulumi.output(value) as unknown as { promise(withUnknowns: boolean): Promise<unknown> };
    resolved[key] = replaceUnknowns(await output.promise(true));
  }
  return resolved;
}

function replaceUnknowns(value: unknown): unknown {
  if (typeof value === "object" && value !== null && value.constructor?.name === "Unknown") return UNKNOWN;
  if (Array.isArray(value)) return value.map(replaceUnknowns);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceUnknowns(v)]));
  }
  return value;
}

function programFailure(failures: readonly unknown[], resources: readonly RegisteredResource[]): EvaluationError {
  const messages = [...new Set(failures.map((f) => (f instanceof Error ? f.message : String(f))))];
  return new EvaluationError(`the Pulumi program failed:\n${messages.map((m) => `  ${m}`).join("\n")}`, resources, failures[0]);
}

/** The program failed (a bad topology, a failed registration); says what had been registered by then. */
export class EvaluationError extends Error {
  /** Resources registered before the failure: none when validation stopped the program, as it must. */
  readonly resources: readonly RegisteredResource[];

  constructor(message: string, resources: readonly RegisteredResource[], cause?: unknown) {
    super(message, { cause });
    this.name = "EvaluationError";
    this.resources = resources;
  }
}
