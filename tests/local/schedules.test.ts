import {
  deliveryOf,
  nextRun,
  ScheduleError,
  scheduledJobs,
  startLocalStack,
  startSchedules,
  type LocalStack,
  type ScheduleClock,
  type ScheduledJob,
} from "../../local";
import type { GraphSource } from "../../engine";
import { reportError } from "../../cli/report-error";
import { FIXTURE_STACK, FIXTURE_TARGET, runs } from "../fixtures";

/**
 * Cloud Scheduler jobs on their own schedules (`npm start -- --schedules`): when each runs, in its time zone, as
 * Cloud Scheduler's unix-cron reads it (https://cloud.google.com/scheduler/docs/configuring/cron-job-schedules),
 * and that each run goes through the callee's front end as the job's account. The expected times are worked out by
 * hand from the calendar, never with the library under test.
 */
const job = (schedule: string, timeZone = "Etc/UTC"): ScheduledJob => ({ name: "j", schedule, timeZone });
const next = (schedule: string, after: string, timeZone?: string) =>
  nextRun(job(schedule, timeZone), new Date(after))?.toISOString();

describe("nextRun: unix-cron in the job's time zone", () => {
  test("a daily run in Europe/Paris is 02:00 UTC in winter (CET) and 01:00 UTC in summer (CEST)", () => {
    expect(next("0 3 * * *", "2026-12-03T12:00:00Z", "Europe/Paris")).toBe("2026-12-04T02:00:00.000Z");
    expect(next("0 3 * * *", "2026-07-01T12:00:00Z", "Europe/Paris")).toBe("2026-07-02T01:00:00.000Z");
    expect(next("0 3 * * *", "2026-12-03T12:00:00Z")).toBe("2026-12-04T03:00:00.000Z");
  });

  test("strictly after: a run at the very instant is the next one", () => {
    expect(next("0 3 * * *", "2026-12-04T03:00:00Z")).toBe("2026-12-05T03:00:00.000Z");
  });

  test("day of month and day of week both restricted: either matches, as Vixie cron reads them", () => {
    // 2026-11-01 is a Sunday: the next Friday (the 6th) comes before Friday the 13th.
    expect(next("0 0 13 * FRI", "2026-11-01T00:00:00Z")).toBe("2026-11-06T00:00:00.000Z");
    expect(next("0 0 13 * FRI", "2026-11-10T00:00:00Z")).toBe("2026-11-13T00:00:00.000Z");
  });

  test("names, ranges, steps, 7 for Sunday, and a step after a single value", () => {
    // 2026-12-05 is a Saturday: the next weekday run is Monday the 7th.
    expect(next("30 8 * * MON-FRI", "2026-12-05T00:00:00Z")).toBe("2026-12-07T08:30:00.000Z");
    expect(next("0 12 * JAN *", "2026-12-03T00:00:00Z")).toBe("2027-01-01T12:00:00.000Z");
    expect(next("0 9 * * 7", "2026-12-03T00:00:00Z")).toBe("2026-12-06T09:00:00.000Z");
    expect(next("*/20 * * * *", "2026-12-03T10:41:00Z")).toBe("2026-12-03T11:00:00.000Z");
    expect(next("5/20 * * * *", "2026-12-03T10:26:00Z")).toBe("2026-12-03T10:45:00.000Z");
  });

  test("a schedule that never fires (30 February) has no run", () => {
    expect(next("0 0 30 2 *", "2026-12-03T00:00:00Z")).toBeUndefined();
  });
});

describe("scheduledJobs: which jobs --schedules runs", () => {
  const source = (name: string, kind: GraphSource["kind"], schedule?: string): GraphSource =>
    ({
      name,
      kind,
      urn: `urn:${name}`,
      serviceAccount: `src-${name}@p.iam.gserviceaccount.com`,
      audiences: [],
      targets: ["sink"],
      managed: true,
      delivery: schedule ? { schedule } : {},
    }) as GraphSource;
  const sources = [source("nightly", "scheduler", "0 3 * * *"), source("orders", "pubsub")];

  test("all: the Scheduler jobs only, Etc/UTC where the job names no zone", () => {
    expect(scheduledJobs(sources, "all")).toEqual([
      { name: "nightly", schedule: "0 3 * * *", timeZone: "Etc/UTC" },
    ]);
  });

  test("a name that is no caller, or a caller of another kind, is refused, naming the jobs", () => {
    expect(() => scheduledJobs(sources, ["nightli"])).toThrow(
      new ScheduleError(
        'the stack has no caller "nightli" (Cloud Scheduler jobs: nightly). Pass one of them',
      ),
    );
    expect(() => scheduledJobs(sources, ["orders"])).toThrow(
      "local --schedules: orders is a pubsub caller, which has no schedule (Cloud Scheduler jobs: nightly). Send it with callgraph invoke orders --local",
    );
    expect(() => scheduledJobs([source("x", "scheduler", "0 0 30 2 *")], "all")).toThrow(
      `x's schedule "0 0 30 2 *" (Etc/UTC) never fires`,
    );
  });
});

const CONFIG = {
  ...FIXTURE_TARGET,
  "callgraph:generation": 2,
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": { sink: runs("sink") },
  "callgraph:callers": {
    every: { scheduler: { schedule: "*/30 * * * *", timeZone: "Asia/Kolkata" }, calls: ["sink"] },
    late: { scheduler: { schedule: "0 3 * * *" }, calls: ["sink"] },
    orders: { pubsub: { topic: "orders" }, calls: ["sink"] },
  },
};

