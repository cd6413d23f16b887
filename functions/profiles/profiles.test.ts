import { getTestServer } from "@google-cloud/functions-framework/testing";
import request from "supertest";
import { MAX_RESULTS, searchProfiles } from "./directory";
import "./index";
import { captureLogs, useFunctionEnv } from "../../tests/functions/support/function-env";
import { startTokenAuthority, type TokenAuthority } from "../../tests/functions/support/token-authority";

const SELF = "https://us-central1-proj.cloudfunctions.net/profiles";
const LOGIN_SA = "fn-login@proj.iam.gserviceaccount.com";

let authority: TokenAuthority;
let restoreEnv: () => void;
let logs: ReturnType<typeof captureLogs>;
let token: string;
const server = getTestServer("profiles");

beforeAll(async () => {
  authority = await startTokenAuthority();
  restoreEnv = useFunctionEnv({
    name: "profiles",
    selfUrl: SELF,
    invokers: [`serviceAccount:${LOGIN_SA}`],
    jwksUrl: authority.jwksUrl,
  });
  token = await authority.mint(LOGIN_SA, SELF);
  logs = captureLogs();
});

afterAll(async () => {
  logs.restore();
  restoreEnv();
  await authority.close();
});

const get = (query: string) => request(server).get(`/${query}`).set("authorization", `Bearer ${token}`);

describe("profiles", () => {
  test.each<[string, number, unknown]>([
    ["?username=alice", 200, { username: "alice", displayName: "Alice Liddell", team: "Identity" }],
    ["?username=ALICE", 200, { username: "alice" }],
    ["?username=nobody", 404, { error: 'no profile for username "nobody"' }],
    ["?q=zzz", 200, { results: [] }],
    ["", 400, { error: "give ?username=<username> for one profile or ?q=<prefix> to search" }],
    ["?q=", 400, { error: '"q" must be 1 to 100 characters' }],
    ["?username=%20", 400, { error: '"username" must be 1 to 100 characters' }],
    ["?q=a&q=b", 400, { error: 'query parameter "q" must be given once, as a plain string' }],
  ])("GET %s -> %i", async (query, status, body) => {
    const res = await get(query);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject(body as object);
  });

  test.each(["al", "AL", "aL"])(
    "?q=%s matches usernames and display names by prefix, case-insensitively",
    async (q) => {
      const res = await get(`?q=${q}`);
      expect(res.status).toBe(200);
      // alice by username and display name, aturing by display name ("Alan Turing").
      expect(res.body.results.map((p: { username: string }) => p.username)).toEqual(["alice", "aturing"]);
    },
  );

  test("search results are capped", () => {
    expect(searchProfiles("").length).toBeLessThanOrEqual(MAX_RESULTS);
  });

  test.each(["post", "put", "delete"] as const)("%s -> 405 with Allow: GET", async (method) => {
    const res = await request(server)[method]("/?username=alice").set("authorization", `Bearer ${token}`);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET");
  });

  test("no token -> 401 with WWW-Authenticate, before anything else", async () => {
    const res = await request(server).post("/");
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
    expect(res.body.error).toMatch(/^profiles requires an ID token/);
  });

  test("a valid token of an undeclared service account -> 403", async () => {
    const other = await authority.mint("fn-search@proj.iam.gserviceaccount.com", SELF);
    const res = await request(server).get("/?username=alice").set("authorization", `Bearer ${other}`);
    expect(res.status).toBe(403);
    expect(res.body.error).toContain("is not a declared caller of profiles");
  });

  test("logs never contain a token", () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const t of authority.issued) expect(logs.lines.join("\n")).not.toContain(t);
  });
});
