import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "./errors";

/** A git command that failed, with what git said. */
export class GitError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GitError";
  }
}

/**
 * Runs git in `cwd` and returns its output, trimmed. Variables that point git at another repository (set by
 * hooks, or by a caller's own git) are dropped: every command here names its repository by `cwd`.
 */
export function git(cwd: string, args: readonly string[]): string {
  const env = { ...process.env };
  for (const name of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX"])
    delete env[name];
  try {
    return execFileSync("git", args, {
      cwd,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new GitError(`git ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`, { cause: error });
  }
}

/** The top folder of the repository that holds `dir`. */
export function repositoryRoot(dir: string): string {
  try {
    return fs.realpathSync(git(dir, ["rev-parse", "--show-toplevel"]));
  } catch (error) {
    throw new UsageError(
      `diff: ${dir} is not inside a git repository. Run callgraph diff in a git checkout`,
      {
        cause: error,
      },
    );
  }
}

/** The commit `ref` names; a user error naming the ref when it names none. */
export function resolveCommit(repo: string, ref: string): string {
  try {
    // `--end-of-options`: a ref that starts with "-" is a ref, never an option.
    return git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  } catch (error) {
    throw new UsageError(
      `unknown revision "${ref}": no branch, tag or commit of that name in ${repo}. ` +
        "Fetch it first (in CI, check out with full history, e.g. actions/checkout with fetch-depth: 0)",
      { cause: error },
    );
  }
}

/** Which of `files` (relative to the repository root, `/`-separated) exist at `commit`: one git call for all. */
export function filesAt(repo: string, commit: string, files: readonly string[]): Set<string> {
  const listed = git(repo, ["ls-tree", "--name-only", "--full-tree", commit, "--", ...files]);
  return new Set(listed.split("\n").filter(Boolean));
}

/** A checkout of one commit in a folder of its own, to be removed when done. */
export interface Worktree {
  readonly dir: string;
  remove(): void;
}

/**
 * Checks `commit` out, detached, in a new folder under the OS temp dir (`git worktree add`: no clone, no
 * fetch, the object store is shared). `remove` deletes the folder and git's record of it, and may be called
 * more than once.
 */
export function addWorktree(repo: string, commit: string): Worktree {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-diff-"));
  const dir = path.join(parent, commit.slice(0, 12));
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      git(repo, ["worktree", "remove", "--force", "--force", dir]);
    } catch {
      // Never fully added, or half removed: delete the folder, then let git forget a worktree that is gone.
      fs.rmSync(parent, { recursive: true, force: true });
      try {
        git(repo, ["worktree", "prune"]);
      } catch {
        // Nothing to prune is no error worth reporting over the one being handled.
      }
    }
    fs.rmSync(parent, { recursive: true, force: true });
  };
  try {
    git(repo, ["worktree", "add", "--detach", "--quiet", dir, commit]);
  } catch (error) {
    remove();
    throw error;
  }
  return { dir: fs.realpathSync(dir), remove };
}
