import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { FIXTURE_TARGET, runs } from "../fixtures";
import { CALLGRAPH_BIN, REPO_ROOT, tempProject, writeStackFile } from "./temp-project";

// `callgraph invoke <caller> --local` against a serving `callgraph local --break raw`: one process each, as a user runs them.
const STACK = "sources";
const dir = tempProject("sources");
writeStackFile(dir, STACK, {
  ...FIXTURE_TARGET,
  "callgraph:generation": 2,
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": { sink: runs("sink"), other: runs("sink") },
  "callgraph:callers": {
    nightly: { scheduler: { schedule: "0 3 * * *" }, calls: ["sink"] },
    raw: { pubsub: { topic: "orders", noWrapper: true }, calls: ["sink"] },
  },
});

const run = (...args: string[]) =>
  spawnSync(process.execPath, [CALLGRAPH_BIN, ...args, "--dir", dir, "--stack", STACK], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });

let serving: (ChildProcess & { text(): string }) | undefined;
beforeAll(async () => {
  const child = spawn(
    process.execPath,
    [CALLGRAPH_BIN, "local", "--no-watch", "--break", "raw", "--schedules", "--dir", dir, "--stack", STACK],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  child.stdout?.on("data", (d) => (text += String(d)));
  child.stderr?.on("data", (d) => (text += String(d)));
  serving = Object.assign(child, { text: () => text });
  for (let i = 0; i < 600 && !text.includes("Serving until Ctrl-C"); i++) {
    if (child.exitCode !== null) throw new Error(`callgraph local exited: ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);
afterAll(async () => {
  if (serving && serving.exitCode === null) {
    serving.kill("SIGINT");
    await new Promise((r) => serving!.once("exit", r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("at start, the scenario delivers each source's run to its callee, is refused elsewhere, and finds the broken one undelivered", () => {
  const text = serving!.text();
  expect(text).toMatch(/ok {3}nightly \(scheduler\) delivers to sink: expected allowed, got 200/);
  expect(text).toMatch(/ok {3}nightly \(scheduler\) delivering to other is refused: expected 403, got 403/);
  expect(text).toMatch(
    /ok {3}raw \(pubsub, --break\) delivers nothing to sink: expected undelivered, got no answer/,
  );
  expect(text).toContain("All 8 expectations held.");
  // --schedules alone: every Scheduler job runs on its schedule while the stack serves.
  expect(text).toMatch(
    /schedule nightly \(0 3 \* \* \*, Etc\/UTC\): first run at \d{4}-\d\d-\d\dT03:00:00\.000Z/,
  );
});

test("a source's run is delivered as it would be, and the serving stack's request log names it", async () => {
  const answer = run("invoke", "nightly", "--local");
  expect([answer.status, answer.stdout.split("\n")[0]]).toEqual([0, "nightly -> sink: HTTP 200"]);
  expect(JSON.parse(answer.stdout.slice(answer.stdout.indexOf("\n") + 1))).toMatchObject({
    source: { name: "nightly", kind: "scheduler" },
    headers: { "x-cloudscheduler": "true" },
  });
  const logged = /nightly \(scheduler\) -> sink {2}POST {2}allowed {2}200 .*\(probe\)/;
  for (let i = 0; i < 50 && !logged.test(serving!.text()); i++) await new Promise((r) => setTimeout(r, 100));
  expect(serving!.text()).toMatch(logged);
}, 60_000);

test("re-pointed at a function it does not call: 403 and exit 1", () => {
  const answer = run("invoke", "nightly", "--local", "--to", "other");
  expect([answer.status, answer.stdout.split("\n")[0]]).toEqual([1, "nightly -> other: HTTP 403"]);
}, 60_000);

test("--break raw: nothing is delivered, exit 1, and the serving stack says why", async () => {
  const answer = run("invoke", "raw", "--local", "--data", "hello");
  expect(answer.status).toBe(1);
  expect(answer.stdout).toMatch(
    /^raw: not delivered: raw is broken \(--break\): Pub\/Sub's service agent may not mint tokens for it/,
  );
  for (let i = 0; i < 50 && !serving!.text().includes("no token for"); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(serving!.text()).toMatch(/no token for serviceAccount:src-raw@\S+: raw is broken \(--break\)/);
}, 60_000);

test("a hurried user's mistakes: one line, exit 2", () => {
  const deployed = run("invoke", "nightly");
  expect(deployed.status).toBe(2);
  expect(deployed.stderr.trim()).toBe(
    "callgraph: invoke nightly: nightly is a Cloud Scheduler job, emulated by the local stack only (add --local); to make the deployed one call now: gcloud scheduler jobs run nightly --location us-central1",
  );
  const as = run("invoke", "nightly", "--local", "--as", "sink");
  expect(as.status).toBe(2);
  expect(as.stderr.trim().split("\n")).toHaveLength(1);
  expect(as.stderr).toMatch(/nightly is a caller that is not a function: it calls as its own account/);
  const once = run("local", "--once", "--schedules");
  expect([once.status, once.stderr.trim()]).toEqual([
    2,
    "callgraph: local: --schedules fires jobs while the stack serves, and --once exits after the scenario. Drop one of them",
  ]);
  const to = run("invoke", "nightly", "--local", "--to", "nope");
  expect([to.status, to.stderr.trim()]).toEqual([
    2,
    'callgraph: invoke nightly --to nope: the local stack has no function "nope" (functions: other, sink)',
  ]);
}, 60_000);
