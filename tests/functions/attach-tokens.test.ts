import {
  CalleeRejectedError,
  createFunctionRuntime,
  DownstreamClient,
  MetadataIdTokenSource,
  readFunctionEnv,
  type IdTokenSource,
} from "../../functions/shared";
import { json, startServer, type TestServer } from "./support/loopback";
import { startMetadataFixture, type MetadataFixture, type MetadataServer } from "./support/token-authority";

// CALLGRAPH_ATTACH_TOKENS=false exists for the auth-cost benchmark: calls go out bare, and nothing is fetched.

const SA = "fn-login@proj.iam.gserviceaccount.com";

let metadata: MetadataServer;
let callee: TestServer;
let fixture: MetadataFixture;

beforeAll(async () => {
  fixture = await startMetadataFixture(SA);
  ({ metadata } = fixture);
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

function bareClient(tokens: IdTokenSource = new MetadataIdTokenSource()): DownstreamClient {
  return new DownstreamClient({
    callees: { profiles: `${callee.origin}/profiles` },
    tokens,
    attachTokens: false,
    timeoutMs: 2000,
    retries: 2,
    caller: "login",
  });
}

/** A token source that only counts: with tokens off it must never be asked. */
function countingSource(): IdTokenSource & { readonly asked: number } {
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    fetchIdToken: () => {
      asked += 1;
      return Promise.resolve("never-sent");
    },
  };
}

describe("DownstreamClient with attachTokens false", () => {
  test("sends no Authorization header and never asks the metadata server", async () => {
    const c = bareClient();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => c.call("profiles", { method: "GET" })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(callee.requests).toHaveLength(20);
    expect(callee.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
    expect(metadata.total()).toBe(0);
  });

  test("a caller-supplied Authorization header is not forwarded either", async () => {
    await bareClient().call("profiles", {
      method: "GET",
      headers: { Authorization: "Bearer someone-elses" },
    });
    expect(callee.requests[0].headers.authorization).toBeUndefined();
  });

  test("fail-closed: a private callee's 401 is final at once, with no refresh and no token fetched", async () => {
    callee.reply = (_req, res) => json(res, 401, {});
    const tokens = countingSource();
    let error: unknown;
    try {
      await bareClient(tokens).call("profiles", { method: "GET" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CalleeRejectedError);
    expect((error as CalleeRejectedError).message).toMatch(
      /^profiles refused a call without an ID token \(HTTP 401\): CALLGRAPH_ATTACH_TOKENS is "false" for login/,
    );
    expect(callee.requests).toHaveLength(1);
    expect(tokens.asked).toBe(0);
    expect(metadata.total()).toBe(0);
  });
});

describe("the function runtime reads CALLGRAPH_ATTACH_TOKENS", () => {
  const vars = (extra: Record<string, string>) => ({
    CALLGRAPH_FUNCTION: "login",
    CALLGRAPH_SELF_URL: `${callee.origin}/login`,
    CALLGRAPH_CALLEES: JSON.stringify({ profiles: `${callee.origin}/profiles` }),
    CALLGRAPH_INVOKERS: "[]",
    ...extra,
  });

  test('"false": the runtime\'s client calls bare and never asks its token source', async () => {
    const tokens = countingSource();
    const { downstream } = createFunctionRuntime(
      readFunctionEnv(vars({ CALLGRAPH_ATTACH_TOKENS: "false" })),
      tokens,
    );
    await downstream.call("profiles", { method: "GET" });
    expect(callee.requests[0].headers.authorization).toBeUndefined();
    expect(tokens.asked).toBe(0);
  });

  test("unset: the runtime's client attaches its token (the production default)", async () => {
    const tokens = countingSource();
    const { downstream } = createFunctionRuntime(readFunctionEnv(vars({})), tokens);
    await downstream.call("profiles", { method: "GET" });
    expect(callee.requests[0].headers.authorization).toBe("Bearer never-sent");
    expect(tokens.asked).toBe(1);
  });
});
