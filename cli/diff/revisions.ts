import * as fs from "node:fs";
import * as path from "node:path";
import { eachWarningOnce, effectiveGraph, evaluate, EvaluationError, type Evaluation } from "../../engine";
import { UsageError } from "../errors";
import { addWorktree, filesAt, repositoryRoot, resolveCommit, type Worktree } from "../git";

export interface RevisionsOptions {
  /** The program's folder in the current checkout (holds Pulumi.yaml). */
  readonly programDir: string;
  readonly stack: string;
  /** The revision to compare against, e.g. `origin/main`. */
  readonly base: string;
  /** The revision to compare; the working tree (uncommitted changes included) when absent. */
  readonly head?: string;
  /** Evaluate as a preview (computed outputs unknown). */
  readonly preview?: boolean;
}

/** One side of the comparison: what it was called, its commit (none for the working tree), the evaluation. */
export interface EvaluatedRevision {
  readonly ref: string;
  readonly commit?: string;
  readonly evaluation: Evaluation;
  /**
   * What the revision lacks, when it has no program or no such stack (the change that adopts callgraph, or adds or
   * removes a stack): its graph is then empty, so everything the other side deploys is a change.
   */
  readonly absent?: string;
}

/**
 * Evaluates the program at two revisions with the in-process engine. A committed revision is checked out in a
 * temporary git worktree whose `node_modules` is a link to the current checkout's: nothing is installed, and
 * the program resolves @pulumi/pulumi to the same files as the engine, as it must. Worktrees are removed
 * afterwards, on failure and on Ctrl-C too. Either side failing fails the whole: a diff is never computed from
 * half the data.
 */
