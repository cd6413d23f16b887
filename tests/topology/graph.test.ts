import {
  callersOf,
  edges,
  ENV,
  functionEnvironment,
  functionUrls,
  getFunction,
  invokerMembers,
  isPublic,
  isPublicMember,
  memberProblem,
  parseTopology,
  PUBLIC_MEMBERS,
  type Topology,
} from "../../topology";
import { happyPath, TARGET, withFunction } from "./helpers";

const URL_BASE = "https://us-central1-callgraph-test.cloudfunctions.net";
/** These tests write 1st-gen URLs and limits out byte for byte: the stack's generation is set to 1. */
const GEN1 = { defaultGeneration: 1 } as const;
const SA = (id: string) => `serviceAccount:${id}@callgraph-test.iam.gserviceaccount.com`;

/** The happy path plus a cycle (ping <-> pong) and a public function. */
function sample(): Topology {
  return parseTopology(
    {
      ...happyPath(),
      ping: { calls: ["pong", "profiles"] },
      pong: { calls: ["ping"], invokers: ["allAuthenticatedUsers"] },
      status: { invokers: ["allUsers", "group:developers@example.com"] },
    },
    GEN1,
  );
}

describe("getFunction", () => {
  test("returns the declared function", () => {
    expect(getFunction(sample(), "login")).toMatchObject({ name: "login", calls: ["profiles"] });
  });

  test("throws on an unknown name", () => {
    expect(() => getFunction(sample(), "profile")).toThrow(
      new Error('no function named "profile" in the topology'),
    );
  });

  test.each([
    ["invokerMembers", (t: Topology) => invokerMembers(t, "nowhere", TARGET.project)],
    ["functionEnvironment", (t: Topology) => functionEnvironment(t, "nowhere", TARGET)],
  ])("%s throws on an unknown name too", (_label, call) => {
    expect(() => call(sample())).toThrow('no function named "nowhere" in the topology');
  });
});

describe("edges", () => {
  test("lists every declared edge, sorted by caller then callee", () => {
    expect(edges(sample())).toEqual([
      { from: "login", to: "profiles" },
      { from: "ping", to: "pong" },
      { from: "ping", to: "profiles" },
      { from: "pong", to: "ping" },
      { from: "search", to: "profiles" },
    ]);
  });

  test("is empty for a graph without calls", () => {
    expect(edges(parseTopology({ a: {}, b: {} }))).toEqual([]);
  });
});

describe("callersOf", () => {
  test.each([
    ["profiles", ["login", "ping", "search"]],
    ["ping", ["pong"]],
    ["pong", ["ping"]],
    ["login", []],
    ["status", []],
  ])("%s is called by %j", (name, callers) => {
    expect(callersOf(sample(), name)).toEqual(callers);
  });
});

