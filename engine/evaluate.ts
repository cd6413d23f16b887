import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as pulumiType from "@pulumi/pulumi";
import { deferUnusedModules } from "./deferred-modules";
import { effectiveGraph } from "./effective-graph";
import { gcpMocks } from "./gcp-mocks";
import { programEntry, type EntrySetting } from "./program-entry";
import { ProgramModules, wallClockNs } from "./program-modules";
import { recordRegistrations } from "./recording-monitor";
import { runTransforms } from "./transforms";
import { readStackConfig, StackConfigError, stackFileOf, toProgramConfig } from "./stack-config";
import { withStackFileLines } from "./stack-file-lines";
import { EvaluationError } from "./evaluation-error";
import { UNKNOWN, type Evaluation, type RegisteredResource } from "./types";

/** What to evaluate, and how. */
export interface EvaluateOptions {
  /** Folder with Pulumi.yaml and the program; defaults to the working directory. */
  readonly programDir?: string;
  /** Stack whose `Pulumi.<stack>.yaml` supplies the config; defaults to `dev`. */
  readonly stack?: string;
  /** Config keys (e.g. `callgraph:functions`) that replace the stack file's; values as they would be in YAML. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Evaluate as `pulumi preview` (computed outputs unknown) rather than `pulumi up`. Defaults to false. */
  readonly preview?: boolean;
}

// The Pulumi runtime keeps its state per process: evaluations must take turns.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the Pulumi program in this process under mocks that answer like GCP and returns every resource it
 * registered, its exports, and the effective invocation graph. This is the one place that reads what would
 * be deployed; the local stack, `callgraph graph|diff|check`, the policy checks and the tests all use it.
 *
 * The mocks are set on the program's own copy of @pulumi/pulumi (resolved from the program's folder), so a
 * base revision checked out elsewhere evaluates with its own code. The CLI runs under tsx and the tests under
 * jest, both of which load TypeScript.
 */
