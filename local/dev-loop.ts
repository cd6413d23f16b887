import * as fs from "node:fs";
import * as path from "node:path";
import type { Evaluation, GraphFunction } from "../engine";
import { readStackConfig, stackFileOf, StackConfigError } from "../engine/stack-config";
import { checkStackDeclaration } from "../topology";
import { sourceRoots } from "../engine/program-entry";
import { bundleInputs } from "./bundle-inputs";
import type { LocalStack } from "./stack";
import { withStackFileLines } from "../engine/stack-file-lines";

/**
 * The folders to watch for the code of each function the stack file declares: its source folder, or the nearest
 * existing folder above it, against each root the program may resolve sources from (the project's folder, or the
 * real folder of its index.ts when that is a link). Only inside the root, as the program allows sources. None
 * when the file cannot be read or declares nothing in `callgraph:functions` (a declaration in code: an edit to the
 * program evaluates again anyway).
 */
function awaitedSourceFolders(programDir: string, stackName: string): Set<string> {
  const folders = new Set<string>();
  let stackConfig: ReturnType<typeof readStackConfig>;
  try {
    stackConfig = readStackConfig(programDir, stackName);
  } catch {
    return folders;
  }
  // The declaration's one reading: every function whose own declaration is well formed, with its source resolved
  // (its default folder included) whatever else is wrong.
  const { functions } = checkStackDeclaration(stackConfig.config).topology;
  for (const root of sourceRoots(programDir))
    for (const { source } of functions) {
      let folder = path.resolve(root, source);
      if (!folder.startsWith(`${root}${path.sep}`)) continue;
      while (!fs.existsSync(folder) && folder !== root) folder = path.dirname(folder);
      folders.add(folder);
    }
  return folders;
}

/** How the development loop rebuilds. */
export interface DevLoopOptions {
  /** Evaluates the program again: the one way bundles are built, so the rebuilt one is what `pulumi up` uploads. */
  readonly evaluate: () => Promise<Evaluation>;
  /** Quiet time after the last change before rebuilding; an editor's save is often several writes. */
  readonly debounceMs?: number;
  /** Receives one line per step: what changed, what was restarted, what failed to build and where. */
  readonly log: (line: string) => void;
  /**
   * Runs the local stack again on an evaluation whose declaration changed beyond bundles (a function added or
   * removed, its grants, its environment, its settings: what the stack file says) and resolves to the new stack,
   * which the loop watches from then on; rejects, with the previous stack still serving, if the new one does not
   * start. Without it such a change is logged with what it needs: a restart.
   */
  readonly restart?: (evaluation: Evaluation) => Promise<LocalStack>;
}

/** A running development loop. */
export interface DevLoop {
  /** Resolves once no change is waiting and no rebuild runs (tests). */
  idle(): Promise<void>;
  /** Stops watching; waits for a rebuild under way. */
  close(): Promise<void>;
}

const DEFAULT_DEBOUNCE_MS = 200;

/**
 * Watches the project files each function's bundle was built from (esbuild's inputs, see bundle-inputs.ts) and the
 * declaration (`Pulumi.yaml`, `Pulumi.<stack>.yaml`, and the program's own modules, `Evaluation.programFiles`, for a
 * declaration in code) and, after a change, evaluates the program again:
 * - when only bundles changed, it restarts exactly the functions whose archive changed: an edit to one function's
 *   folder restarts that function, an edit to code they share restarts each that bundles it, an edit that leaves the
 *   minified bundle as it was restarts nothing;
 * - when the declaration changed what the stack runs (functions, grants, environments, settings), it runs the whole
 *   stack again on the new evaluation (`restart`): a grant or a URL is shared by every front end and process.
 * A build that fails (esbuild's error, with file:line:column, or any other error of the program) and a stack file
 * that does not evaluate (its YAML error, or each refused key, at its file:line:column) are logged, and the running
 * processes keep serving.
 *
 * Folders are watched, not files: editors often save by writing a new file and renaming it over the old one,
 * which ends a watch on the old file's inode. `fs.watch` on a folder is inotify on Linux and needs no
 * `recursive` (https://nodejs.org/api/fs.html#caveats: recursive watching on Linux came in Node 19.1 and is
 * emulated); watchers do not keep the process alive (`persistent: false`) and are closed on stop.
 */
