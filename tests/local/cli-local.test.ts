import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { BASE_CONFIG, BASE_TOPOLOGY } from "../fixtures";
import { sendRaw } from "./raw-http";
import { CALLGRAPH_BIN, tempProject, writeStackFile } from "./temp-project";

const root = path.resolve(__dirname, "../..");

// A project of fixture functions (alpha and gamma call beta; developers may invoke alpha and gamma), never the
// user's declaration (DESIGN.md invariant 12), run the way `npm start` runs the CLI. alpha's developers are a
// principal not set yet, as in the example stack: locally it is a demo identity.
let project: string;
beforeAll(() => {
  project = tempProject("cli-local");
  writeStackFile(project, "dev", {
    ...BASE_CONFIG,
    "callgraph:principals": { developers: [] },
    "callgraph:functions": { ...BASE_TOPOLOGY, alpha: { ...BASE_TOPOLOGY.alpha, invokers: ["developers"] } },
  });
});
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

// What `npm start` runs (`exec node bin/callgraph.js local`), with no other process between the test and the CLI: tsx's
// own CLI relays a signal and, if its child does not acknowledge it within 30 ms (a busy machine), kills the child
// with SIGKILL and exits 130 itself, which made the Ctrl-C test below fail under load for a reason of tsx's.
function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [CALLGRAPH_BIN, "local", "--quiet", "--dir", project, ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function output(child: ChildProcess): { text: () => string } {
  let text = "";
  child.stdout?.on("data", (d) => (text += String(d)));
  child.stderr?.on("data", (d) => (text += String(d)));
  return { text: () => text };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

/** Function processes under `ancestor` (the CLI starts a host process per function). */
function functionProcesses(ancestor: number): number[] {
  const rows = spawnSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .stdout.split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((row) => row.length > 2)
    .map(([pid, ppid, ...args]) => ({ pid: Number(pid), ppid: Number(ppid), args }));
  const below = new Set([ancestor]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows)
      if (below.has(row.ppid) && !below.has(row.pid)) (below.add(row.pid), (grew = true));
  }
  return rows
    .filter((r) => below.has(r.pid) && r.args.some((a) => a.startsWith("--target=")))
    .map((r) => r.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// `npm start` is `callgraph local`: run as a newcomer would, in its own process.
test("--once runs the scenario and exits 0 when every expectation held", async () => {
  const child = run(["--once"]);
  const out = output(child);
  expect(await exited(child)).toBe(0);
  expect(out.text()).toMatch(/All \d+ expectations held\./);
  expect(out.text()).toContain("alpha's identity calling gamma is refused: expected 403, got 403");
}, 60_000);

test("serves until Ctrl-C, then stops every function process and frees every port", async () => {
  const child = run([]);
  const out = output(child);
  // Start-up took 20-32 s on a loaded 2-core machine (about 5 s unloaded): wait by the clock, well past that.
  for (const end = Date.now() + 90_000; !out.text().includes("Serving until Ctrl-C") && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 100));
  expect(out.text()).toContain("Serving until Ctrl-C");
  const state = JSON.parse(
    fs.readFileSync(path.join(project, ".callgraph", "local", "dev.json"), "utf8"),
  ) as {
    functions: Record<string, { url: string }>;
    identities: Record<string, { metadataHost: string }>;
  };
  const ports = Object.values(state.functions).map((f) => Number(new URL(f.url).port));
  const pids = functionProcesses(child.pid!);
  expect(pids).toHaveLength(Object.keys(state.functions).length);

  // One unparsable request used to be an unhandled rejection that ended `npm start` and every process with it.
  for (const { metadataHost } of Object.values(state.identities))
    expect(
      await sendRaw(
        Number(metadataHost.split(":")[1]),
        "GET http://[ HTTP/1.1\r\nHost: x\r\nMetadata-Flavor: Google\r\n\r\n",
      ),
    ).toBe(400);
  expect(child.exitCode).toBeNull();

  // `callgraph invoke --local` answers "can X call Y?" against the running stack.
  const invoke = (...args: string[]) =>
    spawnSync(process.execPath, [CALLGRAPH_BIN, "invoke", ...args, "--local", "--dir", project], {
      cwd: root,
      encoding: "utf8",
    });
  const refusedCall = invoke("gamma", "--as", "alpha", "--path", "?note=hi");
  expect([refusedCall.status, refusedCall.stdout.split("\n")[0]]).toEqual([1, "HTTP 403"]);
  const allowed = invoke("alpha", "--as", "developers");
  expect([allowed.status, allowed.stdout.split("\n")[0]]).toEqual([0, "HTTP 200"]);
  // alpha answered after asking beta with its own identity.
  expect(allowed.stdout).toContain("beta");
  // The principal's demo identity is a member like any other, and it is alpha's alone.
  const demo = invoke("gamma", "--as", "group:developers@demo.callgraph.invalid", "--path", "?note=hi");
  expect([demo.status, demo.stdout.split("\n")[0]]).toEqual([1, "HTTP 403"]);
  const member = invoke("gamma", "--as", "group:developers@example.com", "--path", "?note=hi");
  expect([member.status, member.stdout.split("\n")[0]]).toEqual([0, "HTTP 200"]);
  const unknown = invoke("alpha", "--as", "developer");
  expect([unknown.status, unknown.stderr.trim().split("\n")]).toEqual([
    2,
    [
      expect.stringContaining(
        "--as developer: not a function of this stack, a principal of it, nor an IAM member",
      ),
    ],
  ]);

  child.kill("SIGINT");
  expect(await exited(child)).toBe(0);
  for (const port of ports) expect(await refused(port)).toBe(true);
  expect(pids.filter(alive)).toEqual([]);
}, 180_000);
