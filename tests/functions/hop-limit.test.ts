import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type * as http from "node:http";
import {
  createFunctionRuntime,
  DownstreamClient,
  errorAnswer,
  HOPS_HEADER,
  HopLimitError,
  readFunctionEnv,
  secured,
  sendJson,
  type Caller,
  type FunctionRuntime,
} from "../../functions/shared";
import { captureLogs } from "./support/function-env";
import { close, json, listen, startServer, type TestServer } from "./support/loopback";

// A call loop in code, a -> b -> a, as two secured handlers on loopback: each calls the other on every request.
// The hop count (x-callgraph-hops) cuts it at the hop limit with a 508 naming the chain's length; retries never
// multiply it.
const TOKENS = { fetchIdToken: () => Promise.resolve("token") };
const CALLER: Caller = {
  email: "fn@proj.iam.gserviceaccount.com",
  kind: "serviceAccount",
  platformVerified: false,
};
const FAST = { baseMs: 1, maxMs: 5 };

let logs: ReturnType<typeof captureLogs>;
const runtimes: Record<string, FunctionRuntime> = {};
const servers: http.Server[] = [];
const origins: Record<string, string> = {};
/** The hop count each handler run saw, in order: `a0`, `b1`, ... */
const runs: string[] = [];

/** a and b, each calling the other with its request's view of the client. */
function loopHandler(self: "a" | "b", other: "a" | "b") {
  return secured(
    async (req, res, { downstream }) => {
      runs.push(`${self}${String(req.headers[HOPS_HEADER] ?? 0)}`);
      const answer = await downstream.call(other, { method: "GET" });
      sendJson(res, 200, { function: self, other: answer.body });
    },
    { runtime: () => runtimes[self], verify: () => Promise.resolve(CALLER) },
  );
}

/** Both functions' runtimes, with `vars` on top of a working environment (retries on: they must not multiply). */
function configure(vars: Record<string, string> = {}): void {
  for (const [self, other] of [
    ["a", "b"],
    ["b", "a"],
  ] as const) {
    const env = readFunctionEnv({
      CALLGRAPH_FUNCTION: self,
      CALLGRAPH_SELF_URL: `${origins[self]}/`,
      CALLGRAPH_CALLEES: JSON.stringify({ [other]: `${origins[other]}/` }),
      CALLGRAPH_INVOKERS: JSON.stringify([`serviceAccount:${CALLER.email}`]),
      CALLGRAPH_CALL_RETRIES: "3",
      CALLGRAPH_WARM_START: "false",
      ...vars,
    });
    runtimes[self] = createFunctionRuntime(env, TOKENS);
  }
}

beforeAll(async () => {
  logs = captureLogs();
  functions.http("hop-a", loopHandler("a", "b"));
  functions.http("hop-b", loopHandler("b", "a"));
  for (const name of ["a", "b"]) {
    const server = getTestServer(`hop-${name}`);
    servers.push(server);
    origins[name] = `http://127.0.0.1:${await listen(server)}`;
  }
});
afterAll(async () => {
  logs.restore();
  await Promise.all(servers.map(close));
});
beforeEach(() => {
  runs.length = 0;
  configure();
});

async function get(headers: Record<string, string> = {}) {
  const res = await fetch(`${origins.a}/`, { headers: { authorization: "Bearer x", ...headers } });
  return {
    status: res.status,
    body: (await res.json()) as { error: string; hops?: number; callee?: string },
  };
}

