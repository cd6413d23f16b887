import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Where a serving local stack keeps what belongs to it alone, per stack name, so that stacks of different names
 * may serve side by side while a second one of the same name is refused:
 * `.callgraph/local/<stack>.lock` (the pid and start time of the process that serves it) and `.callgraph/local/<stack>.json`
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
 * What a lock file records: the pid, and what tells that process from a later one given the same pid (pids are
 * reused: after a crash or a reboot, the lock's pid may belong to a shell, an editor, anything).
 */
export interface LockRecord {
  readonly pid: number;
  /** When the process started, as {@link processStart} reads it; absent in a lock of an older callgraph. */
  readonly started?: string;
  /** Random, one per lock taken: `release` removes only the lock it took, whatever pid wrote another. */
  readonly token?: string;
}

/**
 * Takes the serving lock of `stack`: creates the lock file atomically (`wx` fails when the file exists, so of two
 * stacks starting at once only one gets it), recording the pid, the start time of that process and a random token.
 * A lock is stale, and replaced rather than obeyed, when its process is gone (the stack crashed, or was killed with
 * SIGKILL) or when its pid now belongs to a process that started at another time (the pid was reused).
 *
 * @throws StackAlreadyServing when the process that took the lock still runs.
 */
export function acquireServingLock(programDir: string, stack: string, pid = process.pid): ServingLock {
  const { lock, manifest } = servingPaths(programDir, stack);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const record: LockRecord = { pid, started: processStart(pid), token: randomBytes(16).toString("hex") };
  // A stale lock is removed and creation retried; a living holder, or losing the retry to another starting stack,
  // is a refusal.
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, `${JSON.stringify(record)}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readLock(lock);
      if (holder !== undefined && (holds(holder) || attempt > 0))
        throw new StackAlreadyServing(stack, holder.pid, lock);
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
      if (readLock(lock)?.token !== record.token) return;
      fs.rmSync(manifest, { force: true });
      fs.rmSync(lock, { force: true });
    },
  };
}

/**
 * Whether the process that took a lock still runs: its pid is alive and, when both are known, started when the
 * lock says. Unknown start times (a lock of an older callgraph, a system where neither /proc nor ps answers) leave
 * the pid alone to decide, as before: a lock is obeyed rather than broken on a guess.
 */
function holds(lock: LockRecord): boolean {
  if (!isAlive(lock.pid)) return false;
  if (lock.started === undefined) return true;
  const now = processStart(lock.pid);
  return now === undefined || now === lock.started;
}

/** What a lock file records (JSON, or the bare pid an older callgraph wrote), or undefined when it names no pid. */
export function readLock(lockFile: string): LockRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, "utf8").trim();
  } catch {
    return undefined;
  }
  const legacy = Number(text);
  if (/^\d+$/.test(text)) return isPid(legacy) ? { pid: legacy } : undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { pid, started, token } = (parsed ?? {}) as Record<string, unknown>;
  if (!isPid(pid)) return undefined;
  return {
    pid,
    ...(typeof started === "string" ? { started } : {}),
    ...(typeof token === "string" ? { token } : {}),
  };
}

/** The pid written in a lock file, or undefined when there is none or it is not a pid. */
export function lockHolder(lockFile: string): number | undefined {
  return readLock(lockFile)?.pid;
}

function isPid(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/**
 * When process `pid` started, as a string that differs for a later process given the same pid; undefined when it
 * is not running or the system does not say.
 * - Linux: field 22 of `/proc/<pid>/stat` (`starttime`, clock ticks since boot: proc(5)), with the boot's id
 *   (`/proc/sys/kernel/random/boot_id`), since the tick count starts again at every boot. The command name (field
 *   2) may hold spaces and parentheses, so fields are counted after its closing parenthesis.
 * - Where there is no /proc (macOS, the BSDs): `ps -o lstart= -p <pid>`, the start time to the second (a pid reused
 *   within the same second as the lock was taken is not told apart, which a crash-then-restart cannot produce).
 * - Neither (Windows): undefined, and a living pid is obeyed as it was before start times were recorded.
 *
 * @param proc where procfs is mounted; a folder without one (tests) takes the `ps` path.
 */
export function processStart(pid: number, proc = "/proc"): string | undefined {
  const stat = readText(path.join(proc, String(pid), "stat"));
  if (stat !== undefined) {
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the name: field 3 (state) is fields[0], so field 22 (starttime) is fields[19].
    const ticks = fields[19];
    if (!ticks || !/^\d+$/.test(ticks)) return undefined;
    const boot = readText(path.join(proc, "sys", "kernel", "random", "boot_id"))?.trim() ?? "";
    return `linux:${boot}:${ticks}`;
  }
  // procfs is there but knows no such process: it is not running.
  if (readText(path.join(proc, "self", "stat")) !== undefined) return undefined;
  try {
    const started = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
    return started ? `ps:${started}` : undefined;
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
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
