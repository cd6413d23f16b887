import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, type Evaluation } from "../../engine";
import { callFunction, fetchIdTokenFrom, startLocalStack, type LocalStack } from "../../local";
import { declarationChanges, startDevLoop, type DevLoop } from "../../local/dev-loop";
import { withStackFileLines } from "../../engine/stack-file-lines";
import { codeFolder, tempProject, writeFunction, writeStackFile } from "./temp-project";

// `npm start` runs the stack again when its stack file changes (as cli/commands/local.ts wires the loop): a broken
// stack file is logged at its file:line while the running stack serves on; a valid change restarts the stack.
const DEVELOPER = "group:developers@example.com";
const ALICE = "user:alice@example.com";
const STACK = "stackfile";

describe("the stack file changes while the local stack serves", () => {
  const dir = tempProject("stackfile");
  const code = codeFolder("stackfile");
  const front = writeFunction(code.dir, "front", { version: "v1", calls: "back" });
  const back = writeFunction(code.dir, "back", { version: "v1" });
  const stackFile = path.join(dir, `Pulumi.${STACK}.yaml`);
  const declare = (backInvokers: string[], frontCalls = ["back"]) =>
    writeStackFile(dir, STACK, {
      "gcp:project": "callgraph-dev",
      "gcp:region": "us-central1",
      "callgraph:functions": {
        front: { calls: frontCalls, invokers: [DEVELOPER], source: code.source(front) },
        back: { invokers: backInvokers, source: code.source(back) },
      },
    });
  declare([DEVELOPER]);

  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const start = () => startLocalStack({ programDir: dir, stack: STACK, extraIdentities: [ALICE], log });
  let stack: LocalStack;
  let loop: DevLoop;
  let restarts = 0;

  beforeAll(async () => {
    stack = await start();
    loop = startDevLoop(stack, {
      evaluate: () => evaluate({ programDir: dir, stack: STACK, preview: false }),
      debounceMs: 100,
      log,
      restart: async () => {
        const next = await start();
        const previous = stack;
        stack = next;
        restarts += 1;
        await previous.stop();
        return next;
      },
    });
  }, 60_000);
  afterAll(async () => {
    await loop?.close();
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(code.dir, { recursive: true, force: true });
  });

  const get = async (fn: string, as = DEVELOPER) => {
    const token = await fetchIdTokenFrom(stack.identities[as].metadataHost, stack.functions[fn].url);
    return callFunction(stack.functions[fn].url, { method: "GET" }, token);
  };
  /** Waits for a log line matching `pattern` (the loop works in the background), at most 30 s. */
  const logged = async (pattern: RegExp): Promise<string> => {
    for (let i = 0; i < 300 && !logs.some((l) => pattern.test(l)); i++)
      await new Promise((r) => setTimeout(r, 100));
    await loop.idle();
    const line = logs.find((l) => pattern.test(l));
    if (!line) throw new Error(`no log line matches ${pattern}:\n${logs.join("\n")}`);
    return line;
  };
  const lineOf = (text: string) =>
    fs
      .readFileSync(stackFile, "utf8")
      .split("\n")
      .findIndex((l) => l.includes(text)) + 1;

  test("a YAML error is logged at its file:line:column, and the stack keeps serving as it was", async () => {
    const good = fs.readFileSync(stackFile, "utf8");
    logs.length = 0;
    fs.writeFileSync(stackFile, good.replace('"calls": [', '"calls": [[')); // an unclosed flow sequence
    const failure = await logged(/build failed/);
    expect(failure).toMatch(
      new RegExp(
        `^\\[watch\\] build failed, the stack keeps serving as it was: .*Pulumi\\.${STACK}\\.yaml:\\d+:\\d+: `,
      ),
    );
    expect(logs[0]).toMatch(
      new RegExp(`^\\[watch\\] .*Pulumi\\.${STACK}\\.yaml changed: evaluating the program again$`),
    );
    expect(restarts).toBe(0);
    expect((await get("front")).status).toBe(200);
    fs.writeFileSync(stackFile, good);
    await logged(/the declaration runs as before: nothing restarted/);
  }, 60_000);

  test("a refused declaration names the stack file's line of each problem; the stack keeps serving", async () => {
    logs.length = 0;
    declare([DEVELOPER], ["nobody"]);
    const failure = await logged(/build failed/);
    const row = lineOf('"nobody"');
    expect(failure).toMatch(/^\[watch\] build failed, the stack keeps serving as it was: /);
    expect(failure).toMatch(
      new RegExp(`\\n\\s*\\S*Pulumi\\.${STACK}\\.yaml:${row}:\\d+: functions\\.front\\.calls\\[0\\]: `),
    );
    expect(restarts).toBe(0);
    expect((await get("front")).body).toMatchObject({ callee: { function: "back" } });
    declare([DEVELOPER]);
    await logged(/the declaration runs as before/);
  }, 60_000);

  test("a new invoker restarts the stack on the new declaration, and the new grant holds", async () => {
    const before = stack;
    expect((await get("back", ALICE)).status).toBe(403);
    logs.length = 0;
    declare([DEVELOPER, ALICE]);
    await logged(/the local stack restarted on the new declaration/);
    expect(logs).toContainEqual(
      "[watch] the declaration changed (back: environment, invokers): restarting the local stack",
    );
    expect(restarts).toBe(1);
    expect(stack).not.toBe(before);
    expect(stack.functions.back.invokers).toContain(ALICE);
    expect((await get("back", ALICE)).status).toBe(200);
    // The previous stack's processes are gone.
    expect(before.functions.back.process.pid).toBeUndefined();
  }, 90_000);

  test("a function declared before its folder exists starts once its code is written there", async () => {
    logs.length = 0;
    const later = path.join(code.dir, "fns", "later");
    writeStackFile(dir, STACK, {
      "gcp:project": "callgraph-dev",
      "gcp:region": "us-central1",
      "callgraph:functions": {
        front: { calls: ["back"], invokers: [DEVELOPER], source: code.source(front) },
        back: { invokers: [DEVELOPER, ALICE], source: code.source(back) },
        later: { invokers: [DEVELOPER], source: code.source(later) },
      },
    });
    expect(await logged(/build failed/)).toMatch(/functions\.later\.source: source folder .* does not exist/);
    logs.length = 0;
    // The folder first (one event), its code after it (another): the stack starts with the function.
    fs.mkdirSync(later, { recursive: true });
    writeFunction(code.dir, "later", { version: "v1" });
    await logged(/the local stack restarted on the new declaration/);
    expect(Object.keys(stack.functions).sort()).toEqual(["back", "front", "later"]);
    expect((await get("later")).body).toMatchObject({ function: "later", version: "v1" });
  }, 90_000);

  test("an edit to Pulumi.yaml evaluates again too", async () => {
    logs.length = 0;
    fs.appendFileSync(path.join(dir, "Pulumi.yaml"), "# a comment\n");
    await logged(/Pulumi\.yaml changed: evaluating the program again/);
    await logged(/the declaration runs as before/);
  }, 60_000);
});

