import * as fs from "node:fs";
import * as path from "node:path";
import type { Evaluation } from "../engine";
import { bundleInputs } from "./bundle-inputs";
import type { LocalStack } from "./stack";

/** How the development loop rebuilds. */
export interface DevLoopOptions {
  /** Evaluates the program again: the one way bundles are built, so the rebuilt one is what `pulumi up` uploads. */
  readonly evaluate: () => Promise<Evaluation>;
  /** Quiet time after the last change before rebuilding; an editor's save is often several writes. */
  readonly debounceMs?: number;
  /** Receives one line per step: what changed, what was restarted, what failed to build and where. */
  readonly log: (line: string) => void;
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
 * Watches the project files each function's bundle was built from (esbuild's inputs, see bundle-inputs.ts) and,
 * after a change, evaluates the program again and restarts exactly the functions whose archive changed: an edit
 * to one function's folder restarts that function, an edit to code they share restarts each that bundles it, an
 * edit that leaves the minified bundle as it was restarts nothing. A build that fails (esbuild's error, with
 * file:line:column, or any other error of the program) is logged and the running processes keep serving.
 *
 * Folders are watched, not files: editors often save by writing a new file and renaming it over the old one,
 * which ends a watch on the old file's inode. `fs.watch` on a folder is inotify on Linux and needs no
 * `recursive` (https://nodejs.org/api/fs.html#caveats: recursive watching on Linux came in Node 19.1 and is
 * emulated); watchers do not keep the process alive (`persistent: false`) and are closed on stop.
 */
export function startDevLoop(stack: LocalStack, options: DevLoopOptions): DevLoop {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const watchers = new Map<string, fs.FSWatcher>();
  let users = new Map<string, Set<string>>(); // input file -> functions whose bundle reads it
  const pending = { functions: new Set<string>(), files: new Set<string>() };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const rewatch = () => {
    users = new Map();
    for (const fn of Object.values(stack.functions))
      for (const file of bundleInputs(fn.archivePath)) {
        const set = users.get(file) ?? new Set<string>();
        set.add(fn.name);
        users.set(file, set);
      }
    const folders = new Set([...users.keys()].map((f) => path.dirname(f)));
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
      : [...users.keys()].filter((f) => path.dirname(f) === folder);
    let hit = false;
    for (const file of files)
      for (const fn of users.get(file) ?? []) {
        pending.functions.add(fn);
        pending.files.add(file);
        hit = true;
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
      if (pending.functions.size > 0 && !closed) flush();
    });
  };

  const rebuild = async () => {
    const names = [...pending.functions].sort();
    const files = [...pending.files].sort().map((f) => path.relative(process.cwd(), f) || f);
    pending.functions.clear();
    pending.files.clear();
    options.log(`[watch] ${files.join(", ")} changed: rebuilding ${names.join(", ")}`);
    let evaluation: Evaluation;
    try {
      evaluation = await options.evaluate();
    } catch (error) {
      const [first, ...rest] = (error instanceof Error ? error.message : String(error)).split("\n");
      options.log(
        [
          `[watch] build failed, ${names.join(", ")} keep serving the previous bundle: ${first}`,
          ...rest,
        ].join("\n"),
      );
      return;
    }
    for (const fn of evaluation.graph.functions) {
      const current = stack.functions[fn.name];
      if (!current || !fn.archivePath || fn.archivePath === current.archivePath) {
        if (current && names.includes(fn.name))
          options.log(`[watch] ${fn.name}: bundle unchanged, not restarted`);
        continue;
      }
      const started = Date.now();
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
    if (!closed) rewatch();
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
