import { inspect } from "node:util";
import { jwtVerify, createRemoteJWKSet } from "jose";
import {
  CalleeError,
  CalleeRejectedError,
  CalleeTimeoutError,
  CalleeTokenError,
  CalleeUnavailableError,
  DownstreamClient,
  MetadataIdTokenSource,
  UndeclaredCalleeError,
  type DownstreamClientOptions,
  type HttpMethod,
} from "../../functions/shared";
import { json, refusedOrigin, startServer, type TestServer } from "./support/loopback";
import {
  startMetadataFixture,
  type MetadataFixture,
  type MetadataServer,
  type TokenAuthority,
} from "./support/token-authority";

const SA = "fn-login@proj.iam.gserviceaccount.com";
const FAST = { baseMs: 1, maxMs: 20 };

let authority: TokenAuthority;
let metadata: MetadataServer;
let callee: TestServer;
let fixture: MetadataFixture;
const thrown: unknown[] = [];

beforeAll(async () => {
  fixture = await startMetadataFixture(SA);
  ({ authority, metadata } = fixture);
  callee = await startServer();
});

afterAll(async () => {
  await Promise.all([callee.close(), fixture.close()]);
});

beforeEach(() => {
  callee.requests.length = 0;
  callee.reply = (_req, res) => json(res, 200, { ok: true });
  metadata.identityRequests.clear();
});

const profilesUrl = () => `${callee.origin}/profiles`;

function client(options: Partial<DownstreamClientOptions> = {}): DownstreamClient {
  return new DownstreamClient({
    callees: { profiles: profilesUrl(), search: `${callee.origin}/search` },
    tokens: new MetadataIdTokenSource(),
    timeoutMs: 2000,
    retries: 2,
    caller: "login",
    backoff: FAST,
    ...options,
  });
}