describe("isPublic", () => {
  test.each([
    ["status", true], // allUsers
    ["pong", true], // allAuthenticatedUsers is as public as allUsers
    ["login", false], // a group only
    ["profiles", false], // callers only
  ])("%s -> %s", (name, expected) => {
    expect(isPublic(getFunction(sample(), name))).toBe(expected);
  });

  test("isPublicMember knows exactly the two public members", () => {
    expect(PUBLIC_MEMBERS).toEqual(["allUsers", "allAuthenticatedUsers"]);
    expect(["allUsers", "allAuthenticatedUsers"].map(isPublicMember)).toEqual([true, true]);
    expect(["allusers", "domain:example.com", "group:all@example.com", ""].map(isPublicMember)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  test("memberProblem accepts valid members and explains invalid ones", () => {
    expect(memberProblem("user:alice@example.com")).toBeUndefined();
    expect(memberProblem("allAuthenticatedUsers")).toBeUndefined();
    expect(memberProblem("domain:example")).toBe('"example" is not a domain');
  });
});

describe("invokerMembers", () => {
  test.each([
    ["profiles", [SA("fn-login"), SA("fn-ping"), SA("fn-search")]],
    ["login", ["group:developers@example.com"]],
    ["ping", [SA("fn-pong")]],
    ["pong", ["allAuthenticatedUsers", SA("fn-ping")]],
    ["status", ["allUsers", "group:developers@example.com"]],
  ])("%s may be invoked by exactly %j", (name, members) => {
    expect(invokerMembers(sample(), name, TARGET.project)).toEqual(members);
  });

  test("a caller's account that is also declared as an invoker appears once", () => {
    const topology = parseTopology(withFunction("profiles", { invokers: [SA("fn-login")] }));
    expect(invokerMembers(topology, "profiles", TARGET.project)).toEqual([SA("fn-login"), SA("fn-search")]);
  });

  test("uses the project it is given", () => {
    expect(invokerMembers(sample(), "ping", "other-project")).toEqual([
      "serviceAccount:fn-pong@other-project.iam.gserviceaccount.com",
    ]);
  });
});

describe("functionUrls", () => {
  test("gives every function's URL by name", () => {
    expect(functionUrls(parseTopology(happyPath(), GEN1), TARGET)).toEqual({
      login: `${URL_BASE}/login`,
      profiles: `${URL_BASE}/profiles`,
      search: `${URL_BASE}/search`,
    });
  });
});

describe("functionEnvironment", () => {
  test("uses these variable names", () => {
    expect(ENV).toEqual({
      function: "CALLGRAPH_FUNCTION",
      selfUrl: "CALLGRAPH_SELF_URL",
      callees: "CALLGRAPH_CALLEES",
      invokers: "CALLGRAPH_INVOKERS",
    });
  });

  test.each([
    [
      "a caller",
      "ping",
      {
        CALLGRAPH_FUNCTION: "ping",
        CALLGRAPH_SELF_URL: `${URL_BASE}/ping`,
        CALLGRAPH_CALLEES: `{"pong":"${URL_BASE}/pong","profiles":"${URL_BASE}/profiles"}`,
        CALLGRAPH_INVOKERS: `["${SA("fn-pong")}"]`,
        // 1st gen's limit on request bodies (https://cloud.google.com/functions/quotas).
        CALLGRAPH_MAX_REQUEST_BYTES: "10485760",
        // Not public: Google enforces its invoker grant, so a token whose signature Google stripped is accepted.
        CALLGRAPH_PLATFORM_VERIFIES_TOKENS: "true",
      },
    ],
    [
      "a callee",
      "profiles",
      {
        CALLGRAPH_FUNCTION: "profiles",
        CALLGRAPH_SELF_URL: `${URL_BASE}/profiles`,
        CALLGRAPH_CALLEES: "{}",
        CALLGRAPH_INVOKERS: `["${SA("fn-login")}","${SA("fn-ping")}","${SA("fn-search")}"]`,
        CALLGRAPH_MAX_REQUEST_BYTES: "10485760",
        CALLGRAPH_PLATFORM_VERIFIES_TOKENS: "true",
      },
    ],
    [
      "a public function",
      "status",
      {
        CALLGRAPH_FUNCTION: "status",
        CALLGRAPH_SELF_URL: `${URL_BASE}/status`,
        CALLGRAPH_CALLEES: "{}",
        CALLGRAPH_INVOKERS: '["allUsers","group:developers@example.com"]',
        // Public: nobody checked the caller's token before the code, so no stripped token is ever accepted.
        CALLGRAPH_MAX_REQUEST_BYTES: "10485760",
      },
    ],
  ])("of %s (%s) is exactly this, byte for byte", (_label, name, env) => {
    expect(functionEnvironment(sample(), name, TARGET)).toEqual(env);
  });

  test("is byte-identical whatever order calls were declared in", () => {
    const a = parseTopology(withFunction("login", { calls: ["search", "profiles"] }), GEN1);
    const b = parseTopology(withFunction("login", { calls: ["profiles", "search"] }), GEN1);
    expect(functionEnvironment(a, "login", TARGET)).toEqual(functionEnvironment(b, "login", TARGET));
    expect(functionEnvironment(a, "login", TARGET)[ENV.callees]).toBe(
      `{"profiles":"${URL_BASE}/profiles","search":"${URL_BASE}/search"}`,
    );
  });
});
