import {
  coverageLines,
  coverageSummary,
  EdgeCoverage,
  formatRequest,
  isNotable,
  type RequestRecord,
} from "../../local";

const AT = new Date(2026, 0, 2, 12, 3, 4);
const record = (over: Partial<RequestRecord>): RequestRecord => ({
  at: AT,
  caller: "alpha",
  function: "beta",
  method: "GET",
  decision: "allowed",
  status: 200,
  ms: 12,
  probe: false,
  ...over,
});

describe("the request log", () => {
  test.each<[string, Partial<RequestRecord>, string]>([
    ["an allowed call", {}, "12:03:04  alpha -> beta  GET  allowed  200  12 ms"],
    [
      "a refusal with its reason",
      {
        caller: "group:developers@example.com",
        decision: "403",
        why: "developers@example.com may not invoke beta",
        status: 403,
      },
      "12:03:04  group:developers@example.com -> beta  GET  403 developers@example.com may not invoke beta  403  12 ms",
    ],
    [
      "no token",
      { caller: undefined, decision: "401", why: "no bearer token", status: 401, ms: 1 },
      "12:03:04  anonymous -> beta  GET  401 no bearer token  401  1 ms",
    ],
    ["a probe", { probe: true }, "12:03:04  alpha -> beta  GET  allowed  200  12 ms  (probe)"],
    [
      "the first call across an edge",
      { edge: { calls: 1, exercised: 2, total: 3 } },
      "12:03:04  alpha -> beta  GET  allowed  200  12 ms  (first call across this edge: 2 of 3 exercised)",
    ],
    [
      "a later call across it",
      { edge: { calls: 2, exercised: 2, total: 3 } },
      "12:03:04  alpha -> beta  GET  allowed  200  12 ms",
    ],
    ["a cut connection", { status: 0 }, "12:03:04  alpha -> beta  GET  allowed  no answer  12 ms"],
  ])("%s", (_title, over, line) => {
    expect(formatRequest(record(over))).toBe(line);
  });

  test.each<[Partial<RequestRecord>, boolean]>([
    [{}, false],
    [{ status: 204 }, false],
    [{ decision: "401", status: 401 }, true],
    [{ decision: "403", status: 403 }, true],
    [{ status: 500 }, true],
    [{ status: 400 }, true],
    [{ status: 0 }, true],
  ])("--quiet keeps %p: %p", (over, kept) => {
    expect(isNotable(record(over))).toBe(kept);
  });
});

describe("edge coverage", () => {
  const edges = [
    { from: "a", to: "b", managed: true },
    { from: "a", to: "c", managed: true },
    { from: "b", to: "c", managed: false },
  ];

  test("counts calls across edges of the graph, and only those", () => {
    const coverage = new EdgeCoverage(edges);
    expect([coverage.record("a", "b"), coverage.record("a", "b"), coverage.record("c", "a")]).toEqual([
      1,
      2,
      undefined,
    ]);
    expect(coverage.report().map((e) => e.calls)).toEqual([2, 0, 0]);
  });

  test("the summary names what was not exercised, undeclared edges marked", () => {
    const coverage = new EdgeCoverage(edges);
    coverage.record("a", "b");
    coverage.record("b", "c");
    expect(coverageSummary(coverage.report())).toBe(
      "edge coverage: 2 of 3 edges exercised; not exercised: a -> c",
    );
    coverage.record("a", "c");
    expect(coverageSummary(coverage.report())).toBe("edge coverage: 3 of 3 edges exercised, all of them");
    expect(coverageLines(coverage.report())).toEqual([
      "  a -> b               1 call",
      "  a -> c               1 call",
      "  b -> c (undeclared)  1 call",
    ]);
  });

  test("a graph without edges says so", () => {
    expect(coverageSummary(new EdgeCoverage([]).report())).toBe(
      "edge coverage: the graph has no function-to-function edge",
    );
  });

  test("an edge never called reads 'not exercised'", () => {
    expect(coverageLines(new EdgeCoverage([edges[0]]).report())).toEqual(["  a -> b  not exercised"]);
  });
});
