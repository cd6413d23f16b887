import {
  acceptedRuntimes,
  DEFAULT_RUNTIME,
  esbuildTarget,
  NODE_RUNTIMES,
  parseTopology,
  runtimeWarnings,
  type TopologyIssue,
} from "../../topology";
import { expectRejected, happyPath, withFunction } from "./helpers";

const issue = (path: string, message: string): TopologyIssue => ({ path, message });
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
// The day this table was last checked against Google's pages: nodejs20 is gone, nodejs22 not yet deprecated.
const TODAY = day("2026-12-02");
const at = (today: Date) => ({ today });

describe("the runtime table (Google's runtime support pages)", () => {
  const row = (generation: 1 | 2, runtime: string) =>
    NODE_RUNTIMES.find((r) => r.generation === generation && r.runtime === runtime);

  test.each([
    // generation, runtime, deprecated, decommissioned
    [1, "nodejs22", "2027-04-30", "2027-10-31"],
    [2, "nodejs22", "2027-04-30", "2027-10-31"],
    // RevenueCat/firestore-revenuecat-purchases#116: 1st gen nodejs20 deprecated 2026-04-30, gone 2026-10-30.
    [1, "nodejs20", "2026-04-30", "2026-10-30"],
    [2, "nodejs20", "2026-04-30", "2026-10-30"],
    [1, "nodejs18", "2025-04-30", "2025-10-30"],
    [1, "nodejs16", "2024-01-30", "2025-01-30"],
  ] as const)("%s gen %s: deprecated %s, decommissioned %s", (generation, runtime, deprecated, gone) => {
    expect(row(generation, runtime)).toMatchObject({ deprecated, decommissioned: gone });
    expect(row(generation, runtime)?.source).toMatch(/^https:\/\/cloud\.google\.com\/functions\//);
  });

  test("nodejs24 is offered by 2nd gen only", () => {
    expect(row(2, "nodejs24")).toBeDefined();
    expect(row(1, "nodejs24")).toBeUndefined();
  });

  test("one row per generation and runtime, every date a real YYYY-MM-DD, deprecation before decommission", () => {
    const keys = NODE_RUNTIMES.map((r) => `${r.generation}:${r.runtime}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of NODE_RUNTIMES) {
      for (const date of [r.deprecated, r.decommissioned].filter((d) => d !== undefined))
        expect(new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(date);
      if (r.deprecated && r.decommissioned) expect(r.deprecated < r.decommissioned).toBe(true);
    }
  });

  test.each([
    [1, TODAY, ["nodejs22"]],
    [2, TODAY, ["nodejs22", "nodejs24"]],
    [1, day("2026-10-29"), ["nodejs20", "nodejs22"]],
    [1, day("2026-10-30"), ["nodejs22"]],
  ] as const)("gen %s on %s accepts %j", (generation, today, accepted) => {
    expect(acceptedRuntimes(generation, today)).toEqual(accepted);
  });

  test.each([
    ["nodejs22", "node22"],
    ["nodejs24", "node24"],
    ["nodejs20", "node20"],
  ])("the bundle of %s targets %s", (runtime, target) => {
    expect(esbuildTarget(runtime)).toBe(target);
  });

  test("a runtime that is not Node.js has no esbuild target", () => {
    expect(() => esbuildTarget("python312")).toThrow('not a Node.js runtime: "python312"');
  });
});

describe("runtime validation", () => {
  test("the default is nodejs22 in both generations", () => {
    expect(DEFAULT_RUNTIME).toBe("nodejs22");
    const topology = parseTopology({ a: { generation: 1 }, b: {} }, at(TODAY));
    expect(topology.functions.map((f) => [f.name, f.generation, f.runtime])).toEqual([
      ["a", 1, "nodejs22"],
      ["b", 2, "nodejs22"],
    ]);
  });

  test("a function's runtime overrides the stack-wide callgraph:runtime", () => {
    const topology = parseTopology(
      { a: { runtime: "nodejs22" }, b: {} },
      { defaultGeneration: 2, defaultRuntime: "nodejs24", today: TODAY },
    );
    expect(topology.functions.map((f) => f.runtime)).toEqual(["nodejs22", "nodejs24"]);
  });

  test.each([
    [
      "a 2nd-gen-only runtime on 1st gen",
      withFunction("login", { calls: ["profiles"], runtime: "nodejs24" }),
      { defaultGeneration: 1 },
      [
        issue(
          "functions.login.runtime",
          '"nodejs24" is not offered by Cloud Functions 1st gen (1st gen accepts: nodejs22)',
        ),
      ],
    ],
    [
      "a decommissioned runtime",
      withFunction("search", { calls: ["profiles"], runtime: "nodejs20" }),
      { defaultGeneration: 1 },
      [
        issue(
          "functions.search.runtime",
          '"nodejs20" was decommissioned on Cloud Functions 1st gen on 2026-10-30 and can no longer be deployed (1st gen accepts: nodejs22)',
        ),
      ],
    ],
    [
      "a decommissioned runtime on 2nd gen",
      withFunction("profiles", { generation: 2, runtime: "nodejs18" }),
      {},
      [
        issue(
          "functions.profiles.runtime",
          '"nodejs18" was decommissioned on Cloud Run functions (2nd gen) on 2025-10-30 and can no longer be deployed (2nd gen accepts: nodejs22, nodejs24)',
        ),
      ],
    ],
    [
      "a runtime no generation offers",
      withFunction("profiles", { runtime: "node22" }),
      { defaultGeneration: 1 },
      [
        issue(
          "functions.profiles.runtime",
          '"node22" is not offered by Cloud Functions 1st gen (1st gen accepts: nodejs22)',
        ),
      ],
    ],
    [
      "a stack-wide runtime that a 1st-gen function cannot run: each function is named",
      { login: { calls: ["profiles"] }, profiles: { generation: 2 } },
      { defaultRuntime: "nodejs24", defaultGeneration: 1 },
      [
        issue(
          "functions.login.runtime",
          '"nodejs24" (from callgraph:runtime) is not offered by Cloud Functions 1st gen (1st gen accepts: nodejs22)',
        ),
      ],
    ],
    [
      "a stack-wide runtime that is not a string",
      { profiles: {} },
      { defaultRuntime: 22 },
      [issue("callgraph:runtime", 'must be a runtime id such as "nodejs22", got 22')],
    ],
    [
      "a runtime that is not a string",
      withFunction("profiles", { runtime: 22 }),
      {},
      [issue("functions.profiles.runtime", "expected a string, got 22")],
    ],
  ])("rejects %s", (_label, raw, options, issues) =>
    expectRejected(raw, issues, { today: TODAY, ...options }),
  );

  test("a runtime is decommissioned from its decommission day on, not before", () => {
    const decl = withFunction("profiles", { generation: 1, runtime: "nodejs20" });
    expect(parseTopology(decl, at(day("2026-10-29"))).functions[1].runtime).toBe("nodejs20");
    expectRejected(
      decl,
      [
        issue(
          "functions.profiles.runtime",
          '"nodejs20" was decommissioned on Cloud Functions 1st gen on 2026-10-30 and can no longer be deployed (1st gen accepts: nodejs22)',
        ),
      ],
      at(day("2026-10-30")),
    );
  });
});

describe("runtime warnings", () => {
  test("none for runtimes in general availability", () => {
    expect(runtimeWarnings(parseTopology(happyPath(), at(TODAY)), TODAY)).toEqual([]);
  });

  test("a deprecated runtime is a warning naming the function, the dates and what to move to", () => {
    const today = day("2027-05-01");
    const topology = parseTopology({ a: { generation: 1 }, b: {}, c: { runtime: "nodejs24" } }, at(today));
    expect(runtimeWarnings(topology, today)).toEqual([
      issue(
        "functions.a.runtime",
        '"nodejs22" is deprecated on Cloud Functions 1st gen since 2027-04-30 and is decommissioned on 2027-10-31: move the function to 2nd gen (`generation: 2`), which offers newer runtimes (https://cloud.google.com/functions/1stgendocs/runtime-support#node.js)',
      ),
      issue(
        "functions.b.runtime",
        '"nodejs22" is deprecated on Cloud Run functions (2nd gen) since 2027-04-30 and is decommissioned on 2027-10-31: move to nodejs24 (https://cloud.google.com/functions/docs/runtime-support#node.js)',
      ),
    ]);
  });

  test("the day before deprecation has no warning; deprecation day has one", () => {
    const topology = parseTopology({ a: {} }, at(day("2027-04-29")));
    expect(runtimeWarnings(topology, day("2027-04-29"))).toEqual([]);
    expect(runtimeWarnings(topology, day("2027-04-30"))).toHaveLength(1);
  });
});
