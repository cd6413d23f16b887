import { getTestServer } from "@google-cloud/functions-framework/testing";
import request from "supertest";
import { startCallerHarness, type CallerHarness } from "../../tests/functions/support/caller-harness";
import type { FakeCallee } from "../../tests/functions/support/fake-callee";
import "./index";
import type { MetadataServer, TokenAuthority } from "../../tests/functions/support/token-authority";

const SELF = "https://us-central1-proj.cloudfunctions.net/search";
const SEARCH_SA = "fn-search@proj.iam.gserviceaccount.com";
// What the stand-in for profiles knows; it matches usernames and display names by prefix, as profiles does.
const PEOPLE = [
  { username: "alice", displayName: "Alice Liddell" },
  { username: "aturing", displayName: "Alan Turing" },
  { username: "bob", displayName: "Bob Martinez" },
  { username: "grace", displayName: "Grace Hopper" },
];
const startsWith = (text: string, prefix: string) => text.toLowerCase().startsWith(prefix.toLowerCase());

let authority: TokenAuthority;
let metadata: MetadataServer;
let profiles: FakeCallee;
let token: string;
let logs: CallerHarness["logs"];
let harness: CallerHarness;
const server = getTestServer("search");

beforeAll(async () => {
  harness = await startCallerHarness({
    name: "search",
    selfUrl: SELF,
    serviceAccount: SEARCH_SA,
    invokers: ["user:dev@example.com"],
    caller: "dev@example.com",
    timeoutMs: 300,
    callees: {
      profiles: (query) => {
        const q = query.get("q") ?? "";
        const results = PEOPLE.filter((p) => startsWith(p.username, q) || startsWith(p.displayName, q));
        return { status: 200, body: { results } };
      },
    },
  });
  ({ authority, metadata, token, logs } = harness);
  profiles = harness.callees.profiles!;
});

afterAll(() => harness.close());

beforeEach(() => {
  profiles.mode = "normal";
});

const get = (query: string) => request(server).get(`/${query}`).set("authorization", `Bearer ${token}`);

describe("search", () => {
  test.each<[string, string, string[]]>([
    ["?q=al", "al", ["alice", "aturing"]],
    ["?q=%20Gr%20", "Gr", ["grace"]],
    ["?q=zzz", "zzz", []],
  ])("GET %s asks profiles and answers { query, results }", async (query, q, usernames) => {
    const res = await get(query);
    expect(res.status).toBe(200);
    expect(res.body.query).toBe(q);
    expect(res.body.results.map((p: { username: string }) => p.username)).toEqual(usernames);
    expect(profiles.requests.at(-1)!.url).toBe(`/profiles?q=${encodeURIComponent(q)}`);
  });

  test.each(["", "?q=", "?q=%20", `?q=${"a".repeat(101)}`, "?q=a&q=b"])(
    "GET %s -> 400 without calling profiles",
    async (query) => {
      const before = profiles.requests.length;
      const res = await get(query);
      expect(res.status).toBe(400);
      expect(profiles.requests.length).toBe(before);
    },
  );

  test("POST -> 405", async () => {
    const res = await request(server).post("/?q=al").set("authorization", `Bearer ${token}`);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET");
  });

  test("a user that is not an invoker -> 403; no token -> 401", async () => {
    const outsider = await authority.mint("outsider@example.com", SELF);
    expect((await request(server).get("/?q=al").set("authorization", `Bearer ${outsider}`)).status).toBe(403);
    expect((await request(server).get("/?q=al")).status).toBe(401);
  });

  test.each([
    ["failing", 503, /^profiles is unavailable: it answered HTTP 503 \(3 attempts\)/],
    ["hanging", 504, /^profiles is unavailable: no answer within 300 ms \(3 attempts\)/],
    ["forbidden", 502, /^search's identity may not invoke profiles/],
    ["garbage", 502, /^profiles answered HTTP 200 without a results list/],
  ] as const)("profiles %s -> an error naming profiles", async (mode, status, message) => {
    profiles.mode = mode;
    const res = await get("?q=al");
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: expect.stringMatching(message), callee: "profiles" });
  });

  test("one metadata token fetch for all of this file's calls to profiles", () => {
    expect(metadata.identityRequests).toEqual(new Map([[profiles.url, 1]]));
  });

  test("logs never contain a token", () => {
    for (const t of authority.issued) expect(logs.lines.join("\n")).not.toContain(t);
  });
});