export function startDevLoop(initial: LocalStack, options: DevLoopOptions): DevLoop {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  let stack = initial;
  const watchers = new Map<string, fs.FSWatcher>();
  let users = new Map<string, Set<string>>(); // input file -> functions whose bundle reads it
  // The files the declaration is read from: the project's and the stack's (engine/stack-config.ts), and the
  // program's own modules, where a declaration in code lives (its CallGraph's `declaration`).
  let declarationFiles = new Set<string>();
  // The program's own files as the latest evaluation that succeeded found them: a module the program now imports is
  // followed from then on, whether or not the declaration changed.
  let programFiles = stack.evaluation.programFiles;
  // After a build that failed, the folders where a declared function's code is still to come: the nearest existing
  // folder on the way to each declared source folder. A change there (the folder created, its index.ts written)
  // evaluates again, so a function declared before its code is picked up when the code appears.
  let awaited = new Set<string>();
  const pending = { functions: new Set<string>(), files: new Set<string>(), declaration: false };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const rewatch = () => {
    declarationFiles = new Set([
      path.join(stack.programDir, "Pulumi.yaml"),
      stackFileOf(stack.programDir, stack.evaluation.stack),
      ...programFiles,
    ]);
    users = new Map();
    for (const fn of Object.values(stack.functions))
      for (const file of bundleInputs(fn.archivePath)) {
        const set = users.get(file) ?? new Set<string>();
        set.add(fn.name);
        users.set(file, set);
      }
    const folders = new Set([
      ...[...users.keys(), ...declarationFiles].map((f) => path.dirname(f)),
      ...awaited,
    ]);
    for (const [folder, watcher] of watchers)
      if (!folders.has(folder)) {
        watcher.close();
        watchers.delete(folder);
      }
    for (const folder of folders) if (!watchers.has(folder)) watch(folder);
  };

  const watch = (folder: string) => {
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(folder, { persistent: false }, (_event, name) => changed(folder, name));
    } catch (error) {
      options.log(`[watch] cannot watch ${folder} (${(error as Error).message}); edits there need a restart`);
      return;
    }
    watcher.on("error", (error) => {
      options.log(`[watch] stopped watching ${folder} (${error.message}); edits there need a restart`);
      watcher.close();
      watchers.delete(folder);
    });
    watchers.set(folder, watcher);
  };

  const changed = (folder: string, name: string | Buffer | null) => {
    if (closed) return;
    const files = name
      ? [path.join(folder, String(name))]
      : [...users.keys(), ...declarationFiles].filter((f) => path.dirname(f) === folder);
    let hit = false;
    if (awaited.has(folder)) {
      pending.declaration = true;
      pending.files.add(name ? path.join(folder, String(name)) : folder);
      hit = true;
    }
    for (const file of files) {
      if (declarationFiles.has(file)) {
        pending.declaration = true;
        pending.files.add(file);
        hit = true;
      }
      for (const fn of users.get(file) ?? []) {
        pending.functions.add(fn);
        pending.files.add(file);
        hit = true;
      }
    }
    if (!hit) return;
    clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  const flush = () => {
    timer = undefined;
    if (running || closed) return; // the rebuild under way runs again when it ends
    running = rebuild().finally(() => {
      running = undefined;
      if ((pending.functions.size > 0 || pending.declaration) && !closed) flush();
    });
  };

  const rebuild = async () => {
    const names = [...pending.functions].sort();
    const files = [...pending.files].sort().map((f) => path.relative(process.cwd(), f) || f);
    const declaration = pending.declaration;
    pending.functions.clear();
    pending.files.clear();
    pending.declaration = false;
    options.log(
      `[watch] ${files.join(", ")} changed: ${declaration ? "evaluating the program again" : `rebuilding ${names.join(", ")}`}`,
    );
    let evaluation: Evaluation;
    try {
      evaluation = await options.evaluate();
    } catch (error) {
      const [first, ...rest] = located(error).split("\n");
      const keeps = declaration
        ? "the stack keeps serving as it was"
        : `${names.join(", ")} keep serving the previous bundle`;
      options.log([`[watch] build failed, ${keeps}: ${first}`, ...rest].join("\n"));
      awaited = awaitedSourceFolders(stack.programDir, stack.evaluation.stack);
      if (!closed) rewatch();
      return;
    }
    awaited = new Set();
    programFiles = evaluation.programFiles;
    const changes = declarationChanges(stack.evaluation, evaluation);
    if (changes.length > 0) return void (await restartOn(evaluation, changes));
    let reloaded = 0;
    for (const fn of evaluation.graph.functions) {
      const current = stack.functions[fn.name];
      if (!current || !fn.archivePath || fn.archivePath === current.archivePath) {
        if (current && names.includes(fn.name))
          options.log(`[watch] ${fn.name}: bundle unchanged, not restarted`);
        continue;
      }
      const started = Date.now();
      reloaded += 1;
      try {
        await stack.reload(fn.name, fn.archivePath);
        options.log(
          `[watch] ${fn.name} restarted with its rebuilt bundle (pid ${current.process.pid}, ${Date.now() - started} ms)`,
        );
      } catch (error) {
        options.log(
          `[watch] ${fn.name}: the rebuilt bundle did not start (${(error as Error).message}); the previous one keeps serving`,
        );
      }
    }
    if (declaration && names.length === 0 && reloaded === 0)
      options.log("[watch] the declaration runs as before: nothing restarted");
    if (!closed) rewatch();
  };

  /** The whole stack again on `evaluation`, or a line saying why not. */
  const restartOn = async (evaluation: Evaluation, changes: readonly string[]) => {
    if (!options.restart) {
      options.log(
        `[watch] the declaration changed (${changes.join("; ")}): restart the local stack to run it; it keeps serving as it was`,
      );
      if (!closed) rewatch();
      return;
    }
    options.log(`[watch] the declaration changed (${changes.join("; ")}): restarting the local stack`);
    const started = Date.now();
    try {
      stack = await options.restart(evaluation);
      programFiles = stack.evaluation.programFiles;
      options.log(`[watch] the local stack restarted on the new declaration (${Date.now() - started} ms)`);
    } catch (error) {
      const [first, ...rest] = located(error).split("\n");
      options.log(
        [
          `[watch] the new declaration did not start, the stack keeps serving as it was: ${first}`,
          ...rest,
        ].join("\n"),
      );
    }
    if (!closed) rewatch();
  };

  /** An evaluation's error, each refused key of the stack file led by its file:line:column. */
  const located = (error: unknown): string => {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof StackConfigError) return message; // its own file:line:column already
    let project: string;
    try {
      project = readStackConfig(stack.programDir, stack.evaluation.stack).project;
    } catch {
      return message;
    }
    return withStackFileLines(message, stackFileOf(stack.programDir, stack.evaluation.stack), project);
  };

  rewatch();
  return {
    idle: async () => {
      while (timer || running) await (running ?? new Promise((r) => setTimeout(r, debounceMs)));
    },
    close: async () => {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      await running;
    },
  };
}