export async function evaluateRevisions(
  options: RevisionsOptions,
): Promise<{ base: EvaluatedRevision; head: EvaluatedRevision }> {
  const programDir = fs.realpathSync(options.programDir);
  const repo = repositoryRoot(programDir);
  const programPath = path.relative(repo, programDir);
  const nodeModules = findNodeModules(programDir, repo);
  const baseCommit = resolveCommit(repo, options.base);
  const headCommit = options.head === undefined ? undefined : resolveCommit(repo, options.head);

  const worktrees: Worktree[] = [];
  const cleanUp = () => worktrees.forEach((w) => w.remove());
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  /**
   * What `commit` lacks, if it has no Pulumi project there or no such stack: such a side deploys nothing of the
   * stack. Only those two decide it: a project whose program file is missing or elsewhere (Pulumi.yaml's `main`,
   * package.json's) is evaluated like any other, and fails if it cannot run, never compared as empty.
   */
  const absentAt = (commit: string): string | undefined => {
    const inRepo = (file: string) => [programPath, file].filter(Boolean).join("/");
    const stackFile = inRepo(`Pulumi.${options.stack}.yaml`);
    const project = inRepo("Pulumi.yaml");
    const present = filesAt(repo, commit, [project, stackFile]);
    if (!present.has(project))
      return `no Pulumi program in ${programPath || "the repository root"} (${project} is missing)`;
    if (!present.has(stackFile)) return `no ${stackFile} (stack ${options.stack} does not exist there)`;
    return undefined;
  };

  const checkout = (ref: string, commit: string): string => {
    const worktree = addWorktree(repo, commit);
    const link = path.join(worktree.dir, nodeModules.relative);
    const linked = !fs.existsSync(link);
    const program = path.join(worktree.dir, programPath);
    // The checkout's caches, shared (SHARED_CACHES): a function unchanged between the revisions is neither bundled
    // nor analysed again, and one that changed is.
    const shared = SHARED_CACHES.map((cache) => path.join(program, cache)).filter((at) => !fs.existsSync(at));
    // Unlinked first: removing the worktree must never reach into the checkout's installed packages or caches.
    worktrees.push({
      dir: worktree.dir,
      remove: () => {
        if (linked) fs.rmSync(link, { force: true });
        for (const at of shared) fs.rmSync(at, { force: true });
        worktree.remove();
      },
    });
    if (linked) fs.symlinkSync(nodeModules.absolute, link, "dir");
    for (const at of shared) {
      const checkout = path.join(programDir, path.relative(program, at));
      fs.mkdirSync(checkout, { recursive: true });
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.symlinkSync(checkout, at, "dir");
    }
    return program;
  };

  /**
   * A checkout's message with its files named as in the repository (`Pulumi.dev.yaml:4:1`), not under the temporary
   * worktree, which is removed by the time the message is read; the revision is named beside it.
   */
  const inRepository = (message: string, checkoutProgram: string): string => {
    const root = programPath ? checkoutProgram.slice(0, -programPath.length - 1) : checkoutProgram;
    const roots = [...new Set([root, fs.existsSync(root) ? fs.realpathSync(root) : root])];
    return roots.reduce((text, at) => text.split(`${at}${path.sep}`).join(""), message);
  };

  const run = async (
    side: Side,
    ref: string,
    commit: string | undefined,
    dir: string,
  ): Promise<EvaluatedRevision> => {
    try {
      return {
        ref,
        commit,
        evaluation: await evaluate({ programDir: dir, stack: options.stack, preview: options.preview }),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new EvaluationError(
        `${describe(side, ref, commit)}: ${dir === programDir ? message : inRepository(message, dir)}`,
        error instanceof EvaluationError ? error.resources : [],
        error,
      );
    }
  };

  try {
    const baseAbsent = absentAt(baseCommit);
    const headAbsent = headCommit === undefined ? undefined : absentAt(headCommit);
    if (baseAbsent && headAbsent)
      // Neither side deploys the stack: nothing to compare.
      throw new UsageError(
        `${describe("base", options.base, baseCommit)} has ${baseAbsent}, and ${describe("head", options.head!, headCommit)} has ${headAbsent}. Pass a --stack that one of them has`,
      );
    // The two revisions mostly warn alike (a principal left unset, a call site the checker cannot name): once each.
    return await eachWarningOnce(async () => {
      const evaluated = (side: Side, ref: string, commit: string) =>
        run(side, ref, commit, checkout(ref, commit));
      const head =
        options.head === undefined || headCommit === undefined
          ? await run("head", "working tree", undefined, programDir)
          : headAbsent
            ? undefined
            : await evaluated("head", options.head, headCommit);
      const base = baseAbsent ? undefined : await evaluated("base", options.base, baseCommit);
      // A side without the stack deploys nothing of it: an empty graph, shaped as the other side's.
      if (!base) return { base: absentRevision(options.base, baseCommit, baseAbsent!, head!), head: head! };
      if (!head) return { base, head: absentRevision(options.head!, headCommit!, headAbsent!, base) };
      return { base, head };
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    cleanUp();
  }
}

type Side = "base" | "head";

/** A revision without the stack: what it lacks, and an evaluation that registers nothing, for `other`'s stack. */
function absentRevision(
  ref: string,
  commit: string,
  absent: string,
  other: EvaluatedRevision,
): EvaluatedRevision {
  const { project, stack, preview, config } = other.evaluation;
  const region = String(config["gcp:region"] ?? "");
  return {
    ref,
    commit,
    absent,
    evaluation: {
      project,
      stack,
      preview,
      resources: [],
      outputs: {},
      graph: effectiveGraph([], { project: String(config["gcp:project"] ?? ""), region }),
      config: {},
      programFiles: [],
    },
  };
}

/**
 * The caches below the program's folder that every checkout of it can share, because each entry is checked against
 * the content of every file it was computed from before it is used: the call-site answers (callsites/extract.ts's
 * default folder; callsites/cache.ts) and the archives with their manifests (components/function-archive.ts).
 */
const SHARED_CACHES = [path.join(".callgraph", "callsites"), path.join(".callgraph", "build")];

/** `base revision "main" (abc1234)`, or `head: the working tree`: how errors name a side. */
function describe(side: Side, ref: string, commit: string | undefined): string {
  return commit ? `${side} revision "${ref}" (${commit.slice(0, 7)})` : `${side}: the working tree`;
}

/** The `node_modules` the current checkout resolves packages from: in the program's folder or above it in the repository. */
function findNodeModules(programDir: string, repo: string): { absolute: string; relative: string } {
  for (let dir = programDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules");
    if (fs.existsSync(candidate))
      return { absolute: fs.realpathSync(candidate), relative: path.relative(repo, candidate) };
    if (dir === repo || path.dirname(dir) === dir) break;
  }
  throw new UsageError(
    `diff: no node_modules in ${programDir} or above it in the repository. Install dependencies first (npm ci)`,
  );
}
