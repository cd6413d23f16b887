import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  callFunction,
  fetchIdTokenFrom,
  FRONT_END_HEADER,
  startLocalStack,
  tokenHeadersFor,
  type FunctionRequest,
  type LocalStack,
} from "../../local";
import { BASE_CONFIG, BASE_TOPOLOGY, FIXTURE_STACK, LARGE_CONFIG, type FixtureCode } from "../fixtures";
import { withoutSignature } from "../../iam";
import { attackTokens, HEADER_ATTACKS, headerAttacks, TOKEN_ATTACKS, type HeaderAttack } from "./attacks";

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
  sink: { method: "GET" },
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
  return callFunction(stack.functions[fn].url, requestFor(stack, fn), token, tokenHeadersFor(member));
}

/**
 * Calls `fn`'s own process, past its front end: with its front-end key (as its front end would, so the
 * function's own checks answer), or without it (as anyone else on this machine would).
 */
function callProcess(stack: LocalStack, fn: string, token: string | undefined, withKey = true) {
  const request = requestFor(stack, fn);
  const headers = withKey
    ? { ...request.headers, [FRONT_END_HEADER]: stack.functions[fn].frontEndKey }
    : request.headers;
  return callFunction(`http://127.0.0.1:${stack.functions[fn].process.port}`, { ...request, headers }, token);
}

/**
 * What each generation's platform hands the code once its check passed: 2nd gen removes the signature of the copy it
 * checked (`X-Serverless-Authorization` when present, else `Authorization`) and passes the other on untouched; 1st gen
 * passes both as they came.
 */
function handedOn(generation: 1 | 2, headers: Readonly<Record<string, string>>): Record<string, string> {
  if (generation === 1) return { ...headers };
  const checked = "x-serverless-authorization" in headers ? "x-serverless-authorization" : "authorization";
  const token = /^Bearer (\S+)$/.exec(headers[checked] ?? "")?.[1];
  return token ? { ...headers, [checked]: `Bearer ${withoutSignature(token)}` } : { ...headers };
}

/**
 * One test per header attack (tests/local/attacks.ts) on `fn`: `invoker`, who passes IAM on it with its own token,
 * poses as its declared caller `caller`. Each gets 401 from the front end, and from the function's code when handed
 * what the platform of `fn`'s generation would hand it (Cloud Run does not compare the two headers; the code does).
 */
