import { getTestServer } from "@google-cloud/functions-framework/testing";
import request from "supertest";
import "../fixtures/functions/relay";
import { startCallerHarness, type CallerHarness } from "./support/caller-harness";
import type { CalleeAnswer, FakeCallee } from "./support/fake-callee";

// The relay fixture stands for any function of the tool's test topologies (tests/fixtures): it must call exactly
// what its function declares, and a cycle of relays (ping -> pong -> ping) must end.
const SELF = "https://us-central1-proj.cloudfunctions.net/hub";
const HUB_SA = "fn-hub@proj.iam.gserviceaccount.com";

let callees: FakeCallee[];
let token: string;
let harness: CallerHarness;
const server = getTestServer("relay");

beforeAll(async () => {
  harness = await startCallerHarness({
    name: "hub",
    selfUrl: SELF,
    serviceAccount: HUB_SA,
    invokers: ["group:developers@example.com"],
    caller: "developers@example.com",
    callees: Object.fromEntries(
      ["left", "right"].map((name): [string, CalleeAnswer] => [
        name,
        (query) => ({ status: 200, body: { name, depth: query.get("depth") } }),
      ]),
    ),
  });
  ({ token } = harness);
  callees = Object.values(harness.callees);
});

afterAll(() => harness.close());

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
