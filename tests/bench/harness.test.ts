import { dependencyDepth } from "../../bench/critical-path";
import {
  combine,
  interleave,
  runBounded,
  throughput,
  throughputRatio,
  type LoadResult,
} from "../../bench/load";
import { median, pairedRatio, percentile } from "../../bench/measure";
import { graphMismatch } from "../../bench/plan-cost";
import { table, times, type Section } from "../../bench/report";
import { withEnv } from "../../bench/env";
import type { RegisteredResource } from "../../engine";

// The benchmark harness's logic, on hand-built inputs: nothing here measures or depends on timing.

/** A registered resource with only what the harness reads. */
function resource(
  urn: string,
  options: { custom?: boolean; deps?: string[]; parent?: string; type?: string } = {},
): RegisteredResource {
  return {
    urn,
    type: options.type ?? "test:index:Thing",
    name: urn,
    custom: options.custom ?? true,
    parent: options.parent,
    inputs: {},
    outputs: {},
    id: urn,
    dependencies: options.deps ?? [],
    propertyDependencies: {},
    options: {
      replaceWith: [],
      deleteBeforeReplace: false,
      protect: false,
      ignoreChanges: [],
      replaceOnChanges: [],
    },
  };
}

describe("dependencyDepth", () => {
  test.each<[string, RegisteredResource[], number]>([
    ["nothing", [], 0],
    ["one resource", [resource("a")], 1],
    ["independent resources deploy in one wave", [resource("a"), resource("b"), resource("c")], 1],
    [
      "a chain a <- b <- c",
      [resource("a"), resource("b", { deps: ["a"] }), resource("c", { deps: ["b"] })],
      3,
    ],
    [
      "the longest of two branches",
      [
        resource("a"),
        resource("b", { deps: ["a"] }),
        resource("c", { deps: ["b"] }),
        resource("d", { deps: ["a"] }),
      ],
      3,
    ],
    [
      "a diamond counts its longest path once",
      [
        resource("a"),
        resource("b", { deps: ["a"] }),
        resource("c", { deps: ["a"] }),
        resource("d", { deps: ["b", "c"] }),
      ],
      3,
    ],
    ["a dependency outside the program is already there", [resource("a", { deps: ["provider"] })], 1],
    [
      "a component adds no wave of its own",
      [
        resource("comp", { custom: false }),
        resource("a", { parent: "comp" }),
        resource("b", { parent: "comp", deps: ["a"] }),
      ],
      2,
    ],
    [
      "depending on a component waits for its deepest child",
      [
        resource("comp", { custom: false }),
        resource("a", { parent: "comp" }),
        resource("b", { parent: "comp", deps: ["a"] }),
        resource("c", { deps: ["comp"] }),
      ],
      3,
    ],
  ])("%s", (_name, resources, expected) => {
    expect(dependencyDepth(resources)).toBe(expected);
  });

  test("a cycle (which the engine would refuse) terminates", () => {
    const depth = dependencyDepth([resource("a", { deps: ["b"] }), resource("b", { deps: ["a"] })]);
    expect(depth).toBe(2);
  });
});

describe("median and percentile", () => {
  test.each<[number[], number]>([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1, 10], 10],
  ])("median of %j is %d", (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
  test.each<[number, number]>([
    [50, 50],
    [99, 99],
    [100, 100],
    [1, 1],
    [0.5, 1],
  ])("nearest-rank p%d of 1..100 is %d", (p, expected) => {
    expect(percentile(hundred, p)).toBe(expected);
  });

  test("p99 of a small sample is its largest value", () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000], 99)).toBe(1000);
  });

  test("no values, or a percentile out of range, is an error rather than NaN", () => {
    expect(() => median([])).toThrow("median of no values");
    expect(() => percentile([], 50)).toThrow("percentile of no values");
    expect(() => percentile([1], 0)).toThrow("percentile must be in (0, 100]");
    expect(() => percentile([1], 101)).toThrow("percentile must be in (0, 100]");
  });

  test("pairedRatio is the median of per-pair ratios, so one slow pair does not move it", () => {
    expect(pairedRatio([2, 4, 60], [1, 2, 3])).toBe(2);
    expect(() => pairedRatio([1], [1, 2])).toThrow("unpaired runs");
  });
});

describe("graphMismatch", () => {
  const flat = [
    resource("flat::bucket", { type: "t:Bucket" }),
    resource("flat::object", { type: "t:Object", deps: ["flat::bucket"] }),
  ].map((r) => ({ ...r, name: r.urn.split("::")[1] }));
  const ours = [
    resource("ours::component", { custom: false, type: "t:Component" }),
    resource("ours::bucket", { type: "t:Bucket", parent: "ours::component" }),
    resource("ours::object", { type: "t:Object", parent: "ours::component", deps: ["ours::bucket"] }),
  ].map((r) => ({ ...r, name: r.urn.split("::")[1] }));

  test("the same custom resources and dependencies, under other URNs and parents, match", () => {
    expect(graphMismatch(ours, flat)).toBeUndefined();
  });

  test("a missing resource or a different dependency is named", () => {
    expect(graphMismatch(ours, flat.slice(0, 1))).toBe("2 custom resources vs 1");
    const rewired = [flat[0], { ...flat[1], dependencies: [] }];
    expect(graphMismatch(ours, rewired)).toBe("t:Object::object depends on [], not [t:Bucket::bucket]");
  });
});