/**
 * What changed between two evaluations beyond bundles, one entry per function (`alpha: environment, invokers`,
 * `beta added`): anything a function's process or front end was started with. Archives are left out (a rebuilt
 * bundle alone restarts only its function), and so are settings the local stack does not run (instances, labels).
 */
export function declarationChanges(before: Evaluation, after: Evaluation): string[] {
  const old = new Map(before.graph.functions.map((f) => [f.name, f]));
  const now = new Map(after.graph.functions.map((f) => [f.name, f]));
  const changes: string[] = [];
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const a = old.get(name);
    const b = now.get(name);
    if (!a || !b) {
      changes.push(`${name} ${a ? "removed" : "added"}`);
      continue;
    }
    const aspects = RUN_ASPECTS.filter(([, of]) => !sameJson(of(a), of(b))).map(([aspect]) => aspect);
    if (!sameJson(invokersOf(before, name), invokersOf(after, name))) aspects.push("invokers");
    if (aspects.length > 0) changes.push(`${name}: ${aspects.join(", ")}`);
  }
  return changes;
}

/** What a function's process and front end are started with (local/stack.ts), by the word a change log uses. */
const RUN_ASPECTS: ReadonlyArray<readonly [string, (f: GraphFunction) => unknown]> = [
  ["environment", (f) => f.environment],
  ["secrets", (f) => f.settings?.secrets],
  ["entry point", (f) => f.entryPoint],
  ["timeout", (f) => f.timeoutSeconds],
  ["generation", (f) => f.generation],
  ["service account", (f) => f.serviceAccount],
  ["URL", (f) => f.url],
];

function invokersOf(evaluation: Evaluation, fn: string): string[] {
  return [
    ...new Set(
      evaluation.graph.grants.filter((g) => g.target === fn || g.target === "*").map((g) => g.member),
    ),
  ].sort();
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortedKeys(a)) === JSON.stringify(sortedKeys(b));
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => [k, sortedKeys(v)]),
    );
  return value;
}