export function evaluate(options: EvaluateOptions = {}): Promise<Evaluation> {
  const run = queue.then(async () => {
    try {
      return await evaluateNow(options);
    } catch (error) {
      if (error instanceof ReloadNeeded) return evaluateInChild(options);
      throw error;
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

async function evaluateNow(options: EvaluateOptions): Promise<Evaluation> {
  const programDir = path.resolve(options.programDir ?? process.cwd());
  const stack = options.stack ?? "dev";
  const preview = options.preview ?? false;
  const stackConfig = readStackConfig(programDir, stack);
  const config = { ...stackConfig.config, ...(options.config ?? {}) };
  const project = String(config["gcp:project"] ?? "");
  const region = String(config["gcp:region"] ?? "");

  const { file: entry, from: entrySetting } = programEntry(programDir, stackConfig.main);
  // The program's own copy of @pulumi/pulumi: the mocks must be set on the instance the program registers with.
  const programRequire = createRequire(entry);
  deferUnusedModules();
  const pulumi = loadPulumi(programRequire, programDir, entry, entrySetting);
  const runtime = pulumi.runtime as typeof pulumi.runtime & { waitForRPCs(): Promise<void> };
  const modules = modulesOf(programDir, entry);
  // The cache key of the entry (its real path), resolved while it is known to exist (loadPulumi checked).
  const entryKey = programRequire.resolve(entry);
  const since = wallClockNs();

  const projectNumber = config["callgraph:projectNumber"];
  const mocks = gcpMocks({
    project,
    region,
    preview,
    ...(projectNumber === undefined ? {} : { projectNumber: String(projectNumber) }),
  });
  await runtime.setMocks(mocks, stackConfig.project, stack, preview);
  const recorder = recordRegistrations(runtime.getMonitor());
  // After the recorder: what it records is what the program's transforms returned.
  const transforms = runTransforms(programRequire, runtime.getMonitor());
  runtime.setAllConfig(toProgramConfig(config), []);

  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);
  // The SDK captures a stack trace for every promise it tracks (runtime/debuggable.ts), and with source maps on
  // (tsx, jest) formatting those dominates evaluation time; errors thrown here are reported by message.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  // It also records each resource's whole stack for the engine's source positions (Resource.callsites, which sets
  // its own limit), and nothing here reads them. With Node's source maps on (tsx turns them on), every frame of
  // those is mapped back to TypeScript: 13% of an evaluation's CPU at 300 functions. Off while the program runs;
  // under the CLI's loader each TypeScript file still compiles with its map (bin/register-tsx.js).
  // A host whose `process` lacks either is left as it is.
  const sourceMaps: unknown = process.sourceMapsEnabled;
  const toggleSourceMaps =
    typeof sourceMaps === "boolean" && typeof process.setSourceMapsEnabled === "function";
  // Even with those off, the SDK still formats each resource's whole stack (@pulumi/pulumi resource.ts,
  // `Resource.callsites`, which lifts the limit to Infinity) into the request's source position and stack trace, which
  // nothing here reads (the mocks and the recording ignore both; `check`'s SARIF positions come from the program's
  // text): skipped while the program runs, each registration is sent without them. Measured at 300 and 1,000 functions:
  // 4-7% less CPU per evaluation. An SDK without that static is left as it is.
  const resourceClass = pulumi.Resource as unknown as { callsites?: () => unknown[] };
  const callsites = resourceClass.callsites;
  const skipCallsites = typeof callsites === "function";
  // `pulumi up` runs a program in its project's folder; a program that resolves paths against the working directory
  // (CallGraph's default root) must see the same here.
  const workingDirectory = process.cwd();
  let recorded = false;
  try {
    if (skipCallsites) resourceClass.callsites = () => [];
    if (toggleSourceMaps) process.setSourceMapsEnabled(false);
    process.chdir(programDir);
    let outputs: unknown;
    try {
      outputs = await runProgram(programRequire, entry, entryKey, modules);
    } catch (error) {
      // What had registered when the program stopped; then what it had started is let finish, so that none of it
      // reaches the next evaluation's mocks in this process (`diff`, the tests) as a registration they never saw.
      const registered = recorder.resources();
      await settle(runtime.waitForRPCs());
      if (error instanceof ReloadNeeded) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new EvaluationError(
        declaredInStackFile(error, options)
          ? withStackFileLines(message, stackFileOf(programDir, stack), stackConfig.project, workingDirectory)
          : message,
        registered,
        error,
      );
    }
    // A failed transform ends the evaluation, as it ends a deployment: what depends on its resource never settles.
    await transforms.unlessFailed(runtime.waitForRPCs());
    const resolved =
      (await transforms.unlessFailed(resolveExports(pulumi, (outputs ?? {}) as Record<string, unknown>))) ??
      {};
    await transforms.unlessFailed(runtime.waitForRPCs());
    // Let rejections raised while draining reach the listener before deciding the run succeeded.
    await new Promise((resolve) => setImmediate(resolve));
    failures.push(...recorder.failures, ...transforms.failures);
    if (failures.length > 0) throw programFailure(failures, recorder.resources());
    const resources = recorder.resources();
    // What the program required when it loaded and while it ran (a declaration the exported function requires).
    modules.record(programRequire.cache, entryKey, since);
    recorded = true;
    return {
      project,
      stack,
      preview,
      resources,
      outputs: resolved,
      graph: effectiveGraph(resources, { project, region }),
      config,
      programFiles: modules.files(),
    };
  } finally {
    // Also when it failed: a later edit to what it required must be seen.
    if (!recorded) modules.record(programRequire.cache, entryKey, since);
    if (skipCallsites) resourceClass.callsites = callsites;
    process.chdir(workingDirectory);
    Error.stackTraceLimit = stackTraceLimit;
    if (toggleSourceMaps) process.setSourceMapsEnabled(sourceMaps);
    process.off("unhandledRejection", onRejection);
    transforms.stop();
    recorder.stop();
  }
}

/**
 * The program's own @pulumi/pulumi. A folder without the program, or without its dependencies installed, is the
 * user's to fix (exit 2), not a bug: say which, and how.
 */
function loadPulumi(
  programRequire: NodeJS.Require,
  programDir: string,
  entry: string,
  from: EntrySetting,
): typeof pulumiType {
  if (!fs.existsSync(entry))
    throw new StackConfigError(
      entry,
      from === undefined || from === "Pulumi.yaml main"
        ? `no such file: ${programDir} has a Pulumi.yaml but no program. Run from the project root, or pass its folder with --dir`
        : // `npm init -y` writes `"main": "index.js"` beside an index.ts: Pulumi would run the missing file too.
          `no such file: ${from} names it as the program, as Pulumi reads it. Point ${from} at the program, or remove it to run index.ts`,
    );
  try {
    return programRequire("@pulumi/pulumi") as typeof pulumiType;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== "MODULE_NOT_FOUND") throw error;
    throw new StackConfigError(
      entry,
      `cannot load @pulumi/pulumi from ${programDir}: its dependencies are not installed. Run npm ci there`,
      undefined,
      { cause: error },
    );
  }
}

/** Programs of this process that registered their resources at load time (a plain top-level program). */
const loadedAtTopLevel = new Set<string>();
/** Each program's own modules as this process loaded them, by entry. */
const programModules = new Map<string, ProgramModules>();

/**
 * Loads the program and runs it. A Pulumi program may export a function, which Pulumi calls and whose result
 * becomes the stack outputs: such a program runs afresh on each evaluation, and only its modules edited since they
 * were loaded (and those that import them) are loaded again. A plain top-level program (`new CallGraph(...)` at the
 * top of `index.ts`, with `export const` outputs) runs when it is loaded, so an evaluation after the first loads all
 * its own modules again. Its packages' modules are never dropped: their state, the mocks included, must stay. Where
 * the modules cannot be loaded again here (a test runner's module registry, or a package holding one of the program's
 * files: engine/program-modules.ts), the program is evaluated in a fresh child process instead.
 */
async function runProgram(
  programRequire: NodeJS.Require,
  entry: string,
  entryKey: string,
  modules: ProgramModules,
): Promise<unknown> {
  const reload = loadedAtTopLevel.has(entry) ? modules.files() : modules.changed();
  if (reload.length > 0 && !modules.forget(programRequire.cache, entryKey, reload)) throw new ReloadNeeded();
  const loaded = programRequire(entry) as unknown;
  const program = typeof loaded === "function" ? loaded : (loaded as { default?: unknown } | null)?.default;
  if (typeof program === "function") return (program as () => unknown)();
  loadedAtTopLevel.add(entry);
  // A top-level program's exports are its outputs (`export const url = ...`), as Pulumi takes them.
  return loaded;
}

/** The record of `entry`'s own modules in this process: the project's files are those under its folders. */
function modulesOf(programDir: string, entry: string): ProgramModules {
  let modules = programModules.get(entry);
  if (!modules) {
    const real = (file: string) => (fs.existsSync(file) ? fs.realpathSync(file) : file);
    modules = new ProgramModules([real(programDir), path.dirname(real(entry))]);
    programModules.set(entry, modules);
  }
  return modules;
}

/**
 * Whether `error` is the program's refusal of a declaration read from the stack file, whose problems can then be
 * placed at its lines: a `TopologyError` (matched by name and first line, since the program loads its own copy of
 * the class) about stack config, while the caller replaced none of the declaration's keys (tests and benchmarks pass
 * theirs in `config`; a file's lines would then show another declaration).
 */
function declaredInStackFile(error: unknown, options: EvaluateOptions): boolean {
  if (!(error instanceof Error) || error.name !== "TopologyError") return false;
  if (!error.message.startsWith("Invalid call graph in stack config")) return false;
  return !Object.keys(options.config ?? {}).some((key) => key.startsWith("callgraph:"));
}

/**
 * `evaluate` in a fresh Node process (evaluate-child.ts, loaded through tsx as the CLI loads programs), for a
 * program this process cannot load again. Its errors are rethrown as the in-process ones would be.
 */
async function evaluateInChild(options: EvaluateOptions): Promise<Evaluation> {
  const child = path.join(__dirname, `evaluate-child${path.extname(__filename)}`);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-evaluation-"));
  const out = path.join(folder, "evaluation.json");
  let answer: {
    evaluation?: Evaluation;
    error?: {
      kind: string;
      message?: string;
      file?: string;
      reason?: string;
      position?: { line: number; column: number };
      resources?: RegisteredResource[];
    };
  };
  try {
    const stderr = await runChild(process.execPath, [
      "--require",
      // The CLI's loader (bin/register-tsx.js), from these sources (engine/) or the compiled ones (dist/engine/).
      [path.join(__dirname, "..", "bin"), path.join(__dirname, "..", "..", "bin")]
        .map((bin) => path.join(bin, "register-tsx.js"))
        .find((file) => fs.existsSync(file)) ?? require.resolve("tsx/cjs"),
      child,
      JSON.stringify(options),
      out,
    ]);
    // What the program printed there, its `pulumi.log.warn`s above all (the SDK prints them with console.warn under
    // mocks), is the reader's as it is from an evaluation in this process: handed on line by line, the same way.
    for (const line of stderr.split("\n")) if (line.trim() !== "") console.warn(line);
    answer = JSON.parse(fs.readFileSync(out, "utf8")) as typeof answer;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
  if (answer.evaluation) return answer.evaluation;
  const e = answer.error ?? { kind: "other", message: "the evaluation process wrote no answer" };
  if (e.kind === "stack-config") throw new StackConfigError(e.file ?? "", e.reason ?? "", e.position);
  if (e.kind === "evaluation") throw new EvaluationError(e.message ?? "", e.resources ?? []);
  throw new Error(e.message);
}

/** Runs the evaluation process; its standard error once it succeeded. */
function runChild(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, cwd: process.cwd() }, (error, _stdout, stderr) => {
      if (error) {
        const last = stderr.trim().split("\n").pop();
        reject(new Error(`the evaluation process failed: ${last || error.message}`));
      } else resolve(stderr);
    });
  });
}

/** The program ran in this process before and its modules, edited or run at load, cannot be loaded again here. */
export class ReloadNeeded extends Error {
  constructor() {
    super("the program's modules cannot be loaded again in this process");
    this.name = "ReloadNeeded";
  }
}

async function resolveExports(
  pulumi: typeof pulumiType,
  exports: Record<string, unknown>,
): Promise<Record<string, unknown>> {
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

function programFailure(
  failures: readonly unknown[],
  resources: readonly RegisteredResource[],
): EvaluationError {
  const messages = [...new Set(failures.map((f) => (f instanceof Error ? f.message : String(f))))];
  return new EvaluationError(
    `the Pulumi program failed:\n${messages.map((m) => `  ${m}`).join("\n")}`,
    resources,
    failures[0],
  );
}

/** How long a failed program's registrations in flight may take to finish before the evaluation reports it. */
const SETTLE_MS = 10_000;

/** Waits for `pending` to settle, at most {@link SETTLE_MS}, whatever it settles to. */
async function settle(pending: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SETTLE_MS);
    timer.unref();
  });
  try {
    await Promise.race([
      pending.then(
        () => undefined,
        () => undefined,
      ),
      bound,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
