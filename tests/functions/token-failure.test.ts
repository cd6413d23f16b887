import {
  CalleeTokenError,
  classifyTokenFailure,
  createFunctionRuntime,
  MetadataIdTokenSource,
  readFunctionEnv,
  secured,
} from "../../functions/shared";
import { captureLogs } from "./support/function-env";
import { refusedOrigin, setEnv } from "./support/loopback";
import { startMetadataFixture, type MetadataFixture } from "./support/token-authority";

const SA = "fn-login@proj.iam.gserviceaccount.com";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImEifQ.c2ln";

/** An error as gaxios shapes it: the outer error, and the system error on its `cause` chain. */
const withCause = (cause: object, outer: object = {}) =>
  Object.assign(new Error("fetch failed"), outer, { cause: Object.assign(new Error("inner"), cause) });

describe("classifyTokenFailure: the cause class, for the caller's answer", () => {
  test.each<[string, unknown, string]>([
    [
      "the metadata server answered an error status (GaxiosError)",
      Object.assign(new Error("Request failed with status code 500"), { status: 500 }),
      "answered HTTP 500",
    ],
    [
      "a status only on the response",
      Object.assign(new Error("x"), { response: { status: 403 } }),
      "answered HTTP 403",
    ],
    [
      "connection refused (node-fetch)",
      Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
      "refused the connection",
    ],
    [
      "connection refused (undici, on the cause)",
      withCause({ code: "ECONNREFUSED" }),
      "refused the connection",
    ],
    [
      "gaxios' timeout",
      Object.assign(new Error("aborted"), { code: "TimeoutError" }),
      "did not answer in time",
    ],
    ["an AbortSignal timeout", withCause({ name: "TimeoutError" }), "did not answer in time"],
    ["undici's connect timeout", withCause({ code: "UND_ERR_CONNECT_TIMEOUT" }), "did not answer in time"],
    ["no such host", withCause({ code: "ENOTFOUND" }), "is unreachable"],
    ["no route", withCause({ code: "EHOSTUNREACH" }), "is unreachable"],
    ["anything else", new Error("the metadata server returned no ID token"), "gave no usable ID token"],
    ["not even an Error", "boom", "gave no usable ID token"],
  ])("%s: %s", (_name, error, reason) => {
    expect(classifyTokenFailure(error).reason).toBe(reason);
  });

  test("the detail (for the log) keeps the codes and messages, bounded, with any token redacted", () => {
    const failure = classifyTokenFailure(
      withCause({ code: "ECONNREFUSED", message: `connect ECONNREFUSED ${JWT}` }),
    );
    expect(failure.detail).toBe("fetch failed <- ECONNREFUSED: connect ECONNREFUSED [token]");
    expect(classifyTokenFailure(new Error("x".repeat(5000))).detail.length).toBeLessThanOrEqual(501);
  });

  test("a cyclic cause chain ends", () => {
    const a: { message: string; cause?: unknown } = { message: "a" };
    a.cause = a;
    expect(classifyTokenFailure(a).reason).toBe("gave no usable ID token");
  });
});

describe("CalleeTokenError: the caller learns the callee and the class, the log the details", () => {
  test("message names the callee and the class, never the audience, the metadata URL or a body", () => {
    const error = new CalleeTokenError(
      "profiles",
      "https://us-central1-p.cloudfunctions.net/profiles",
      Object.assign(
        new Error("Could not fetch ID token: http://169.254.169.254/computeMetadata/... secret body"),
        {
          status: 502,
        },
      ),
    );
    expect(error.message).toBe(
      "could not get an ID token to call profiles: the metadata server answered HTTP 502. " +
        "On Cloud Functions the metadata server provides it; elsewhere set GCE_METADATA_HOST (as `npm start` does).",
    );
    expect(error.detail).toContain("169.254.169.254");
  });
});

describe("a function whose token fetch fails, through google-auth-library's real path", () => {
  let fixture: MetadataFixture;
  let logs: ReturnType<typeof captureLogs>;
  beforeAll(async () => {
    fixture = await startMetadataFixture(SA);
    logs = captureLogs();
  });
  afterAll(async () => {
    logs.restore();
    await fixture.close();
  });

  /** A secured function that calls `profiles`, run as a plain request handler; returns its JSON answer. */
  async function callThroughFunction(): Promise<{ status: number; body: Record<string, unknown> }> {
    const env = readFunctionEnv({
      CALLGRAPH_FUNCTION: "login",
      CALLGRAPH_SELF_URL: "http://127.0.0.1/login",
      CALLGRAPH_CALLEES: JSON.stringify({ profiles: "http://127.0.0.1:9/profiles" }),
      CALLGRAPH_INVOKERS: "[]",
    });
    const runtime = createFunctionRuntime(env, new MetadataIdTokenSource());
    const handler = secured(
      async (_req, res, { downstream }) => {
        await downstream.call("profiles", { method: "GET" });
        res.status(200).end();
      },
      { runtime: () => runtime, verify: async () => ({ kind: "anonymous", platformVerified: false }) },
    );
    let status = 0;
    let body: Record<string, unknown> = {};
    const res = {
      headersSent: false,
      status(code: number) {
        status = code;
        return res;
      },
      set() {
        return res;
      },
      json(value: Record<string, unknown>) {
        body = value;
        return res;
      },
      end() {
        return res;
      },
    };
    const req = { get: () => undefined, headers: {} };
    await handler(req as never, res as never);
    return { status, body };
  }

  test("the metadata server answers 500 with a body: 503 naming profiles and the status, body only in the log", async () => {
    fixture.metadata.failWith = 500;
    logs.lines.length = 0;
    try {
      const answer = await callThroughFunction();
      expect(answer).toEqual({
        status: 503,
        body: {
          callee: "profiles",
          error: expect.stringMatching(
            /^could not get an ID token to call profiles: the metadata server answered HTTP 500\./,
          ),
        },
      });
      expect(JSON.stringify(answer)).not.toContain(fixture.metadata.host);
      expect(JSON.stringify(answer)).not.toContain("no token for you");
      const entry = JSON.parse(logs.lines.find((l) => l.includes('"detail"'))!) as Record<string, string>;
      expect(entry).toMatchObject({ severity: "ERROR", callee: "profiles" });
      expect(entry.detail).toContain("HTTP 500: ");
    } finally {
      fixture.metadata.failWith = undefined;
    }
  });

  test("the metadata server refuses connections: 503 naming profiles and 'refused'", async () => {
    const refused = new URL(await refusedOrigin()).host;
    const restore = setEnv({ GCE_METADATA_HOST: refused });
    try {
      const answer = await callThroughFunction();
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatch(/the metadata server refused the connection\./);
      expect(JSON.stringify(answer)).not.toContain(refused);
    } finally {
      restore();
    }
  });
});