describe("runBounded and interleave", () => {
  test("sends exactly `count` requests, never more than `concurrency` at once", async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const result = await runBounded(50, 4, async (i) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      seen.push(i);
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight -= 1;
    });
    expect(result.requests).toBe(50);
    expect(result.latenciesMs).toHaveLength(50);
    expect(most).toBe(4);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  test("a failed request fails the run: failures are never counted as answers", async () => {
    await expect(
      runBounded(10, 2, async (i) => {
        if (i === 3) throw new Error("HTTP 500");
      }),
    ).rejects.toThrow("HTTP 500");
  });

  test("bad counts are refused", async () => {
    await expect(runBounded(0, 1, async () => undefined)).rejects.toThrow("count must be a positive integer");
    await expect(runBounded(1, 0, async () => undefined)).rejects.toThrow(
      "concurrency must be a positive integer",
    );
  });

  test("interleave alternates which side goes first and combines each side's rounds", async () => {
    const order: string[] = [];
    const side = (name: string, wallMs: number) => async (): Promise<LoadResult> => {
      order.push(name);
      return { requests: 10, wallMs, latenciesMs: [wallMs] };
    };
    const result = await interleave(4, side("a", 100), side("b", 200));
    expect(order).toEqual(["a", "b", "b", "a", "a", "b", "b", "a"]);
    expect(result.a).toEqual({ requests: 40, wallMs: 400, latenciesMs: [100, 100, 100, 100] });
    expect(throughput(result.b)).toBe(50);
    expect(result.pairs).toHaveLength(4);
    expect(throughputRatio(result)).toBe(2);
  });

  test("throughputRatio pairs rounds, so one round slowed for both sides does not move it", () => {
    const round = (a: number, b: number) => ({
      a: { requests: 100, wallMs: a, latenciesMs: [] },
      b: { requests: 100, wallMs: b, latenciesMs: [] },
    });
    const pairs = [round(100, 200), round(1000, 2000), round(100, 200)];
    const result = { a: combine(pairs.map((p) => p.a)), b: combine(pairs.map((p) => p.b)), pairs };
    expect(throughputRatio(result)).toBe(2);
  });

  test("combine adds requests and wall time and pools latencies", () => {
    expect(
      combine([
        { requests: 1, wallMs: 5, latenciesMs: [5] },
        { requests: 2, wallMs: 7, latenciesMs: [3, 4] },
      ]),
    ).toEqual({ requests: 3, wallMs: 12, latenciesMs: [5, 3, 4] });
  });
});

describe("report", () => {
  test("the table has one line per row, aligned, with yes / NO / - in the Met column", () => {
    const section: Section = {
      number: 1,
      title: "t",
      measured: "m",
      baseline: "b",
      notes: [],
      rows: [
        {
          id: "1a",
          measure: "fast",
          ours: "1",
          baseline: "2",
          ratio: times(1, 2),
          target: "<= 1x",
          met: true,
        },
        {
          id: "1b",
          measure: "slow one",
          ours: "3",
          baseline: "2",
          ratio: times(3, 2),
          target: "<= 1x",
          met: false,
        },
        { id: "1c", measure: "info", ours: "-", baseline: "-", ratio: "-", target: "-" },
      ],
    };
    const lines = table([section]).split("\n");
    expect(lines).toHaveLength(5);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[2]).toMatch(/^\| 1a +\| fast +\| 1 +\| 2 +\| 0\.50x \| <= 1x +\| yes \|$/);
    expect(lines[3]).toContain("| 1.50x | <= 1x  | NO  |");
    expect(lines[4]).toMatch(/\| - +\|$/);
  });
});

describe("withEnv", () => {
  test("sets and unsets variables for the call, then restores them, even when it throws", async () => {
    process.env.BENCH_TEST_KEEP = "kept";
    delete process.env.BENCH_TEST_NEW;
    await expect(
      withEnv({ BENCH_TEST_KEEP: undefined, BENCH_TEST_NEW: "new" }, async () => {
        expect(process.env.BENCH_TEST_KEEP).toBeUndefined();
        expect(process.env.BENCH_TEST_NEW).toBe("new");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(process.env.BENCH_TEST_KEEP).toBe("kept");
    expect(process.env.BENCH_TEST_NEW).toBeUndefined();
    delete process.env.BENCH_TEST_KEEP;
  });
});
