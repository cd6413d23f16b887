import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Where a serving local stack keeps what belongs to it alone, per stack name, so that stacks of different names
 * may serve side by side while a second one of the same name is refused:
 * `.callgraph/local/<stack>.lock` (the pid of the process that serves it) and `.callgraph/local/<stack>.json`
 * (its description, read by `callgraph invoke --local`). `--once` runs and tests write neither.
 */
export function servingPaths(programDir: string, stack: string): { lock: string; manifest: string } {
  const folder = path.join(path.resolve(programDir), ".callgraph", "local");
  return { lock: path.join(folder, `${stack}.lock`), manifest: path.join(folder, `${stack}.json`) };
}

/** Another process serves this stack already. */
export class StackAlreadyServing extends Error {
  constructor(
    readonly stackName: string,
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(
      `stack ${stackName} is already served by process ${pid} (${lockFile}): one local stack per stack name and checkout`,
    );
    this.name = "StackAlreadyServing";
  }
}

/** The lock of a serving stack, held until {@link ServingLock.release}. */
export interface ServingLock {
  readonly lockFile: string;
  readonly manifestFile: string;
  /** Removes the lock and the description, if they are still this process's (never another stack's). */
  release(): void;
}

/**
 * Takes the serving lock of `stack`: creates the lock file holding this process's pid, atomically (`wx` fails
 * when the file exists, so of two stacks starting at once only one gets it). A lock whose process is gone (the
 * stack crashed, or was killed with SIGKILL) is stale: it is replaced, never obeyed.
 *
 * @throws StackAlreadyServing when a living process holds the lock.
 */
export function acquireServingLock(programDir: string, stack: string, pid = process.pid): ServingLock {
  const { lock, manifest } = servingPaths(programDir, stack);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  // A stale lock is removed and creation retried; a living holder, or losing the retry to another starting stack,
  // is a refusal.
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, `${pid}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = lockHolder(lock);
      if (holder !== undefined && (isAlive(holder) || attempt > 0))
        throw new StackAlreadyServing(stack, holder, lock);
      if (attempt > 2) throw new Error(`${lock} keeps reappearing without a pid in it: remove it by hand`);
      fs.rmSync(lock, { force: true });
      // The stale stack's description points at ports nobody serves any more.
      fs.rmSync(manifest, { force: true });
    }
  }
  return {
    lockFile: lock,
    manifestFile: manifest,
    release: () => {
      if (lockHolder(lock) !== pid) return;
      fs.rmSync(manifest, { force: true });
      fs.rmSync(lock, { force: true });
    },
  };
}

/** The pid written in a lock file, or undefined when there is none or it is not a pid. */
export function lockHolder(lockFile: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether a process with this pid exists. Signal 0 checks without sending anything
 * (https://nodejs.org/api/process.html#processkillpid-signal); EPERM means it exists under another user.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
