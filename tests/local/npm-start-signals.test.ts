import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { BASE_CONFIG } from "../fixtures";
import { codeFolder, REPO_ROOT, tempProject, writeFunction, writeStackFile } from "./temp-project";

// `npm start` is npm running a shell running tsx running the CLI, which starts a process per function and esbuild's
// service. A signal sent to npm alone (`kill <pid>`, a process manager, a CI step's timeout) used to stop npm and
// the shell only: tsx and everything below it kept serving, orphaned. Each case starts the real command on a
// project of fixture functions (DESIGN.md invariant 12), in its own process group so a failing case can still clean
// up, signals npm's pid only, and checks the whole process tree and every port.
let project: string;
let code: { dir: string; source: (folder: string) => string };
beforeAll(() => {
  project = tempProject("signals");
  for (const stack of ["term", "int"]) writeStackFile(project, stack, BASE_CONFIG);
  // "early" must still be starting when it is signalled, however slow the machine: one more function, whose module
  // never returns as it loads, holds the stack short of serving. Its process cannot act on the CLI going away (it never
  // gets back to its event loop), so the CLI must kill it.
  code = codeFolder("signals");
  const slow = writeFunction(code.dir, "loading", { version: "v1" });
  const index = path.join(slow, "index.ts");
  fs.writeFileSync(
    index,
    `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n${fs.readFileSync(index, "utf8")}`,
  );
  writeStackFile(project, "early", {
    ...BASE_CONFIG,
    "callgraph:functions": { ...BASE_CONFIG["callgraph:functions"], loading: { source: code.source(slow) } },
  });
});
afterAll(() => {
  fs.rmSync(project, { recursive: true, force: true });
  fs.rmSync(code.dir, { recursive: true, force: true });
});

/** `npm start -- ARGS`, as a user types it, from the repository (package.json's `start`). */
function npmStart(stack: string): { child: ChildProcess; output: () => string } {
  const child = spawn("npm", ["start", "--", "--quiet", "--dir", project, "--stack", stack], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (d) => (text += String(d)));
  child.stderr?.on("data", (d) => (text += String(d)));
  return { child, output: () => text };
}

/** Every process below `ancestor` (ps, which Linux and macOS both have), with its command line. */
function descendants(ancestor: number): { pid: number; args: string }[] {
  const rows = spawnSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .stdout.split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, pid, ppid, args]) => ({ pid: Number(pid), ppid: Number(ppid), args }));
  const below = new Set([ancestor]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows)
      if (below.has(row.ppid) && !below.has(row.pid)) (below.add(row.pid), (grew = true));
  }
  return rows.filter((r) => r.pid !== ancestor && below.has(r.pid)).map(({ pid, args }) => ({ pid, args }));
}

/** The TCP ports `pid` listens on (lsof, which Linux and macOS both have). */
function listeningPorts(pid: number): number[] {
  return spawnSync("lsof", ["-nP", "-a", "-p", String(pid), "-iTCP", "-sTCP:LISTEN", "-Fn"], {
    encoding: "utf8",
  })
    .stdout.split("\n")
    .filter((line) => line.startsWith("n"))
    .map((line) => Number(/:(\d+)$/.exec(line)?.[1]))
    .filter((port) => Number.isInteger(port) && port > 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

async function until(holds: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !holds() && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 50));
  return holds();
}

/** Kills what a failed case left: its whole process group. */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Every port the serving stack's description names: front ends, function processes' are checked apart. */
function describedPorts(stack: string): number[] {
  const state = JSON.parse(
    fs.readFileSync(path.join(project, ".callgraph", "local", `${stack}.json`), "utf8"),
  ) as {
    functions: Record<string, { url: string }>;
    identities: Record<string, { metadataHost: string }>;
    jwks: string;
  };
  return [
    ...Object.values(state.functions).map((f) => Number(new URL(f.url).port)),
    ...Object.values(state.identities).map((i) => Number(i.metadataHost.split(":")[1])),
    Number(new URL(state.jwks).port),
  ];
}

test.each([
  ["SIGTERM", "term"],
  ["SIGINT", "int"],
] as const)(
  "%s to npm start ends every process it started and closes every port",
  async (signal, stack) => {
    const { child, output } = npmStart(stack);
    try {
      expect(await until(() => output().includes("Serving until Ctrl-C"), 90_000)).toBe(true);
      const tree = descendants(child.pid!);
      const hosts = tree.filter((p) => p.args.includes("function-host.cjs"));
      expect(hosts).toHaveLength(Object.keys(BASE_CONFIG["callgraph:functions"]).length);
      // A function process binds a port the system picks and reports it to the CLI: found from the process itself.
      const hostPorts = hosts.flatMap((h) => listeningPorts(h.pid));
      expect(hostPorts).toHaveLength(hosts.length);
      const ports = [...describedPorts(stack), ...hostPorts];
      for (const port of ports) expect(await refused(port)).toBe(false);

      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      process.kill(child.pid!, signal);
      expect(await exited).toBe(0);
      expect(await until(() => !tree.some((p) => alive(p.pid)), 10_000)).toBe(true);
      expect(tree.filter((p) => alive(p.pid))).toEqual([]);
      for (const port of ports) expect(await refused(port)).toBe(true);
      // A clean stop: the lock and the description are gone with it.
      expect(
        fs.readdirSync(path.join(project, ".callgraph", "local")).filter((f) => f.startsWith(`${stack}.`)),
      ).toEqual([]);
    } finally {
      killGroup(child);
    }
  },
  120_000,
);

test("SIGTERM to npm start while it is still starting ends every process it started", async () => {
  const { child, output } = npmStart("early");
  try {
    // Signalled once "loading" runs (and blocks): the scenario and the table are not there yet.
    let tree: { pid: number; args: string }[] = [];
    const started = await until(() => {
      tree = descendants(child.pid!);
      return tree.some((p) => p.args.includes("function-host.cjs") && p.args.includes("--target=loading"));
    }, 90_000);
    expect(started).toBe(true);
    expect(output()).not.toContain("Serving until Ctrl-C");
    tree = descendants(child.pid!);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    process.kill(child.pid!, "SIGTERM");
    // 128 + 15, as a shell reports a process ended by SIGTERM.
    expect(await exited).toBe(143);
    expect(await until(() => !tree.some((p) => alive(p.pid)), 10_000)).toBe(true);
    expect(fs.existsSync(path.join(project, ".callgraph", "local", "early.lock"))).toBe(false);
  } finally {
    killGroup(child);
  }
}, 120_000);
