import * as fs from "node:fs";
import * as path from "node:path";
import {
  callFunction,
  fetchIdTokenFrom,
  planScenario,
  PROBE_HEADER,
  runScenario,
  startLocalStack,
  type LocalStack,
  type RequestRecord,
} from "../../local";
import { codeFolder, tempProject, writeFunction, writeStackFile } from "./temp-project";

// The development loop of `npm start`, on a temporary project whose functions the test edits: `front` calls
// `back`, both its own folder.
const DEVELOPER = "group:developers@example.com";
const STACK = "devloop";

describe("a function's source changes while the local stack serves", () => {
  const dir = tempProject("devloop");
  // The functions' code lives in the project (a source outside it is refused), the stack file in the temporary one.
  const code = codeFolder("devloop");
  const front = writeFunction(code.dir, "front", { version: "v1", calls: "back" });
  const back = writeFunction(code.dir, "back", { version: "v1" });
  writeStackFile(dir, STACK, {
    "gcp:project": "callgraph-dev",
    "gcp:region": "us-central1",
    "callgraph:functions": {
      front: { calls: ["back"], invokers: [DEVELOPER], source: code.source(front) },
      back: { invokers: [DEVELOPER], source: code.source(back) },
    },
  });
  const logs: string[] = [];
  const requests: RequestRecord[] = [];
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      programDir: dir,
      stack: STACK,
      watch: { debounceMs: 100 },
      log: (line) => logs.push(line),
      onRequest: (record) => requests.push(record),
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(code.dir, { recursive: true, force: true });
  });

  const get = async (fn: string, headers: Record<string, string> = {}, as = DEVELOPER) => {
    const token = await fetchIdTokenFrom(stack.identities[as].metadataHost, stack.functions[fn].url);
    return callFunction(stack.functions[fn].url, { method: "GET", headers }, token);
  };
  /** Waits until `holds` (the loop works in the background), at most 20 s. */
  const until = async (holds: () => boolean) => {
    for (let i = 0; i < 200 && !holds(); i++) await new Promise((r) => setTimeout(r, 100));
    await stack.devLoop!.idle();
  };

  test("an edit to back's folder rebuilds back and restarts it alone; front keeps its process", async () => {
    const before = { front: stack.functions.front.process.pid, back: stack.functions.back.process.pid };
    expect((await get("front")).body).toEqual({
      function: "front",
      version: "v1",
      callee: { function: "back", version: "v1" },
    });

    writeFunction(code.dir, "back", { version: "v2" });
    await until(() => stack.functions.back.reloads === 1);

    expect([stack.functions.back.reloads, stack.functions.front.reloads]).toEqual([1, 0]);
    expect(stack.functions.back.process.pid).not.toBe(before.back);
    expect(stack.functions.front.process.pid).toBe(before.front);
    expect((await get("front")).body).toMatchObject({ callee: { version: "v2" } });
    expect(logs).toContainEqual(
      expect.stringMatching(/^\[watch\] .*fns\/back\/index\.ts changed: rebuilding back$/),
    );
    expect(logs).toContainEqual(
      expect.stringMatching(/^\[watch\] back restarted with its rebuilt bundle \(pid \d+, \d+ ms\)$/),
    );
  }, 30_000);

  test("a build error is logged with file and line, and the previous bundle keeps serving", async () => {
    const file = path.join(back, "index.ts");
    const good = fs.readFileSync(file, "utf8");
    const reloads = stack.functions.back.reloads;
    fs.writeFileSync(file, good.replace("sendJson(res, 200, body);", "sendJson(res, 200, body;"));
    await until(() => logs.some((l) => l.includes("build failed")));

    const failure = logs.find((l) => l.includes("build failed"))!;
    expect(failure).toMatch(/^\[watch\] build failed, back keep serving the previous bundle: /);
    expect(failure).toMatch(/fns\/back\/index\.ts:\d+:\d+: Expected "\)" but found ";"/);
    expect(stack.functions.back.reloads).toBe(reloads);
    expect((await get("back")).body).toEqual({ function: "back", version: "v2" });

    fs.writeFileSync(file, good.replace('"v2"', '"v3"'));
    await until(() => stack.functions.back.reloads === reloads + 1);
    expect((await get("back")).body).toEqual({ function: "back", version: "v3" });
  }, 30_000);

  test("an edit that leaves the bundle as it was restarts nothing", async () => {
    const file = path.join(front, "index.ts");
    const pid = stack.functions.front.process.pid;
    fs.appendFileSync(file, "// a comment: minified away\n");
    await until(() => logs.some((l) => l === "[watch] front: bundle unchanged, not restarted"));
    expect(stack.functions.front.process.pid).toBe(pid);
  }, 30_000);

  test("the request log names the caller, the decision and the status; edge coverage counts real calls only", async () => {
    const calls = () => stack.coverage.report().find((e) => e.from === "front" && e.to === "back")!.calls;
    const counted = calls();
    requests.length = 0;
    // back called as front's identity by a tool (a probe), not by front's code: no coverage.
    await get("back", { [PROBE_HEADER]: "test" }, `serviceAccount:${stack.functions.front.serviceAccount}`);
    expect(calls()).toBe(counted);
    await get("front");
    expect(calls()).toBe(counted + 1);
    const anonymous = await callFunction(stack.functions.back.url, { method: "GET" });
    expect(anonymous.status).toBe(401);

    const seen = requests.map((r) => [r.caller, r.function, r.decision, r.status, r.probe]);
    expect(seen).toEqual([
      ["front", "back", "allowed", 200, true],
      // front's code calls back before front answers: the inner request is logged first.
      ["front", "back", "allowed", 200, false],
      [DEVELOPER, "front", "allowed", 200, false],
      [undefined, "back", "401", 401, false],
    ]);
    expect(requests[3].why).toBe("no bearer token");
    expect(requests[1].edge).toEqual({ calls: counted + 1, exercised: 1, total: 1 });
  }, 30_000);

  test("the scenario sends a function's sample.json and expects its status; without one, a plain GET", async () => {
    const sampleFile = path.join(back, "sample.json");
    fs.writeFileSync(sampleFile, JSON.stringify({ path: "?from=sample", expectedStatus: 201 }));
    const checks = planScenario(stack).filter((c) => c.expect === "allowed" && c.as === DEVELOPER);
    expect(checks.map((c) => [c.function, c.request])).toEqual([
      ["back", { method: "GET", path: "?from=sample" }],
      ["front", { method: "GET" }],
    ]);
    const [back201, front] = await runScenario(stack, checks);
    // back answers 200, not the 201 its sample expects: a failed expectation naming the sample.
    expect([back201.ok, back201.status, back201.detail]).toEqual([
      false,
      200,
      expect.stringMatching(/^back\/sample\.json expects 201; got \{"function":"back"/),
    ]);
    expect([front.ok, front.status]).toEqual([true, 200]);
    fs.rmSync(sampleFile);
  }, 30_000);

  test("stop closes the watchers and removes the run's folder", async () => {
    const runDir = stack.runDir;
    expect(fs.existsSync(runDir)).toBe(true);
    await stack.stop();
    expect(fs.existsSync(runDir)).toBe(false);
  }, 30_000);
});