describe("a call loop (a -> b -> a in code)", () => {
  test("is cut at the default hop limit of 10: 11 handler runs, then 508 naming the chain's length", async () => {
    const answer = await get();
    expect(answer.status).toBe(508);
    // Hop counts seen: 0 (from outside) up to 10; the 11th call is never sent. No retry anywhere (retries are 3).
    expect(runs).toEqual(["a0", "b1", "a2", "b3", "a4", "b5", "a6", "b7", "a8", "b9", "a10"]);
    expect(answer.body).toEqual({
      error:
        "b answered HTTP 508 (Loop Detected): the call chain through it was cut at 11 calls between functions, " +
        "over the hop limit (CALLGRAPH_MAX_HOPS). A chain that long is most likely a call loop in the code " +
        "(a -> b -> a): break the loop, or raise CALLGRAPH_MAX_HOPS on the functions of the chain if it is " +
        "meant to be this long.",
      hops: 11,
      callee: "b",
    });
    // Where it was cut, a's log says which call was not sent.
    expect(logs.lines.join("\n")).toContain(
      "a did not call b: the call chain would be 11 calls between functions long, over the hop limit of 10 (CALLGRAPH_MAX_HOPS)",
    );
  });

  test("CALLGRAPH_MAX_HOPS sets the limit", async () => {
    configure({ CALLGRAPH_MAX_HOPS: "3" });
    const answer = await get();
    expect([answer.status, answer.body.hops]).toEqual([508, 4]);
    expect(runs).toEqual(["a0", "b1", "a2", "b3"]);
  });

  test("a request arriving past the limit is refused with 508 before its handler runs", async () => {
    const answer = await get({ [HOPS_HEADER]: "11" });
    expect(answer.status).toBe(508);
    expect(runs).toEqual([]);
    expect(answer.body.error).toMatch(
      /^a refused the request: it ends a call chain 11 calls between functions long, over the hop limit of 10 \(CALLGRAPH_MAX_HOPS\)\. /,
    );
  });

  test("a request arriving at the limit runs, and makes no further call", async () => {
    const answer = await get({ [HOPS_HEADER]: "10" });
    expect([answer.status, answer.body.hops, runs]).toEqual([508, 11, ["a10"]]);
  });

  test.each(["-1", "1.5", "ten", "1, 2", "99999"])(
    "a malformed count (%j) is refused with 400",
    async (value) => {
      const answer = await get({ [HOPS_HEADER]: value });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/^x-callgraph-hops must be one whole number/);
      expect(runs).toEqual([]);
    },
  );

  test("a forged low count only restarts the count: the chain still ends at the limit", async () => {
    const answer = await get({ [HOPS_HEADER]: "0" });
    expect([answer.status, runs.length]).toEqual([508, 11]);
  });
});

describe("DownstreamClient: the hop count", () => {
  let callee: TestServer;
  beforeAll(async () => {
    callee = await startServer();
  });
  afterAll(() => callee.close());
  beforeEach(() => {
    callee.requests.length = 0;
    callee.reply = (_req, res) => json(res, 200, {});
  });

  const client = () =>
    new DownstreamClient({
      callees: { b: `${callee.origin}/b` },
      tokens: TOKENS,
      timeoutMs: 2000,
      retries: 3,
      caller: "a",
      maxHops: 10,
      backoff: FAST,
    });

  test("sends the request's count plus one; the code cannot set it", async () => {
    await client().call("b", { method: "GET" });
    await client()
      .forRequest(4)
      .call("b", { method: "GET", headers: { [HOPS_HEADER]: "0" } });
    expect(callee.requests.map((r) => r.headers[HOPS_HEADER])).toEqual(["1", "5"]);
  });

  test("requests served at once keep their own counts: the views share the client, not the count", async () => {
    const shared = client();
    await Promise.all(
      [shared.forRequest(2), shared.forRequest(7)].map((v) => v.call("b", { method: "GET" })),
    );
    expect(callee.requests.map((r) => r.headers[HOPS_HEADER]).sort()).toEqual(["3", "8"]);
  });

  test("refuses a call past the limit without any network", async () => {
    const call = client().forRequest(10).call("b", { method: "GET" });
    await expect(call).rejects.toMatchObject({ name: "HopLimitError", hops: 11, callee: "b" });
    expect(callee.requests).toHaveLength(0);
  });

  test("a callee's 508 is a HopLimitError at once, never retried", async () => {
    callee.reply = (_req, res) => json(res, 508, { error: "cut", hops: 11 });
    const call = client().call("b", { method: "GET" });
    await expect(call).rejects.toMatchObject({ name: "HopLimitError", hops: 11, callee: "b" });
    expect(callee.requests).toHaveLength(1);
  });

  test("errorAnswer maps it to 508 with the chain's length", () => {
    const answer = errorAnswer(HopLimitError.notSent("a", "b", 11, 10));
    expect([answer.status, answer.body.hops, answer.body.callee]).toEqual([508, 11, "b"]);
  });
});
