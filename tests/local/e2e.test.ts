import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  callFunction,
  fetchIdTokenFrom,
  startLocalStack,
  type FunctionRequest,
  type LocalStack,
} from "../../local";
import { BASE_CONFIG, BASE_TOPOLOGY, FIXTURE_STACK, LARGE_CONFIG, type FixtureCode } from "../fixtures";
import { attackTokens } from "./attacks";

/** An identity no fixture topology grants anything, in a domain none of them names. */
const OUTSIDER = "user:outsider@example.net";
const DEVELOPERS = "group:developers@example.com";

/**
 * A request each fixture function (tests/fixtures/functions) answers with 200 once its caller is let in, by entry
 * point: gamma refuses a call without a note with 400, the others take a plain GET (and call their callees).
 */
const REQUESTS: Readonly<Record<FixtureCode, FunctionRequest>> = {
  alpha: { method: "GET" },
  beta: { method: "GET", query: { from: "e2e" } },
  gamma: { method: "GET", query: { note: "hi" } },
  relay: { method: "GET" },
};

function requestFor(stack: LocalStack, fn: string): FunctionRequest {
  const entry = stack.evaluation.graph.functions.find((f) => f.name === fn)!.entryPoint;
  return REQUESTS[entry as FixtureCode];
}

/** Calls `fn` through its front end as `member` (undefined: no token) with the request its code answers. */
async function callAs(stack: LocalStack, member: string | undefined, fn: string) {
  const token = member
    ? await fetchIdTokenFrom(stack.identities[member].metadataHost, stack.functions[fn].url)
    : undefined;
  return callFunction(stack.functions[fn].url, requestFor(stack, fn), token);
}

type Declaration = Record<string, { calls?: readonly string[]; invokers?: readonly string[] }>;

const declarationOf = (stack: LocalStack) => stack.evaluation.config["callgraph:functions"] as Declaration;

/**
 * Whether the declaration (read here independently of the program) lets `member` invoke `fn`: named, public, in a
 * declared `domain:` (a principal's domain is that of its address,
 * https://cloud.google.com/iam/docs/principals-overview#google-workspace-domain), or a declared caller's account.
 */
