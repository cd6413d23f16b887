import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { callFunction, DEMO_REQUESTS, fetchIdTokenFrom, startLocalStack, type LocalStack } from "../../local";
import { attackTokens } from "./attacks";

const OUTSIDER = "user:outsider@example.com";

/** Calls `fn` through its front end as `member` (undefined: no token) with its demo request. */
async function callAs(stack: LocalStack, member: string | undefined, fn: string) {
  const entry = stack.evaluation.graph.functions.find((f) => f.name === fn)!.entryPoint;
  const token = member
    ? await fetchIdTokenFrom(stack.identities[member].metadataHost, stack.functions[fn].url)
    : undefined;
  return callFunction(stack.functions[fn].url, DEMO_REQUESTS[entry] ?? {}, token);
}

type Declaration = Record<string, { calls?: string[]; invokers?: string[] }>;

/** Whether the declaration (read here independently of the program) lets `member` invoke `fn`. */
function declaredInvoker(stack: LocalStack, member: string, fn: string): boolean {
  const decl = stack.evaluation.config["callgraph:functions"] as Declaration;
  const invokers = decl[fn].invokers ?? [];
  const caller = Object.values(stack.functions).find((f) => `serviceAccount:${f.serviceAccount}` === member);
  return (
    invokers.includes(member) ||
    invokers.includes("allUsers") ||
    (caller !== undefined && (decl[caller.name].calls ?? []).includes(fn))
  );
}

/** Every (identity, function) pair: declared ones must get 2xx, all others 403. */
async function expectExactlyTheGrants(stack: LocalStack): Promise<void> {
  const results: string[] = [];
  const expected: string[] = [];
  for (const member of Object.keys(stack.identities)) {
    for (const fn of Object.values(stack.functions)) {
      if (member === `serviceAccount:${fn.serviceAccount}`) continue; // a function calling itself is not a grant question
      const granted = declaredInvoker(stack, member, fn.name);
      const { status } = await callAs(stack, member, fn.name);
      results.push(`${member} -> ${fn.name}: ${status >= 200 && status < 300 ? "2xx" : status}`);
      expected.push(`${member} -> ${fn.name}: ${granted ? "2xx" : 403}`);
    }
  }
  expect(results).toEqual(expected);
}

function tempState(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-local-")), "local.json");
}

