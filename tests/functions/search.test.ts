import { getTestServer } from "@google-cloud/functions-framework/testing";
import request from "supertest";
import "../../functions/search";
import { startFakeProfiles } from "./support/fake-profiles";
import { captureLogs, useFunctionEnv } from "./support/function-env";
import { setEnv } from "./support/loopback";
import {
  metadataEnv,
  startMetadataServer,
  startTokenAuthority,
  useNodeFetchInGaxios,
  type MetadataServer,
  type TokenAuthority,
} from "./support/token-authority";

const SELF = "https://us-central1-proj.cloudfunctions.net/search";
const SEARCH_SA = "fn-search@proj.iam.gserviceaccount.com";

let authority: TokenAuthority;
let metadata: MetadataServer;
let profiles: Awaited<ReturnType<typeof startFakeProfiles>>;
let token: string;
const restore: (() => void)[] = [];
let logs: ReturnType<typeof captureLogs>;
const server = getTestServer("search");

beforeAll(async () => {
  useNodeFetchInGaxios();
  authority = await startTokenAuthority();
  metadata = await startMetadataServer(authority, SEARCH_SA);
  profiles = await startFakeProfiles(authority.jwksUrl, SEARCH_SA);
  restore.push(
    setEnv(metadataEnv(metadata)),
    useFunctionEnv({
      name: "search",
      selfUrl: SELF,
      callees: { profiles: profiles.url },
      invokers: ["user:dev@example.com"],
      jwksUrl: authority.jwksUrl,
      timeoutMs: 300,
    }),
  );
  token = await authority.mint("dev@example.com", SELF);
  logs = captureLogs();
});

afterAll(async () => {
  logs.restore();
  restore.reverse().forEach((r) => r());
  await Promise.all([profiles.close(), metadata.close(), authority.close()]);
});

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
