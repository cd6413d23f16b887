import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  acquireServingLock,
  createRunFolder,
  lockHolder,
  processStart,
  readLock,
  servingPaths,
  StackAlreadyServing,
} from "../../local";

/** The pid of a process that has exited: what a crashed stack leaves in its lock. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  return pid!;
}

const folder = () => fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-lock-"));

describe("the serving lock of a stack", () => {
  test("a second serving stack of the same name is refused, naming the first one's pid and lock", () => {
    const dir = folder();
    const first = acquireServingLock(dir, "dev");
    expect(lockHolder(first.lockFile)).toBe(process.pid);
    let refusal: unknown;
    try {
      acquireServingLock(dir, "dev", process.pid + 1);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StackAlreadyServing);
    expect((refusal as Error).message).toBe(
      `stack dev is already served by process ${process.pid} (${first.lockFile}): one local stack per stack name and checkout`,
    );
    first.release();
  });

  test("stacks of other names serve side by side", () => {
    const dir = folder();
    const dev = acquireServingLock(dir, "dev");
    const prod = acquireServingLock(dir, "prod");
    expect([dev.lockFile, prod.lockFile].map((f) => path.basename(f))).toEqual(["dev.lock", "prod.lock"]);
    dev.release();
    prod.release();
  });

  test("a crashed stack's lock (its process is gone) does not block: it is replaced, with its description", () => {
    const dir = folder();
    const { lock, manifest } = servingPaths(dir, "dev");
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, `${deadPid()}\n`);
    fs.writeFileSync(manifest, "{}");
    const taken = acquireServingLock(dir, "dev");
    expect(lockHolder(lock)).toBe(process.pid);
    expect(fs.existsSync(manifest)).toBe(false);
    taken.release();
  });

  test("the lock records the pid, the process's start time and a token of its own", () => {
    const dir = folder();
    const held = acquireServingLock(dir, "dev");
    const record = readLock(held.lockFile)!;
    expect(record).toEqual({
      pid: process.pid,
      started: processStart(process.pid),
      token: expect.any(String),
    });
    expect(record.started).toEqual(expect.any(String));
    held.release();
  });

  describe("a stale lock whose pid now belongs to another program", () => {
    // A program that is no local stack, running under the pid a crashed stack's lock names.
    let other: ChildProcess;
    beforeAll(async () => {
      other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      await new Promise((resolve) => other.once("spawn", resolve));
    });
    afterAll(() => {
      other.kill("SIGKILL");
    });

    test("a stale lock whose pid now belongs to another program does not block npm start", () => {
      const dir = folder();
      const { lock, manifest } = servingPaths(dir, "dev");
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      // Written by a stack that started at another time under the same pid.
      const started = processStart(other.pid!);
      expect(started).toBeDefined();
      fs.writeFileSync(lock, JSON.stringify({ pid: other.pid, started: `${started}-before`, token: "t" }));
      fs.writeFileSync(manifest, "{}");
      const taken = acquireServingLock(dir, "dev");
      expect(readLock(lock)?.pid).toBe(process.pid);
      expect(fs.existsSync(manifest)).toBe(false);
      taken.release();
    });

    test("a lock whose process still runs, started when the lock says, is obeyed", () => {
      const dir = folder();
      const { lock } = servingPaths(dir, "dev");
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      const record = { pid: other.pid, started: processStart(other.pid!), token: "t" };
      fs.writeFileSync(lock, JSON.stringify(record));
      expect(() => acquireServingLock(dir, "dev")).toThrow(StackAlreadyServing);
      expect(readLock(lock)).toEqual(record);
    });

    test("a lock of an older callgraph (a bare pid) is obeyed while that pid runs, as before", () => {
      const dir = folder();
      const { lock } = servingPaths(dir, "dev");
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      fs.writeFileSync(lock, `${other.pid}\n`);
      expect(() => acquireServingLock(dir, "dev")).toThrow(StackAlreadyServing);
      expect(lockHolder(lock)).toBe(other.pid);
    });

    test("where there is no /proc, the start time comes from ps and still tells the processes apart", () => {
      const noProc = folder();
      const mine = processStart(process.pid, noProc);
      if (mine === undefined) return; // neither /proc nor ps (Windows): the pid alone decides, tested above
      expect(mine).toMatch(/^ps:/);
      expect(processStart(process.pid, noProc)).toBe(mine);
      expect(processStart(deadPid(), noProc)).toBeUndefined();
    });
  });

  test("release removes the lock and the description, but never another process's", () => {
    const dir = folder();
    const held = acquireServingLock(dir, "dev");
    fs.writeFileSync(held.manifestFile, "{}");
    held.release();
    expect([fs.existsSync(held.lockFile), fs.existsSync(held.manifestFile)]).toEqual([false, false]);

    const mine = acquireServingLock(dir, "dev");
    fs.writeFileSync(mine.lockFile, "1\n"); // taken over by another process meanwhile
    fs.writeFileSync(mine.manifestFile, "{}");
    mine.release();
    expect([fs.existsSync(mine.lockFile), fs.existsSync(mine.manifestFile)]).toEqual([true, true]);
  });
});

describe("run folders", () => {
  test("each run gets its own folder under .callgraph/runs, removed when it stops", () => {
    const dir = folder();
    const a = createRunFolder(dir, "dev");
    const b = createRunFolder(dir, "dev");
    expect(a.dir).not.toBe(b.dir);
    expect(path.dirname(a.dir)).toBe(path.join(dir, ".callgraph", "runs"));
    expect(path.basename(a.dir)).toMatch(new RegExp(`^dev-${process.pid}-`));
    a.remove();
    expect([fs.existsSync(a.dir), fs.existsSync(b.dir)]).toEqual([false, true]);
    b.remove();
  });

  test("a folder left by a run whose process is gone is removed; a living run's is kept", () => {
    const dir = folder();
    const living = createRunFolder(dir, "my-stack");
    const abandoned = path.join(dir, ".callgraph", "runs", `my-stack-${deadPid()}-x1y2z3`);
    fs.mkdirSync(abandoned);
    const next = createRunFolder(dir, "my-stack");
    expect([fs.existsSync(abandoned), fs.existsSync(living.dir)]).toEqual([false, true]);
    living.remove();
    next.remove();
  });
});