function headerAttackTests(
  stackOf: () => LocalStack,
  fn: string,
  generation: 1 | 2,
  invoker: string,
  caller: string,
): void {
  describe(`gen${generation} ${fn}: ${invoker} posing as ${caller}`, () => {
    let attacks: Record<HeaderAttack, Record<string, string>>;
    beforeAll(async () => {
      const stack = stackOf();
      attacks = await headerAttacks(stack, invoker, caller, stack.functions[fn].url);
    });

    test.each(HEADER_ATTACKS)("%s: 401 from the front end and from the function's code", async (attack) => {
      const stack = stackOf();
      const request = requestFor(stack, fn);
      const send = (url: string, headers: Record<string, string>) =>
        callFunction(url, { ...request, headers: { ...request.headers, ...headers } });
      const front = await send(stack.functions[fn].url, attacks[attack]);
      const code = await send(`http://127.0.0.1:${stack.functions[fn].process.port}`, {
        ...handedOn(generation, attacks[attack]),
        [FRONT_END_HEADER]: stack.functions[fn].frontEndKey,
      });
      expect([front.status, code.status]).toEqual([401, 401]);
      // Refused by the code for what the request is, not for a token it could not read.
      expect(JSON.stringify(code.body)).toMatch(
        attack.startsWith("Bearer")
          ? /must be \\"Bearer <ID token>\\"/
          : /the tokens in X-Serverless-Authorization and Authorization differ/,
      );
    });
  });
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
      beta: {
        function: "beta",
        caller: "fn-alpha@callgraph-dev.iam.gserviceaccount.com",
        platformVerified: false,
        from: "alpha",
      },
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
      const frontEnd: Record<string, number> = {};
      const code: Record<string, number> = {};
      const outsider: Record<string, number> = {};
      for (const [attack, token] of Object.entries(tokens)) {
        frontEnd[attack] = (await callFunction(target.url, requestFor(stack, fn), token)).status;
        code[attack] = (await callProcess(stack, fn, token)).status;
        outsider[attack] = (await callProcess(stack, fn, token, false)).status;
      }
      const all = (status: number) => Object.fromEntries(Object.keys(tokens).map((k) => [k, status]));
      expect(frontEnd).toEqual(all(401));
      // The one difference: a user's token whose signature was removed is believed by the code where Google's front
      // end checked it (a private function); here that front end is this stack's, which never hands on a forgery.
      const behindFrontEnd = target.invokers.some((m) => m === "allUsers" || m === "allAuthenticatedUsers")
        ? 401
        : expect.any(Number);
      expect(code).toEqual({ ...all(401), "a user's token, signature removed": behindFrontEnd });
      expect(code["a service account's token, signature removed"]).toBe(401);
      // Nobody reaches the code but through the front end.
      expect(outsider).toEqual(all(403));
    },
  );

  test("each function's process takes only its own front end's key: another function's is refused", async () => {
    const keys = Object.values(stack.functions).map((f) => f.frontEndKey);
    expect(new Set(keys).size).toBe(keys.length);
    // alpha may call beta: with beta's key its call reaches beta's code; with alpha's own, beta's process refuses it.
    const token = await stack.tokens.mint(account("alpha"), stack.functions.beta.url);
    const request = requestFor(stack, "beta");
    const withKey = (key: string) =>
      callFunction(
        `http://127.0.0.1:${stack.functions.beta.process.port}`,
        { ...request, headers: { ...request.headers, [FRONT_END_HEADER]: key } },
        token,
      );
    expect((await withKey(stack.functions.beta.frontEndKey)).status).toBe(200);
    expect(await withKey(stack.functions.alpha.frontEndKey)).toMatchObject({
      status: 403,
      body: { error: expect.stringContaining("serves only requests through its front end") },
    });
  });

  test("a function's own verification refuses an undeclared service account even without the front end", async () => {
    // alpha calls beta only: its account is no caller of gamma.
    const token = await stack.tokens.mint(account("alpha"), stack.functions.gamma.url);
    expect((await callProcess(stack, "gamma", token)).status).toBe(403);
  });

  // gamma's account may invoke beta, and poses as alpha, beta's other declared caller.
  headerAttackTests(() => stack, "beta", 1, account("gamma"), account("alpha"));

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
    "callgraph:functions": {
      ...BASE_TOPOLOGY,
      alpha: { ...BASE_TOPOLOGY.alpha, generation: 1 },
      // Developers may call the gen2 leaf too, as with curl: their token then reaches it stripped.
      beta: { ...BASE_TOPOLOGY.beta, invokers: [DEVELOPERS] },
    },
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

  test("a gen2 process refuses a declared caller's stripped token: only a signature proves a service account", async () => {
    const beta = stack.functions.beta;
    const alpha = "serviceAccount:fn-alpha@callgraph-mixed.iam.gserviceaccount.com";
    const tokens = await attackTokens(stack, alpha, beta.url);
    expect(
      (await callProcess(stack, "beta", tokens["a service account's token, signature removed"])).status,
    ).toBe(401);
    // The real token of that caller, signed, through the same door: admitted.
    expect((await callProcess(stack, "beta", await stack.tokens.mint(alpha, beta.url))).status).toBe(200);
  });

  headerAttackTests(
    () => stack,
    "beta",
    2,
    "serviceAccount:fn-gamma@callgraph-mixed.iam.gserviceaccount.com",
    "serviceAccount:fn-alpha@callgraph-mixed.iam.gserviceaccount.com",
  );

  describe("the token attack set on the gen2 beta", () => {
    let tokens: Awaited<ReturnType<typeof attackTokens>>;
    beforeAll(async () => {
      tokens = await attackTokens(stack, DEVELOPERS, stack.functions.beta.url);
    });

    // A user's stripped token is what Cloud Run hands the code after its check: the code behind the front end
    // believes it (the test above); only the front end can refuse the forgery.
    test.each(TOKEN_ATTACKS.filter((a) => a !== "a user's token, signature removed"))(
      "%s: 401 from the gen2 front end and from the function's code",
      async (attack) => {
        const beta = stack.functions.beta;
        const front = await callFunction(beta.url, requestFor(stack, "beta"), tokens[attack]);
        const code = await callProcess(stack, "beta", tokens[attack]);
        expect([front.status, code.status]).toEqual([401, 401]);
      },
    );

    test("a user's token, signature removed (forged, no key): 401 from the gen2 front end, which checks a signature", async () => {
      const answer = await callFunction(
        stack.functions.beta.url,
        requestFor(stack, "beta"),
        tokens["a user's token, signature removed"],
        "authorization",
      );
      expect(answer.status).toBe(401);
    });
  });

  test("each generation's front end hands the code what Google's would: gen2 strips the copy it checked", async () => {
    // beta (gen2) echoes the caller it verified; its caller's token arrives in both headers, Authorization signed.
    const { status, body } = await callAs(stack, DEVELOPERS, "gamma");
    expect(status).toBe(200);
    expect((body as { beta?: { platformVerified?: boolean } }).beta?.platformVerified).toBe(false);
    // A developer's curl sends Authorization alone: gen2 strips it, and the code believes it on its claims.
    const direct = await callAs(stack, DEVELOPERS, "beta");
    expect([direct.status, (direct.body as { platformVerified?: boolean }).platformVerified]).toEqual([
      200,
      true,
    ]);
  });
});
