// The module object itself (not an interop copy), so the spy sees the function's calls.
import crypto = require("node:crypto");
import { getTestServer } from "@google-cloud/functions-framework/testing";
import request from "supertest";
import { startCallerHarness, type CallerHarness } from "../../tests/functions/support/caller-harness";
import type { FakeCallee } from "../../tests/functions/support/fake-callee";
import "./index";
import { useFunctionEnv, type FunctionEnvVars } from "../../tests/functions/support/function-env";
import { refusedOrigin } from "../../tests/functions/support/loopback";
import type { MetadataServer, TokenAuthority } from "../../tests/functions/support/token-authority";

const SELF = "https://us-central1-proj.cloudfunctions.net/login";
const LOGIN_SA = "fn-login@proj.iam.gserviceaccount.com";
const DEVELOPER = "developers@example.com";
// What the stand-in for profiles knows: login must hand back the profile profiles gave it.
const PROFILES: Record<string, { username: string; displayName: string }> = {
  alice: { username: "alice", displayName: "Alice Liddell" },
  bob: { username: "bob", displayName: "Bob Martinez" },
  carol: { username: "carol", displayName: "Carol Nguyen" },
};

let authority: TokenAuthority;
let metadata: MetadataServer;
let profiles: FakeCallee;
let vars: FunctionEnvVars;
let token: string;
let logs: CallerHarness["logs"];
let harness: CallerHarness;
const server = getTestServer("login");

beforeAll(async () => {
  harness = await startCallerHarness({
    name: "login",
    selfUrl: SELF,
    serviceAccount: LOGIN_SA,
    invokers: ["group:developers@example.com"],
    caller: DEVELOPER,
    callees: {
      profiles: (query) => {
        const profile = PROFILES[query.get("username") ?? ""];
        return profile ? { status: 200, body: profile } : { status: 404, body: { error: "no profile" } };
      },
    },
  });
  ({ authority, metadata, vars, token, logs } = harness);
  profiles = harness.callees.profiles!;
});

afterAll(() => harness.close());

beforeEach(() => {
  profiles.mode = "normal";
});

const post = (body: string | object | undefined, type = "application/json") => {
  const req = request(server).post("/").set("authorization", `Bearer ${token}`);
  if (body === undefined) return req;
  return req.set("content-type", type).send(typeof body === "string" ? body : JSON.stringify(body));
};

describe("login", () => {
  test.each([
    ["alice", "wonderland", "Alice Liddell"],
    ["bob", "builder", "Bob Martinez"],
    ["carol", "singer", "Carol Nguyen"],
  ])("%s logs in and gets the profile from profiles", async (username, password, displayName) => {
    const res = await post({ username, password });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ username, profile: expect.objectContaining({ username, displayName }) });
  });

  test("many logins cost one metadata token fetch for profiles", async () => {
    metadata.identityRequests.clear();
    for (let i = 0; i < 5; i++)
      expect((await post({ username: "alice", password: "wonderland" })).status).toBe(200);
    expect([...metadata.identityRequests.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    expect(profiles.requests.at(-1)!.url).toBe("/profiles?username=alice");
  });

  test.each([
    ["a wrong password", { username: "alice", password: "looking-glass" }],
    ["an unknown username", { username: "mallory", password: "wonderland" }],
    ["another user's password", { username: "bob", password: "wonderland" }],
  ])("%s -> 401 with the same message", async (_name, body) => {
    const before = profiles.requests.length;
    const res = await post(body);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "invalid username or password" });
    expect(profiles.requests.length).toBe(before);
  });

  test("an unknown username still costs one scrypt, like a known one", async () => {
    const scrypt = jest.spyOn(crypto, "scrypt");
    try {
      await post({ username: "mallory", password: "x" });
      await post({ username: "alice", password: "x" });
      expect(scrypt).toHaveBeenCalledTimes(2);
    } finally {
      scrypt.mockRestore();
    }
  });

  // Every row has all three values: jest passes `done` in place of a missing trailing argument.
  test.each<[string, string | object | undefined, string]>([
    ["no body", undefined, "application/json"],
    ["a text body", "alice:wonderland", "text/plain"],
    ["a JSON array", ["alice", "wonderland"], "application/json"],
    ["no password", { username: "alice" }, "application/json"],
    ["an empty username", { username: "", password: "wonderland" }, "application/json"],
    ["a numeric username", { username: 42, password: "wonderland" }, "application/json"],
    ["a too long username", { username: "a".repeat(65), password: "wonderland" }, "application/json"],
  ])("%s -> 400 saying what to send", async (_name, body, type) => {
    const res = await post(body, type);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/send a JSON body \{"username": "...", "password": "..."\}/);
  });

  test("malformed JSON -> 400 (from the framework's body parser, before the handler)", async () => {
    expect((await post("{username:", "application/json")).status).toBe(400);
  });

  test("GET -> 405", async () => {
    const res = await request(server).get("/").set("authorization", `Bearer ${token}`);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("POST");
  });

  test("no token -> 401; a token for another function -> 401", async () => {
    expect((await request(server).post("/").send({ username: "alice", password: "wonderland" })).status).toBe(
      401,
    );
    const other = await authority.mint(DEVELOPER, "https://us-central1-proj.cloudfunctions.net/search");
    expect(
      (
        await request(server)
          .post("/")
          .set("authorization", `Bearer ${other}`)
          .send({ username: "alice", password: "wonderland" })
      ).status,
    ).toBe(401);
  });

  test.each([
    [
      "profiles answers 503 (after retries)",
      "failing",
      503,
      /^profiles is unavailable: it answered HTTP 503 \(3 attempts\)/,
    ],
    ["profiles refuses login's identity", "forbidden", 502, /^login's identity may not invoke profiles/],
  ] as const)("%s -> an error naming profiles", async (_name, mode, status, message) => {
    profiles.mode = mode;
    const res = await post({ username: "alice", password: "wonderland" });
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: expect.stringMatching(message), callee: "profiles" });
  });

  test("profiles not running (connection refused) -> 503 naming profiles", async () => {
    const undo = useFunctionEnv({ ...vars, callees: { profiles: `${await refusedOrigin()}/profiles` } });
    try {
      const res = await post({ username: "alice", password: "wonderland" });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: expect.stringContaining("profiles is unavailable: the request failed (ECONNREFUSED)"),
        callee: "profiles",
      });
    } finally {
      undo(); // back to `vars`, with a fresh runtime
    }
  });

  test("profiles hanging -> 504 naming profiles, within the timeout", async () => {
    const undo = useFunctionEnv({ ...vars, timeoutMs: 200, retries: 0 });
    profiles.mode = "hanging";
    try {
      const started = Date.now();
      const res = await post({ username: "alice", password: "wonderland" });
      expect(res.status).toBe(504);
      expect(res.body).toEqual({
        error: expect.stringContaining("no answer within 200 ms"),
        callee: "profiles",
      });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      undo(); // back to `vars`, with a fresh runtime
    }
  });

  test("a bad environment -> 500 without internals; the log names the variable", async () => {
    const undo = useFunctionEnv({ ...vars }, { CALLGRAPH_CALLEES: "{not json" });
    try {
      const res = await post({ username: "alice", password: "wonderland" });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: "the function is misconfigured; see its logs" });
      expect(logs.lines.at(-1)).toContain("CALLGRAPH_CALLEES must be");
    } finally {
      undo(); // back to `vars`, with a fresh runtime
    }
  });

  test("logs never contain a token", () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    const text = logs.lines.join("\n");
    for (const t of authority.issued) expect(text).not.toContain(t);
    expect(text).not.toContain("wonderland");
  });
});
