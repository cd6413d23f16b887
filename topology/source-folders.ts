import type * as nodeFs from "node:fs";
import * as path from "node:path";

/**
 * Why a declared `source` cannot name a folder of the project, from its text alone: an absolute path, a path whose
 * `..` climbs above the project root, or a control character (which no folder name needs, and which `fs` refuses
 * with an exception: a NUL byte). Undefined when the text stays inside the project.
 *
 * A function's archive is uploaded and run in the cloud: a `source` outside the project would bundle whatever
 * lies there (another checkout, `~/.config`, `/etc`) into it, from a stack file a pull request can change.
 * Both separators count (`..\..` climbs on Windows), and a drive letter or UNC prefix is absolute.
 */
export function sourcePathProblem(source: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(source))
    return "contains a control character: write a folder path relative to the project root";
  if (/^([\\/]|[A-Za-z]:)/.test(source))
    return "is an absolute path: write it relative to the project root (the folder of Pulumi.yaml), e.g. functions/<name>";
  let depth = 0;
  for (const part of source.split(/[\\/]+/)) {
    if (part === "..") depth -= 1;
    else if (part !== "." && part !== "") depth += 1;
    if (depth < 0)
      return "climbs out of the project with `..`: a function's code must live inside the project (the folder of Pulumi.yaml)";
  }
  return undefined;
}

/** The two file-system reads the checks of {@link sourceFolderChecks} make: `node:fs` itself, or a stand-in. */
export type SourceFileSystem = Pick<typeof nodeFs, "realpathSync" | "statSync">;

/** What {@link sourceFolderChecks} gives `parseTopology` (see its `ParseOptions`). */
export interface SourceFolderChecks {
  readonly sourceExists: (folder: string) => boolean;
  readonly sourceOutside: (folder: string) => string | undefined;
}

/**
 * The source-folder checks of `ParseOptions` for a project at `projectRoot`, reading the disk through `fs` (the
 * caller's `node:fs`: the model itself imports no I/O, so it stays testable without a disk). One implementation for
 * every reader of a declaration (the program, the engine's callee types, the user's stack tests), so none of them
 * accepts a folder another refuses:
 * - `sourceExists`: the folder is a directory;
 * - `sourceOutside`: where the folder really is when that is outside the project, every symlink on the way
 *   resolved (the folder itself, or a parent of it, may be a link); undefined when it is inside, or missing. The
 *   root is resolved too, so a project that is itself reached through a link (`/tmp` on macOS) compares alike.
 */
export function sourceFolderChecks(projectRoot: string, fs: SourceFileSystem): SourceFolderChecks {
  const root = path.resolve(projectRoot);
  let realRoot: string | undefined;
  // One declaration names a folder once per function that shares it (a monorepo's one source for many
  // functions): each folder is asked of the disk once per set of checks, which lives for one parse.
  const realPaths = new Map<string, string | undefined>();
  const realPath = (target: string): string | undefined => {
    if (realPaths.has(target)) return realPaths.get(target);
    let real: string | undefined;
    try {
      real = fs.realpathSync(target);
    } catch {
      real = undefined;
    }
    realPaths.set(target, real);
    return real;
  };
  const directories = new Map<string, boolean>();
  return {
    sourceExists: (folder) => {
      const target = path.resolve(root, folder);
      let exists = directories.get(target);
      if (exists === undefined) {
        exists = fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() ?? false;
        directories.set(target, exists);
      }
      return exists;
    },
    sourceOutside: (folder) => {
      const real = realPath(path.resolve(root, folder));
      realRoot ??= realPath(root) ?? root;
      if (real === undefined) return undefined;
      const relative = path.relative(realRoot, real);
      const inside =
        relative === "" ||
        (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
      return inside ? undefined : real;
    },
  };
}