describe("declarationChanges: what a stack file change asks of the local stack", () => {
  const fn = (name: string, environment: Record<string, string> = {}) => ({
    name,
    environment,
    entryPoint: name,
    timeoutSeconds: 60,
    generation: 1,
    serviceAccount: `${name}@p.iam.gserviceaccount.com`,
    url: `https://x/${name}`,
    archivePath: `/a/${name}-${Math.random()}.zip`,
    settings: { environment: {}, secrets: [], labels: {} },
  });
  const evaluation = (functions: object[], grants: object[] = []) =>
    ({ graph: { functions, grants } }) as unknown as Evaluation;

  test("a rebuilt archive alone is no declaration change; functions, environments and grants are", () => {
    expect(declarationChanges(evaluation([fn("a")]), evaluation([fn("a")]))).toEqual([]);
    expect(
      declarationChanges(
        evaluation([fn("a"), fn("b")], [{ target: "a", member: "user:x@example.com" }]),
        evaluation([fn("a", { K: "v" }), fn("c")], [{ target: "a", member: "user:y@example.com" }]),
      ),
    ).toEqual(["a: environment, invokers", "b removed", "c added"]);
  });
});

describe("withStackFileLines: each refused key at its stack file line", () => {
  test("nested keys and list items; lines it cannot place are left as they are", () => {
    const file = path.join(tempProject("lines"), "Pulumi.dev.yaml");
    fs.writeFileSync(
      file,
      [
        "config:",
        "  gcp:project: p",
        "  callgraph:functions:",
        "    login:",
        "      calls: [profiles, nobody]",
        "      memory: lots",
        "",
      ].join("\n"),
    );
    const message = [
      "Invalid call graph in stack config (callgraph:functions), 3 problems:",
      '  functions.login.calls[1]: unknown function "nobody"',
      "  functions.login.memory: unknown key",
      "  functions.search: no such function here",
    ].join("\n");
    expect(withStackFileLines(message, file, "callgraph", path.dirname(file)).split("\n")).toEqual([
      "Invalid call graph in stack config (callgraph:functions), 3 problems:",
      '  Pulumi.dev.yaml:5:25: functions.login.calls[1]: unknown function "nobody"',
      "  Pulumi.dev.yaml:6:7: functions.login.memory: unknown key",
      "  Pulumi.dev.yaml:3:3: functions.search: no such function here",
    ]);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
