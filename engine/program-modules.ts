import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A file modified after the evaluation that read it began is not trusted to be what was read, and is loaded again by
 * the next one, once. The margin is a clock tick: file systems stamp modification times from the kernel's coarse
 * clock (Linux `current_time`, one jiffy, at most 10 ms), which can lag the wall clock read here.
 */
const SETTLE_NS = 10_000_000n;

/** What a module cache entry offers here: Node's `Module`, as far as this file reads it. */
type CachedModule = { readonly children?: readonly { readonly filename?: string }[] } | undefined;

/**
 * The program's own modules, as one process loaded them: the project's files (inside the program's folder or its
 * entry's, outside every node_modules) that the program's entry reaches through Node's module graph, whoever required
 * them (the program, or a package loading a project file), each with the file's state when it was read. An
 * evaluation after the first asks which of them changed on disk since (an edit while `npm start` serves, a `diff` of
 * two revisions in one folder), and loads again just those and the modules that import them: Node's cache would
 * otherwise hand the program its first text again.
 */
export class ProgramModules {
  /** Own file (real path) -> its state when read, or `unsettled`. */
  private readonly loaded = new Map<string, string>();
  private readonly roots: readonly string[];

  /** @param roots the project's folders (real paths): the program's folder and its entry's. */
  constructor(roots: readonly string[]) {
    this.roots = [...new Set(roots)];
  }

  /** Every own file loaded so far, sorted: what a watcher follows. */
  files(): string[] {
    return [...this.loaded.keys()].sort();
  }

  /** The own files whose state on disk is not the one they were read in (edited, replaced, removed, unsettled). */
  changed(): string[] {
    return this.files().filter((file) => stateOf(file) !== this.loaded.get(file));
  }

  /**
   * Drops `files` and every own module that imports one of them, however indirectly, from `cache`, so the next
   * `require` runs them again (packages stay, with their state: the mocks are set on one of them). False, dropping
   * nothing, where that cannot give the program its new text: a package imports one of them (it would keep the old
   * exports), or the cache ignores deletions (a test runner's module registry). The program must then run in a
   * fresh process, and the records stay, so every later evaluation knows this process's copy is stale.
   */
  forget(cache: NodeJS.Require["cache"], entry: string, files: readonly string[]): boolean {
    const dropped = new Set(files);
    // The program's module graph: a module outside it (a tool of the process that imported a project file too) keeps
    // what it has, and the program does not see it.
    const reached = reachable(cache, entry);
    // A module's `children` are the modules it required (Node adds one it found cached too): an importer of a dropped
    // module holds the old exports, so it goes as well, up to the entry.
    for (let grew = true; grew;) {
      grew = false;
      for (const file of reached) {
        const children = (cache[file] as CachedModule)?.children ?? [];
        if (dropped.has(file) || !children.some((c) => dropped.has(c.filename ?? ""))) continue;
        if (!this.loaded.has(file)) return false; // a package's module: it cannot be loaded again here
        dropped.add(file);
        grew = true;
      }
    }
    for (const file of dropped) delete cache[file];
    if ([...dropped].some((file) => file in cache)) return false;
    for (const file of dropped) this.loaded.delete(file);
    return true;
  }

  /**
   * Records the own modules `entry` (its cache key) reaches in `cache` that are not recorded yet; `since` is when the
   * evaluation that read them began ({@link wallClockNs}). Run once the program has loaded and run, so the modules it
   * required while running are among them.
   */
  record(cache: NodeJS.Require["cache"], entry: string, since: bigint): void {
    for (const file of reachable(cache, entry))
      if (this.isOwn(file) && !this.loaded.has(file)) this.loaded.set(file, stateOf(file, since));
  }

  /** A file of the project's, not of a package: under one of its folders, outside every node_modules. */
  private isOwn(file: string): boolean {
    return (
      path.isAbsolute(file) &&
      !file.split(path.sep).includes("node_modules") &&
      this.roots.some((root) => file.startsWith(root + path.sep))
    );
  }
}

/** Every module `entry` reaches in `cache` through the modules each one required, `entry` included. */
function reachable(cache: NodeJS.Require["cache"], entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const child of (cache[file] as CachedModule)?.children ?? [])
      if (typeof child.filename === "string") stack.push(child.filename);
  }
  return seen;
}

/** Now, as a file system stamps times: ns since the epoch. */
export function wallClockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * What an edit changes: the inode (an editor that saves by renaming a new file over the old one), the size and the
 * modification time (ns resolution where the file system has it). With `since` (when the load that read the file
 * began), `unsettled` for a file modified too close to it, or after, to know which text was read.
 */
function stateOf(file: string, since?: bigint): string {
  try {
    const stat = fs.statSync(file, { bigint: true });
    if (since !== undefined && stat.mtimeNs >= since - SETTLE_NS) return "unsettled";
    return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
  } catch {
    return "missing";
  }
}