/** Runs `call`, expecting it to throw; keeps the error for the no-token-in-errors check. */
async function failure(call: Promise<unknown>): Promise<CalleeError> {
  try {
    await call;
  } catch (error) {
    thrown.push(error);
    if (error instanceof CalleeError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("DownstreamClient: identity", () => {
  test("50 concurrent calls to one callee cost one metadata token fetch; a second callee one more", async () => {
    // No retry: 50 calls at once on a loaded machine can outlast a 2 s attempt, and a retried call is counted twice by
    // the callee. The count of requests is what shows each call went out once, with the one token.
    const c = client({ retries: 0, timeoutMs: 30_000 });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => c.call("profiles", { method: "GET" })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    for (let i = 0; i < 5; i++) await c.call("search", { method: "GET" });
    expect(callee.requests).toHaveLength(55);
    expect(metadata.identityRequests).toEqual(
      new Map([
        [profilesUrl(), 1],
        [`${callee.origin}/search`, 1],
      ]),
    );
  });

  test("sends a bearer ID token of its own identity whose audience is the callee's URL", async () => {
    await client().call("profiles", { method: "GET" });
    const token = /^Bearer (.+)$/.exec(callee.requests[0].headers.authorization ?? "")![1];
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(authority.jwksUrl)), {
      audience: profilesUrl(),
    });
    expect(payload.email).toBe(SA);
  });

  test("an undeclared callee is refused at once, without any network", async () => {
    const error = await failure(client().call("billing", { method: "GET" }));
    expect(error).toBeInstanceOf(UndeclaredCalleeError);
    expect(error.message).toContain(
      '"billing" is not a declared callee of this function (declared: "profiles", "search")',
    );
    expect(error.callee).toBe("billing");
    // Inherited object keys are not callees either.
    expect(await failure(client().call("constructor", { method: "GET" }))).toBeInstanceOf(
      UndeclaredCalleeError,
    );
    expect(callee.requests).toHaveLength(0);
    expect(metadata.total()).toBe(0);
  });

  test("a path that would leave the callee's URL is refused without network", async () => {
    for (const path of ["/../search", "/%2e%2e/search", "/v1/../../search", "search"]) {
      const error = await failure(client().call("profiles", { method: "GET", path }));
      expect([path, error.message]).toEqual([
        path,
        expect.stringMatching(/leaves profiles' URL|must start with/),
      ]);
    }
    expect(callee.requests).toHaveLength(0);
  });

  test("a token that cannot be fetched is a CalleeTokenError naming the callee", async () => {
    metadata.failWith = 404;
    try {
      const error = await failure(client().call("profiles", { method: "GET" }));
      expect(error).toBeInstanceOf(CalleeTokenError);
      expect(error.message).toMatch(/^could not get an ID token to call profiles/);
      expect(callee.requests).toHaveLength(0);
    } finally {
      metadata.failWith = undefined;
    }
  });
});

describe("DownstreamClient: requests and answers", () => {
  test("path, query, JSON body and extra headers reach the callee; its JSON answer is parsed", async () => {
    callee.reply = (req, res) => json(res, 201, { echo: JSON.parse(req.body) as unknown });
    const answer = await client().call("profiles", {
      method: "POST",
      path: "/v1/items",
      query: { q: "a b&c", n: 3, skip: undefined },
      body: { name: "x" },
      headers: { "x-request-id": "r1", authorization: "Bearer forged" },
    });
    expect(answer).toMatchObject({ status: 201, body: { echo: { name: "x" } } });
    expect(answer.headers["content-type"]).toBe("application/json");
    const seen = callee.requests[0];
    expect(seen.url).toBe("/profiles/v1/items?q=a+b%26c&n=3");
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(seen.headers["x-request-id"]).toBe("r1");
    expect(seen.headers.authorization).not.toBe("Bearer forged");
  });

  test("a text answer is returned as text; a 404 is returned, not thrown", async () => {
    callee.reply = (_req, res) => res.writeHead(404, { "content-type": "text/plain" }).end("no such thing");
    expect(await client().call("profiles", { method: "GET" })).toMatchObject({
      status: 404,
      body: "no such thing",
    });
  });

  test("a JSON content type with a body that is not JSON is a CalleeError", async () => {
    callee.reply = (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{oops");
    const error = await failure(client().call("profiles", { method: "GET" }));
    expect(error.constructor).toBe(CalleeError);
    expect(error.status).toBe(200);
  });
});

describe("DownstreamClient: retries", () => {
  test("a GET is retried after a 503, then succeeds", async () => {
    callee.reply = (_req, res, i) =>
      i === 0 ? json(res, 503, { error: "busy" }) : json(res, 200, { ok: true });
    expect((await client().call("profiles", { method: "GET" })).status).toBe(200);
    expect(callee.requests).toHaveLength(2);
  });

  test.each<[HttpMethod, number, number]>([
    ["GET", 503, 3],
    ["HEAD", 502, 3],
    ["PUT", 504, 3],
    ["DELETE", 500, 3],
    ["OPTIONS", 429, 3],
    ["POST", 503, 1],
    ["PATCH", 503, 1],
    ["GET", 501, 1], // not a transient status
  ])(
    "%s answered %i: %i attempt(s) with retries=2, then CalleeUnavailableError",
    async (method, status, attempts) => {
      callee.reply = (_req, res) => json(res, status, {});
      const error = await failure(client().call("profiles", { method }));
      expect(error).toBeInstanceOf(CalleeUnavailableError);
      expect(error).toMatchObject({ callee: "profiles", status, attempts });
      expect(error.message).toContain(`profiles is unavailable: it answered HTTP ${status}`);
      expect(callee.requests).toHaveLength(attempts);
    },
  );

  test("retries=0 means one attempt", async () => {
    callee.reply = (_req, res) => json(res, 503, {});
    await failure(client({ retries: 0 }).call("profiles", { method: "GET" }));
    expect(callee.requests).toHaveLength(1);
  });

  test("Retry-After (seconds) is honoured", async () => {
    callee.reply = (_req, res, i) =>
      i === 0 ? json(res, 429, {}, { "retry-after": "1" }) : json(res, 200, {});
    const started = Date.now();
    await client({ backoff: { baseMs: 1, maxMs: 5000 } }).call("profiles", { method: "GET" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(callee.requests).toHaveLength(2);
  });

  test("Retry-After is capped by the backoff maximum", async () => {
    callee.reply = (_req, res, i) =>
      i === 0 ? json(res, 503, {}, { "retry-after": "3600" }) : json(res, 200, {});
    const started = Date.now();
    await client({ backoff: { baseMs: 1, maxMs: 50 } }).call("profiles", { method: "GET" });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("the backoff between retries is jittered and grows: delays stay within the exponential ceilings", async () => {
    callee.reply = (_req, res) => json(res, 503, {});
    const draws: number[] = [];
    const random = () => {
      draws.push(1);
      return 0.999;
    };
    const started = Date.now();
    await failure(
      client({ retries: 3, backoff: { baseMs: 40, maxMs: 100 }, random }).call("profiles", { method: "GET" }),
    );
    const elapsed = Date.now() - started;
    expect(draws).toHaveLength(3);
    // ceilings 40, 80, 100 (capped): about 220 ms in all with random() ~ 1
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(2000);
  });

  test("connection refused: a GET is retried, then CalleeUnavailableError names the callee and the code", async () => {
    const origin = await refusedOrigin();
    const c = client({ callees: { profiles: `${origin}/profiles` } });
    const error = await failure(c.call("profiles", { method: "GET" }));
    expect(error).toBeInstanceOf(CalleeUnavailableError);
    expect(error).toMatchObject({ callee: "profiles", status: undefined, attempts: 3 });
    expect(error.message).toContain("ECONNREFUSED");
    expect(
      (await failure(c.call("profiles", { method: "POST", body: {} }))) as CalleeUnavailableError,
    ).toMatchObject({ attempts: 1 });
  });
});

describe("DownstreamClient: timeouts", () => {
  beforeEach(() => {
    callee.reply = () => undefined; // never answers
  });

  test("a callee that never answers: CalleeTimeoutError after about the timeout, no hang", async () => {
    const started = Date.now();
    const error = await failure(client({ timeoutMs: 200, retries: 0 }).call("profiles", { method: "GET" }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(CalleeTimeoutError);
    expect(error).toBeInstanceOf(CalleeUnavailableError);
    expect(error).toMatchObject({ callee: "profiles", timeoutMs: 200, attempts: 1 });
    expect(error.message).toContain("profiles is unavailable: no answer within 200 ms");
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1500);
  });

  test("a timed-out GET is retried (bounded); a timed-out POST is not", async () => {
    const get = await failure(client({ timeoutMs: 100, retries: 2 }).call("profiles", { method: "GET" }));
    expect(get).toMatchObject({ attempts: 3 });
    expect(callee.requests).toHaveLength(3);
    callee.requests.length = 0;
    const post = await failure(
      client({ timeoutMs: 100, retries: 2 }).call("profiles", { method: "POST", body: { a: 1 } }),
    );
    expect(post).toBeInstanceOf(CalleeTimeoutError);
    expect(post).toMatchObject({ attempts: 1 });
    expect(callee.requests).toHaveLength(1);
  });
});

describe("DownstreamClient: 401 and 403", () => {
  test.each<HttpMethod>(["GET", "POST"])(
    "%s: a 401 refreshes the token exactly once and the request is sent again",
    async (method) => {
      const c = client();
      await c.call("profiles", { method: "GET" }); // a cached token, which the callee now refuses
      callee.requests.length = 0;
      const refused = metadata.identityRequests.get(profilesUrl());
      callee.reply = (req, res) =>
        req.headers.authorization === callee.requests[0].headers.authorization
          ? json(res, 401, {})
          : json(res, 200, { ok: true });
      expect((await c.call("profiles", { method })).status).toBe(200);
      expect(callee.requests).toHaveLength(2);
      expect(callee.requests[1].headers.authorization).not.toBe(callee.requests[0].headers.authorization);
      expect(metadata.identityRequests.get(profilesUrl())).toBe(refused! + 1);
    },
  );

  test("a second 401 is final: CalleeRejectedError after one refresh", async () => {
    callee.reply = (_req, res) => json(res, 401, {});
    const error = await failure(client().call("profiles", { method: "GET" }));
    expect(error).toBeInstanceOf(CalleeRejectedError);
    expect(error).toMatchObject({ callee: "profiles", status: 401 });
    expect(callee.requests).toHaveLength(2);
    expect(metadata.identityRequests.get(profilesUrl())).toBe(2);
  });

  test("a 403 is final at once: login's identity may not invoke profiles", async () => {
    callee.reply = (_req, res) => json(res, 403, {});
    const error = await failure(client().call("profiles", { method: "GET" }));
    expect(error).toBeInstanceOf(CalleeRejectedError);
    expect(error.message).toMatch(
      /^login's identity may not invoke profiles \(HTTP 403\): check the declared graph/,
    );
    expect(callee.requests).toHaveLength(1);
  });
});

test("no error thrown in this file contains a token", () => {
  expect(thrown.length).toBeGreaterThan(20);
  expect(authority.issued.length).toBeGreaterThan(0);
  for (const error of thrown) {
    const text = `${String(error)}\n${inspect(error, { depth: 5 })}\n${JSON.stringify(error)}`;
    for (const token of authority.issued) expect(text.includes(token)).toBe(false);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./); // nothing JWT-shaped either
  }
});
