import { getTestServer } from "@google-cloud/functions-framework/testing";
import request from "supertest";
import "../fixtures/functions/relay";
import { startFakeCallee, type FakeCallee } from "./support/fake-callee";
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

// The relay fixture stands for any function of the tool's test topologies (tests/fixtures): it must call exactly
// what its function declares, and a cycle of relays (ping -> pong -> ping) must end.
const SELF = "https://us-central1-proj.cloudfunctions.net/hub";
const HUB_SA = "fn-hub@proj.iam.gserviceaccount.com";

let authority: TokenAuthority;
let metadata: MetadataServer;
let callees: FakeCallee[];
let token: string;
const restore: (() => void)[] = [];
let logs: ReturnType<typeof captureLogs>;
const server = getTestServer("relay");

beforeAll(async () => {
  useNodeFetchInGaxios();
  authority = await startTokenAuthority();
  metadata = await startMetadataServer(authority, HUB_SA);
  callees = await Promise.all(
    ["left", "right"].map((name) =>
      startFakeCallee({
        name,
        jwksUrl: authority.jwksUrl,
        callerSa: HUB_SA,
        answer: (query) => ({ status: 200, body: { name, depth: query.get("depth") } }),
      }),
    ),
  );
  restore.push(
    setEnv(metadataEnv(metadata)),
    useFunctionEnv({
      name: "hub",
      selfUrl: SELF,
      callees: Object.fromEntries(callees.map((c) => [c.url.split("/").pop()!, c.url])),
      invokers: ["group:developers@example.com"],
      jwksUrl: authority.jwksUrl,
    }),
  );
  token = await authority.mint("developers@example.com", SELF);
  logs = captureLogs();
});

afterAll(async () => {
  logs.restore();
  restore.reverse().forEach((r) => r());
  await Promise.all([...callees.map((c) => c.close()), metadata.close(), authority.close()]);
});

const get = (query: string) => request(server).get(`/${query}`).set("authorization", `Bearer ${token}`);

describe("the relay fixture", () => {
  test("asks every declared callee, one hop deeper, and answers what each said", async () => {
    const res = await get("");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      function: "hub",
      caller: "developers@example.com",
      depth: 0,
      answers: {
        left: { status: 200, body: { name: "left", depth: "1" } },
        right: { status: 200, body: { name: "right", depth: "1" } },
      },
    });
  });

  test("at the last hop it calls nothing, so a cycle of relays ends", async () => {
    const before = callees.map((c) => c.requests.length);
    const res = await get("?depth=3");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ depth: 3, answers: {} });
    expect(callees.map((c) => c.requests.length)).toEqual(before);
  });

  test.each(["?depth=-1", "?depth=1.5", "?depth=x"])(
    "GET %s -> 400 without calling anyone",
    async (query) => {
      const before = callees.map((c) => c.requests.length);
      expect((await get(query)).status).toBe(400);
      expect(callees.map((c) => c.requests.length)).toEqual(before);
    },
  );
});
