import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { buildFunctionArchive } from "../../components";
import { FRONT_END_HEADER, FunctionProcess, LOCAL_FRONT_END_KEY_ENV } from "../../local";
import { REPO_ROOT } from "../fixtures";

// A function's process binds the port (0: one the system picks) and says which over its IPC channel: the local stack
// never reserves a port by probing it, so no other listener can stand where the function should be.

const KEY = "the-front-end-key";
let work: string;
let archivePath: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-port-"));
  archivePath = buildFunctionArchive({
    projectRoot: REPO_ROOT,
    source: "tests/local/fixtures/env-echo",
    outDir: path.join(work, "build"),
  }).path;
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function processOn(port: number | undefined, dir: string): { fn: FunctionProcess; logs: string[] } {
  const logs: string[] = [];
  const fn = new FunctionProcess({
    name: "env-echo",
    archivePath,
    entryPoint: "envEcho",
    env: { [LOCAL_FRONT_END_KEY_ENV]: KEY, NODE_ENV: "production" },
    ...(port === undefined ? {} : { port }),
    workDir: path.join(work, dir),
    restartDelayMs: 50,
    log: (line) => logs.push(line),
  });
  return { fn, logs };
}

async function get(port: number, key?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: key ? { [FRONT_END_HEADER]: key } : {} });
  return { status: res.status, body: await res.json() };
}

test("with no port given, it serves on the one it reported, and its code cannot read the front end's key", async () => {
  const { fn } = processOn(undefined, "reported");
  expect(fn.port).toBe(0);
  await fn.start();
  try {
    expect(fn.port).toBeGreaterThan(0);
    // The host itself answers there: without the key, its refusal; with it, the function, which sees no key.
    expect(await get(fn.port)).toEqual({
      status: 403,
      body: { error: expect.stringContaining("serves only requests through its front end") },
    });
    expect(await get(fn.port, KEY)).toEqual({ status: 200, body: { frontEndKey: null } });
  } finally {
    await fn.stop();
  }
});

test("a port another listener holds is never taken for the function's: the start fails", async () => {
  const squatter = http.createServer((_req, res) => res.end("not the function"));
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  const { fn, logs } = processOn((squatter.address() as AddressInfo).port, "squatted");
  try {
    await expect(fn.start()).rejects.toThrow(/env-echo exited while starting/);
    expect(logs.join("\n")).toMatch(/EADDRINUSE/);
  } finally {
    await fn.stop();
    await new Promise((resolve) => squatter.close(resolve));
  }
});

test("restarted after a crash, it serves again on the port its new process reported", async () => {
  const { fn } = processOn(undefined, "restarted");
  await fn.start();
  try {
    const first = fn.pid;
    fn.crash();
    for (let i = 0; i < 200 && (fn.restartCount === 0 || fn.pid === undefined || fn.pid === first); i++)
      await new Promise((r) => setTimeout(r, 25));
    let answer = { status: 0, body: undefined as unknown };
    for (let i = 0; i < 200 && answer.status !== 200; i++) {
      answer = await get(fn.port, KEY).catch(() => answer);
      if (answer.status !== 200) await new Promise((r) => setTimeout(r, 25));
    }
    expect(fn.restartCount).toBe(1);
    expect(answer).toEqual({ status: 200, body: { frontEndKey: null } });
  } finally {
    await fn.stop();
  }
});