describe("the default stack on loopback", () => {
  let stack: LocalStack;
  const stateFile = tempState();
  beforeAll(async () => {
    stack = await startLocalStack({ stateFile, extraIdentities: [OUTSIDER], restartDelayMs: 2000 });
  }, 60_000);
  afterAll(async () => stack?.stop());

  test("writes local.json with functions, identities and the JWKS", () => {
    const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    expect(Object.keys(state.functions).sort()).toEqual(["login", "profiles", "search"]);
    expect(state.functions.login.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login$/);
    expect(state.functions.login.serviceAccount).toBe("fn-login@callgraph-dev.iam.gserviceaccount.com");
    expect(Object.keys(state.identities).sort()).toEqual([
      "group:developers@example.com",
      "serviceAccount:fn-login@callgraph-dev.iam.gserviceaccount.com",
      "serviceAccount:fn-profiles@callgraph-dev.iam.gserviceaccount.com",
      "serviceAccount:fn-search@callgraph-dev.iam.gserviceaccount.com",
      OUTSIDER,
    ]);
    expect(state.jwks).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  });

  test("a developer logs in through login, which fetches the profile from profiles with its own token", async () => {
    const before = stack.tokens.tokenRequests();
    const { status, body } = await callAs(stack, "group:developers@example.com", "login");
    expect(status).toBe(200);
    expect(body).toMatchObject({ username: "alice", profile: { username: "alice" } });
    const after = stack.tokens.tokenRequests();
    // login's own identity asked its metadata server for a token for profiles (once, then cached).
    expect(after["serviceAccount:fn-login@callgraph-dev.iam.gserviceaccount.com"]).toBeGreaterThanOrEqual(
      before["serviceAccount:fn-login@callgraph-dev.iam.gserviceaccount.com"],
    );
    for (let i = 0; i < 5; i++)
      expect((await callAs(stack, "group:developers@example.com", "login")).status).toBe(200);
    expect(
      stack.tokens.tokenRequests()["serviceAccount:fn-login@callgraph-dev.iam.gserviceaccount.com"],
    ).toBe(1);
  });

  test("every declared edge and invoker gets 2xx, every other pair 403", async () => {
    await expectExactlyTheGrants(stack);
  });

  test.each(["login", "profiles", "search"])(
    "the attack set gets 401 from %s's front end and from its own code",
    async (fn) => {
      const member = "group:developers@example.com";
      const target = stack.functions[fn];
      const entry = stack.evaluation.graph.functions.find((f) => f.name === fn)!.entryPoint;
      const tokens = await attackTokens(stack, member, target.url);
      const direct = `http://127.0.0.1:${target.process.port}`;
      const frontEnd: Record<string, number> = {};
      const code: Record<string, number> = {};
      for (const [attack, token] of Object.entries(tokens)) {
        frontEnd[attack] = (await callFunction(target.url, DEMO_REQUESTS[entry], token)).status;
        code[attack] = (await callFunction(direct, DEMO_REQUESTS[entry], token)).status;
      }
      const all401 = Object.fromEntries(Object.keys(tokens).map((k) => [k, 401]));
      expect(frontEnd).toEqual(all401);
      expect(code).toEqual(all401);
    },
  );

  test("a function's own verification refuses an undeclared service account even without the front end", async () => {
    const search = stack.functions.search;
    const token = await stack.tokens.mint(
      "serviceAccount:fn-login@callgraph-dev.iam.gserviceaccount.com",
      search.url,
    );
    const { status } = await callFunction(
      `http://127.0.0.1:${search.process.port}`,
      DEMO_REQUESTS.search,
      token,
    );
    expect(status).toBe(403);
  });

  test("profiles crashing gives login a clear 503 naming profiles, then the restarted process serves again", async () => {
    const profiles = stack.functions.profiles.process;
    const restarts = profiles.restartCount;
    profiles.crash();
    const started = Date.now();
    const { status, body } = await callAs(stack, "group:developers@example.com", "login");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(status).toBe(503);
    expect(JSON.stringify(body)).toContain("profiles");
    for (let i = 0; i < 100 && profiles.restartCount === restarts; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(profiles.restartCount).toBe(restarts + 1);
    let again = 0;
    for (let i = 0; i < 50 && again !== 200; i++) {
      again = (await callAs(stack, "group:developers@example.com", "login")).status;
      if (again !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again).toBe(200);
  }, 30_000);
});

describe("a larger topology with a cycle, a diamond and a public function", () => {
  const code = { source: "functions/profiles", entryPoint: "profiles" };
  const config = {
    "gcp:project": "callgraph-e2e",
    "gcp:region": "europe-west1",
    "callgraph:functions": {
      ping: { calls: ["pong"], ...code },
      pong: { calls: ["ping", "sink"], ...code },
      fork: { calls: ["left", "right"], invokers: ["group:developers@example.com"], ...code },
      left: { calls: ["sink"], ...code },
      right: { calls: ["sink"], ...code },
      sink: { invokers: ["user:auditor@example.com"], ...code },
      status: { invokers: ["allUsers"], ...code },
    },
  };
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      config,
      stack: "e2e",
      stateFile: tempState(),
      extraIdentities: [OUTSIDER],
    });
  }, 60_000);
  afterAll(async () => stack?.stop());

  test("every declared edge and invoker gets 2xx, every other pair 403", async () => {
    await expectExactlyTheGrants(stack);
  });

  test("the public function needs no token; private ones refuse anonymous calls", async () => {
    for (const fn of Object.keys(stack.functions)) {
      expect([fn, (await callAs(stack, undefined, fn)).status]).toEqual([fn, fn === "status" ? 200 : 401]);
    }
  });
});

describe("mixed generations: gen1 login calling gen2 profiles, gen2 search calling it too", () => {
  const config = {
    "gcp:project": "callgraph-mixed",
    "gcp:region": "us-central1",
    "callgraph:generation": 2,
    "callgraph:functions": {
      login: { calls: ["profiles"], invokers: ["group:developers@example.com"], generation: 1 },
      profiles: {},
      search: { calls: ["profiles"], invokers: ["group:developers@example.com"] },
    },
  };
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      config,
      stack: "mixed",
      stateFile: tempState(),
      extraIdentities: [OUTSIDER],
    });
  }, 60_000);
  afterAll(async () => stack?.stop());

  test("the developer's login reaches the gen2 profiles with login's own token", async () => {
    expect(stack.evaluation.graph.functions.map((f) => [f.name, f.generation])).toEqual([
      ["login", 1],
      ["profiles", 2],
      ["search", 2],
    ]);
    const { status, body } = await callAs(stack, "group:developers@example.com", "login");
    expect([status, (body as { profile?: { username?: string } }).profile?.username]).toEqual([200, "alice"]);
  });

  test("every declared edge and invoker gets 2xx, every other pair 403", async () => {
    await expectExactlyTheGrants(stack);
  });

  test("a gen2 process refuses a stripped-signature token here, where no platform verified it", async () => {
    const profiles = stack.functions.profiles;
    const tokens = await attackTokens(
      stack,
      "serviceAccount:fn-login@callgraph-mixed.iam.gserviceaccount.com",
      profiles.url,
    );
    const direct = `http://127.0.0.1:${profiles.process.port}`;
    expect((await callFunction(direct, DEMO_REQUESTS.profiles, tokens["signature removed"])).status).toBe(
      401,
    );
  });
});
