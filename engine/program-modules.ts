import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The program's own modules, as one process loaded them: the files a program's load added to Node's module cache
 * outside any node_modules (its entry and what it imports from its project; the packages it uses are not its own),
 * each with the file's state when it was loaded. An evaluation after the first asks which of them changed on disk
 * since (an edit while `npm start` serves, a `diff` of two revisions in one folder), and reloads just those and the
 * modules that import them: Node's cache would otherwise hand the program its first text again.
 */
export class ProgramModules {
  /** Own file (real path) -> its state when loaded. */
  private readonly loaded = new Map<string, string>();

  /** Every own file loaded so far, sorted: what a watcher follows. */
  files(): string[] {
    return [...this.loaded.keys()].sort();
  }

  /** The own files whose state on disk is not the one they were loaded with (edited, replaced or removed). */
  changed(): string[] {
    return [...this.loaded].filter(([file, state]) => stateOf(file) !== state).map(([file]) => file);
  }

  /**
   * Drops `files` and every own module that imports one of them, however indirectly, from `cache`, so the next
   * `require` runs them again (the packages' modules stay, with their state: the mocks are set on one of them).
   * False where the cache ignores deletions (a test runner's module registry): the program must then run elsewhere.
   */
  forget(cache: NodeJS.Require["cache"], files: readonly string[]): boolean {
    const dropped = new Set(files);
    // A module's `children` are the modules it required (Node adds a cached one too): a parent of a dropped
    // module holds the old exports, so it goes as well, up to the entry.
    for (let grew = true; grew;) {
      grew = false;
      for (const file of this.loaded.keys()) {
        if (dropped.has(file)) continue;
        const children = cache[file]?.children ?? [];
        if (children.some((child) => dropped.has(child.filename))) {
          dropped.add(file);
          grew = true;
        }
      }
    }
    for (const file of dropped) delete cache[file];
    // A module still cached keeps its record, so every later evaluation still finds this process's copy stale.
    for (const file of dropped) if (!(file in cache)) this.loaded.delete(file);
    return [...dropped].every((file) => !(file in cache));
  }

  /**
   * Records what a load added to `cache` (its keys before the load were `before`): every such module outside
   * node_modules is the program's own.
   */
  record(cache: NodeJS.Require["cache"], before: ReadonlySet<string>): void {
    for (const file of Object.keys(cache))
      if (!before.has(file) && !this.loaded.has(file) && isOwn(file)) this.loaded.set(file, stateOf(file));
  }
}

/** A file of the program's, not of a package: a path on disk, outside every node_modules. */
function isOwn(file: string): boolean {
  return path.isAbsolute(file) && !file.split(path.sep).includes("node_modules");
}

/**
 * What an edit changes: the inode (an editor that saves by renaming a new file over the old one), the size and the
 * modification time (ns resolution where the file system has it).
 */
function stateOf(file: string): string {
  try {
    const stat = fs.statSync(file, { bigint: true });
    return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
  } catch {
    return "missing";
  }
}