/** A clock whose sleeps pass at once, moving its time on: runs follow each other as fast as they are delivered. */
function fastClock(start: string): ScheduleClock & { slept: number[]; advance(ms: number): void } {
  let now = new Date(start).getTime();
  const slept: number[] = [];
  return {
    slept,
    advance: (ms) => void (now += ms),
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe("schedules on the local stack", () => {
  let stack: LocalStack;
  const lifecycle: string[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({
      config: CONFIG,
      stack: FIXTURE_STACK,
      broken: ["late"],
      schedules: "all",
      log: (line) => void lifecycle.push(line),
    });
  }, 120_000);
  afterAll(() => stack?.stop());

  test("the stack runs every job, saying when each first runs", () => {
    expect(stack.schedules?.jobs.map((j) => j.name)).toEqual(["every", "late"]);
    expect(lifecycle).toContainEqual(
      expect.stringMatching(
        /^schedule late \(0 3 \* \* \*, Etc\/UTC\): first run at \d{4}-\d\d-\d\dT03:00:00\.000Z$/,
      ),
    );
  });

  test("each run reaches the callee at its time, in the job's zone, through its front end (200: the job's account may invoke it)", async () => {
    const lines: string[] = [];
    // Asia/Kolkata is UTC+05:30: its :00 and :30 are :30 and :00 in UTC.
    const clock = fastClock("2026-12-03T10:10:00Z");
    const running = startSchedules([{ name: "every", schedule: "*/30 * * * *", timeZone: "Asia/Kolkata" }], {
      target: () => stack.description,
      log: (line) => void lines.push(line),
      clock,
    });
    for (let i = 0; i < 200 && lines.filter((l) => l.includes("reached")).length < 3; i++)
      await new Promise((r) => setTimeout(r, 20));
    await running.stop();
    const runs = lines.filter((l) => l.includes("reached")).slice(0, 3);
    expect(runs).toEqual([
      "schedule every (*/30 * * * *, Asia/Kolkata): the run of 2026-12-03T10:30:00.000Z reached sink: 200",
      "schedule every (*/30 * * * *, Asia/Kolkata): the run of 2026-12-03T11:00:00.000Z reached sink: 200",
      "schedule every (*/30 * * * *, Asia/Kolkata): the run of 2026-12-03T11:30:00.000Z reached sink: 200",
    ]);
    expect(clock.slept.slice(0, 2)).toEqual([20 * 60_000, 30 * 60_000]);
  });

  test("the run's time is what Scheduler sends as X-CloudScheduler-ScheduleTime", () => {
    const at = new Date("2026-12-03T10:30:00Z");
    const source = { name: "every", ...stack.description.sources!.every! } as unknown as GraphSource;
    expect(deliveryOf(source, { project: "p", region: "r", now: at })?.headers).toMatchObject({
      "x-cloudscheduler-jobname": "every",
      "x-cloudscheduler-scheduletime": "2026-12-03T10:30:00.000Z",
    });
  });

  test("a broken job's run is not delivered, and the log says why", async () => {
    const lines: string[] = [];
    const running = startSchedules([{ name: "late", schedule: "0 3 * * *", timeZone: "Etc/UTC" }], {
      target: () => stack.description,
      log: (line) => void lines.push(line),
      clock: fastClock("2026-12-03T02:59:00Z"),
    });
    for (let i = 0; i < 200 && !lines.some((l) => l.includes("not delivered")); i++)
      await new Promise((r) => setTimeout(r, 20));
    await running.stop();
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^schedule late \(0 3 \* \* \*, Etc\/UTC\): the run of 2026-12-03T03:00:00\.000Z was not delivered: late is broken \(--break\): Cloud Scheduler's service agent/,
      ),
    );
  });

  test("a run that takes longer than the interval: the runs it overlapped are skipped, not made up", async () => {
    const lines: string[] = [];
    const clock = fastClock("2026-12-03T10:10:00Z");
    let first = true;
    const running = startSchedules([{ name: "every", schedule: "*/30 * * * *", timeZone: "Etc/UTC" }], {
      target: () => {
        // The first run takes 70 minutes: the clock moves on while it is delivered.
        if (first) clock.advance(70 * 60_000);
        first = false;
        return stack.description;
      },
      log: (line) => void lines.push(line),
      clock,
    });
    for (let i = 0; i < 200 && lines.filter((l) => l.includes("reached")).length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    await running.stop();
    // From 10:30 to 11:40: the 11:00 and 11:30 runs are gone, and the next is 12:00.
    expect(
      lines
        .filter((l) => l.includes("reached"))
        .slice(0, 2)
        .map((l) => /the run of (\S+)/.exec(l)![1]),
    ).toEqual(["2026-12-03T10:30:00.000Z", "2026-12-03T12:00:00.000Z"]);
  });
});

test("a --schedules name that is no job stops the stack before anything starts: one line, exit 2", async () => {
  const error = await startLocalStack({ config: CONFIG, stack: FIXTURE_STACK, schedules: ["orders"] }).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScheduleError);
  expect(reportError(error, { debug: false, version: "0", command: "local" })).toEqual({
    lines: [
      "callgraph: local --schedules: orders is a pubsub caller, which has no schedule (Cloud Scheduler jobs: every, late). Send it with callgraph invoke orders --local",
    ],
    exitCode: 2,
  });
}, 60_000);
