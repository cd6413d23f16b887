import { callFunction, FRONT_END_ANSWER_HEADER, startFrontEnd, type FrontEnd } from "../../local";
import { judge, type Check } from "../../local/scenario";
import { runAccess } from "../../testing/access-matrix";
import { startServer } from "../functions/support/loopback";
import type { LocalStack } from "../../local";

// A local front end marks the answers it writes itself (local/front-end.ts, FRONT_END_ANSWER_HEADER) and removes the
// mark from every answer it forwards, so a caller tells "the function answered 404" from "the front end found no
// function there", and the scenario never counts the second as a call that reached the function.

/** A stand-in for a function's process: answers `?status=N` with N, and `?forge=1` with the front end's mark. */
async function functionProcess(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = await startServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (url.searchParams.has("forge")) headers[FRONT_END_ANSWER_HEADER] = "front-end";
    res.writeHead(Number(url.searchParams.get("status") ?? 200), headers);
    res.end(JSON.stringify({ from: "the function" }));
  });
  return { port: Number(new URL(server.origin).port), close: () => server.close() };
}

describe("which answers are the front end's own", () => {
  let target: Awaited<ReturnType<typeof functionProcess>>;
  let open: FrontEnd;
  let closed: FrontEnd;
  let down: FrontEnd;
  beforeAll(async () => {
    target = await functionProcess();
    const options = {
      generation: 2 as const,
      issuers: ["https://accounts.google.com"],
      userAudiences: [],
      hostKey: "key",
      jwksUrl: "http://127.0.0.1:9/certs",
      timeoutMs: 5000,
    };
    open = await startFrontEnd({
      ...options,
      name: "fn",
      invokers: ["allUsers"],
      targetPort: () => target.port,
    });
    closed = await startFrontEnd({ ...options, name: "fn", invokers: [], targetPort: () => target.port });
    // Before its process exists, a front end forwards to port 0 (local/stack.ts).
    down = await startFrontEnd({ ...options, name: "fn", invokers: ["allUsers"], targetPort: () => 0 });
  });
  afterAll(async () => {
    await Promise.all([open, closed, down].map((f) => f.stop()));
    await target.close();
  });

  test("the function's own answers, whatever their status, are not marked", async () => {
    for (const status of [200, 400, 401, 403, 404, 503]) {
      const answer = await callFunction(open.url, { query: { status: String(status) } });
      expect(answer).toEqual({ status, body: { from: "the function" } });
      expect(answer.byFrontEnd).toBeUndefined();
    }
  });

  test("a function cannot pass its answer off as the front end's: the mark it sets is removed", async () => {
    const answer = await callFunction(open.url, { query: { status: "403", forge: "1" } });
    expect(answer).toEqual({ status: 403, body: { from: "the function" } });
    const raw = await fetch(`${open.url}?status=403&forge=1`);
    expect(raw.headers.has(FRONT_END_ANSWER_HEADER)).toBe(false);
  });

  test("a path under no function, a call with no token and a function that is down are the front end's answers", async () => {
    const elsewhere = await callFunction(open.url.replace(/\/fn$/, "/other"), {});
    expect(elsewhere).toMatchObject({ status: 404, byFrontEnd: true });
    const anonymous = await callFunction(closed.url, {});
    expect(anonymous).toMatchObject({ status: 401, byFrontEnd: true });
    const unavailable = await callFunction(down.url, {});
    expect(unavailable).toMatchObject({ status: 503, byFrontEnd: true });
  });

  test("stackTests()' access matrix counts no answer of the front end's own as the function's", async () => {
    // Only what runAccess reads: each function's URL; the calls are anonymous, to public functions.
    const stack = {
      functions: {
        answers: { url: `${open.url}?status=404` },
        elsewhere: { url: open.url.replace(/\/fn$/, "/other") },
        down: { url: down.url },
      },
      identities: {},
    } as unknown as LocalStack;
    const call = (fn: string) => ({ function: fn, as: undefined, request: { method: "GET" }, allowed: true });
    const results = await runAccess(stack, ["answers", "elsewhere", "down"].map(call));
    expect(results.map((r) => r.status)).toEqual([
      404,
      "the front end answered 404, not the function",
      "the front end answered 503, not the function",
    ]);
  });
});

describe("the scenario's judgement of an allowed call", () => {
  const allowed: Check = {
    title: "a may invoke b",
    function: "b",
    request: { method: "GET" },
    expect: "allowed",
  };

  test("the function's 404 proves the grant; the front end's 404 does not", () => {
    expect(judge(allowed, { status: 404, body: {} }).ok).toBe(true);
    const byFrontEnd = judge(allowed, {
      status: 404,
      body: { error: "no function at /b" },
      byFrontEnd: true,
    });
    expect(byFrontEnd.ok).toBe(false);
    expect(byFrontEnd.detail).toMatch(/answered by the front end, not the function/);
  });

  test("a sample's expected status counts only when the function answered it", () => {
    const sample = { file: "/repo/functions/b/sample.json", request: {}, expectedStatus: 404 };
    const withSample = { ...allowed, sample } as unknown as Check;
    expect(judge(withSample, { status: 404, body: {} }).ok).toBe(true);
    expect(judge(withSample, { status: 404, body: {}, byFrontEnd: true }).ok).toBe(false);
  });

  test("an expected refusal holds whichever check refused (the front end's IAM check or the function's own)", () => {
    const refused: Check = { ...allowed, expect: 403 };
    expect(judge(refused, { status: 403, body: {}, byFrontEnd: true }).ok).toBe(true);
    expect(judge(refused, { status: 403, body: {} }).ok).toBe(true);
    expect(judge(refused, { status: 200, body: {} }).ok).toBe(false);
  });
});