function declaredInvoker(stack: LocalStack, member: string, fn: string): boolean {
  const decl = declarationOf(stack);
  const invokers = decl[fn].invokers ?? [];
  const value = member.slice(member.indexOf(":") + 1);
  const domain = member.startsWith("domain:") ? value : value.slice(value.lastIndexOf("@") + 1);
  const caller = Object.values(stack.functions).find((f) => `serviceAccount:${f.serviceAccount}` === member);
  return (
    invokers.includes(member) ||
    invokers.includes("allUsers") ||
    invokers.includes(`domain:${domain}`) ||
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

describe("the base fixture stack on loopback", () => {
  let stack: LocalStack;
  const stateFile = tempState();
  const account = (fn: string) => `serviceAccount:fn-${fn}@callgraph-dev.iam.gserviceaccount.com`;
  beforeAll(async () => {
    stack = await startLocalStack({
      stack: FIXTURE_STACK,
      config: BASE_CONFIG,
      stateFile,
      extraIdentities: [OUTSIDER],
      restartDelayMs: 2000,
    });
  }, 60_000);
  afterAll(async () => stack?.stop());

  test("writes local.json with functions, identities and the JWKS", () => {
    const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    expect(Object.keys(state.functions).sort()).toEqual(Object.keys(BASE_TOPOLOGY).sort());
    expect(state.functions.alpha.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/alpha$/);
    expect(state.functions.alpha.serviceAccount).toBe("fn-alpha@callgraph-dev.iam.gserviceaccount.com");
    expect(Object.keys(state.identities).sort()).toEqual([
      DEVELOPERS,
      account("alpha"),
      account("beta"),
      account("gamma"),
      OUTSIDER,
    ]);
    expect(state.jwks).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  });

  test("a developer calls alpha, which asks beta with its own token, fetched once and then cached", async () => {
    const { status, body } = await callAs(stack, DEVELOPERS, "alpha");
    expect(status).toBe(200);
    // beta saw alpha's own identity, not the developer's: alpha's token came from alpha's metadata server.
    expect(body).toEqual({
      function: "alpha",
      caller: "developers@example.com",
      beta: { function: "beta", caller: "fn-alpha@callgraph-dev.iam.gserviceaccount.com", from: "alpha" },
    });
    for (let i = 0; i < 5; i++) expect((await callAs(stack, DEVELOPERS, "alpha")).status).toBe(200);
    expect(stack.tokens.tokenRequests()[account("alpha")]).toBe(1);
  });

  test("every declared edge and invoker gets 2xx, every other pair 403", async () => {
    await expectExactlyTheGrants(stack);
  });

  test.each(Object.keys(BASE_TOPOLOGY))(
    "the attack set gets 401 from %s's front end and from its own code",
    async (fn) => {
      const target = stack.functions[fn];
      const tokens = await attackTokens(stack, DEVELOPERS, target.url);
      const direct = `http://127.0.0.1:${target.process.port}`;
      const frontEnd: Record<string, number> = {};
      const code: Record<string, number> = {};
      for (const [attack, token] of Object.entries(tokens)) {
        frontEnd[attack] = (await callFunction(target.url, requestFor(stack, fn), token)).status;
        code[attack] = (await callFunction(direct, requestFor(stack, fn), token)).status;
      }
      const all401 = Object.fromEntries(Object.keys(tokens).map((k) => [k, 401]));
      expect(frontEnd).toEqual(all401);
      expect(code).toEqual(all401);
    },
  );

  test("a function's own verification refuses an undeclared service account even without the front end", async () => {
    // alpha calls beta only: its account is no caller of gamma.
    const gamma = stack.functions.gamma;
    const token = await stack.tokens.mint(account("alpha"), gamma.url);
    const { status } = await callFunction(
      `http://127.0.0.1:${gamma.process.port}`,
      requestFor(stack, "gamma"),
      token,
    );
    expect(status).toBe(403);
  });

  test("beta crashing gives alpha a clear 503 naming beta, then the restarted process serves again", async () => {
    const beta = stack.functions.beta.process;
    const restarts = beta.restartCount;
    beta.crash();
    const started = Date.now();
    const { status, body } = await callAs(stack, DEVELOPERS, "alpha");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(status).toBe(503);
    expect(JSON.stringify(body)).toContain("beta");
    for (let i = 0; i < 100 && beta.restartCount === restarts; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(beta.restartCount).toBe(restarts + 1);
    let again = 0;
    for (let i = 0; i < 50 && again !== 200; i++) {
      again = (await callAs(stack, DEVELOPERS, "alpha")).status;
      if (again !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again).toBe(200);
  }, 30_000);
});

describe("a larger topology with a cycle, a diamond and a public function", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // The relays' callees come from their environment, so the call-site checker warns of each relay's dynamic
    // site; those warnings are tests/program/callsites.test.ts's business, not this test's output.
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      stack = await startLocalStack({
        config: LARGE_CONFIG,
        stack: FIXTURE_STACK,
        stateFile: tempState(),
        extraIdentities: [OUTSIDER],
      });
    } finally {
      warn.mockRestore();
    }
  }, 60_000);
  afterAll(async () => stack?.stop());

  test("every declared edge and invoker gets 2xx, every other pair 403", async () => {
    await expectExactlyTheGrants(stack);
  });

  test("the public function needs no token; private ones refuse anonymous calls", async () => {
    const decl = declarationOf(stack);
    const open = Object.keys(decl).filter((fn) => decl[fn].invokers?.includes("allUsers"));
    expect(open).toHaveLength(1);
    for (const fn of Object.keys(stack.functions)) {
      expect([fn, (await callAs(stack, undefined, fn)).status]).toEqual([fn, open.includes(fn) ? 200 : 401]);
    }
  });
});

describe("mixed generations: gen1 alpha calling gen2 beta, gen2 gamma calling it too", () => {
  const config = {
    "gcp:project": "callgraph-mixed",
    "gcp:region": "us-central1",
    "callgraph:generation": 2,
    "callgraph:functions": { ...BASE_TOPOLOGY, alpha: { ...BASE_TOPOLOGY.alpha, generation: 1 } },
  };
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      config,
      stack: FIXTURE_STACK,
      stateFile: tempState(),
      extraIdentities: [OUTSIDER],
    });
  }, 60_000);
  afterAll(async () => stack?.stop());

  test("the developer's alpha reaches the gen2 beta with alpha's own token", async () => {
    expect(stack.evaluation.graph.functions.map((f) => [f.name, f.generation])).toEqual([
      ["alpha", 1],
      ["beta", 2],
      ["gamma", 2],
    ]);
    const { status, body } = await callAs(stack, DEVELOPERS, "alpha");
    expect([status, (body as { beta?: { caller?: string } }).beta?.caller]).toEqual([
      200,
      "fn-alpha@callgraph-mixed.iam.gserviceaccount.com",
    ]);
  });

  test("every declared edge and invoker gets 2xx, every other pair 403", async () => {
    await expectExactlyTheGrants(stack);
  });

  test("a gen2 process refuses a stripped-signature token here, where no platform verified it", async () => {
    const beta = stack.functions.beta;
    const tokens = await attackTokens(
      stack,
      "serviceAccount:fn-alpha@callgraph-mixed.iam.gserviceaccount.com",
      beta.url,
    );
    const direct = `http://127.0.0.1:${beta.process.port}`;
    expect((await callFunction(direct, requestFor(stack, "beta"), tokens["signature removed"])).status).toBe(
      401,
    );
  });
});
