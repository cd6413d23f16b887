import { Cron } from "croner";
import type { GraphSource } from "../engine";
import { deliver, NotDelivered, type DeliveryTarget } from "./deliveries";

/**
 * Cloud Scheduler jobs firing on their own schedules on the local stack (`npm start -- --schedules`): each job's
 * unix-cron schedule in its time zone, as Cloud Scheduler reads it ("Configure cron job schedules",
 * https://cloud.google.com/scheduler/docs/configuring/cron-job-schedules: five fields, names for months and days,
 * day of month and day of week matching either when both are restricted, as in Vixie cron; the time zone from the
 * tz database, `Etc/UTC` when the job names none). The schedule arithmetic is croner's, a maintained library;
 * daylight-saving edges follow croner's rules, checked against no cloud.
 */

/** A job the local stack runs on its schedule. */
export interface ScheduledJob {
  readonly name: string;
  readonly schedule: string;
  readonly timeZone: string;
}

/** A `--schedules` name the stack cannot run on a schedule: the user's mistake (exit 2), said before anything starts. */
export class ScheduleError extends Error {
  readonly exitCode = 2;

  constructor(why: string) {
    super(`local --schedules: ${why}`);
    this.name = "ScheduleError";
  }
}

/**
 * The jobs to run: every Scheduler job of the stack (`"all"`), or those named. A name that is no caller, or a caller
 * of another kind, is refused, naming the jobs there are.
 */
export function scheduledJobs(
  sources: readonly GraphSource[],
  names: readonly string[] | "all",
): ScheduledJob[] {
  const jobs = sources.filter((s) => s.kind === "scheduler");
  const list = () => jobs.map((j) => j.name).join(", ") || "none";
  const chosen =
    names === "all"
      ? jobs
      : [...new Set(names)].map((name) => {
          const source = sources.find((s) => s.name === name);
          if (!source)
            throw new ScheduleError(
              `the stack has no caller "${name}" (Cloud Scheduler jobs: ${list()}). Pass one of them`,
            );
          if (source.kind !== "scheduler")
            throw new ScheduleError(
              `${name} is a ${source.kind} caller, which has no schedule (Cloud Scheduler jobs: ${list()}). Send it with callgraph invoke ${name} --local`,
            );
          return source;
        });
  return chosen.map((s) => {
    const schedule = s.delivery.schedule;
    if (!schedule) throw new ScheduleError(`${s.name} has no schedule the local stack can read`);
    const timeZone = s.delivery.timeZone ?? "Etc/UTC";
    // A schedule croner refuses would fail at its first run: say so before anything starts.
    if (nextRun({ name: s.name, schedule, timeZone }, new Date(0)) === undefined)
      throw new ScheduleError(`${s.name}'s schedule "${schedule}" (${timeZone}) never fires`);
    return { name: s.name, schedule, timeZone };
  });
}

/** The job's first run strictly after `after`, or undefined if it has none (or croner cannot read it). */
export function nextRun(job: ScheduledJob, after: Date): Date | undefined {
  try {
    // sloppyRanges: a step after a single value (`5/15`) is a range to the field's end, as Vixie cron reads it.
    const cron = new Cron(job.schedule, { timezone: job.timeZone, paused: true, sloppyRanges: true });
    return cron.nextRun(after) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Time as the schedules see it: tests move it on without waiting. */
export interface ScheduleClock {
  now(): number;
  /** Resolves after `ms`, or when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** setTimeout takes at most 2^31 - 1 ms (about 24.8 days); a yearly job waits in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const REAL_CLOCK: ScheduleClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
      // A waiting job never keeps the process alive: the stack's servers and Ctrl-C decide when it ends.
      timer.unref();
      signal.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    }),
};

export interface ScheduleOptions {
  /** The stack to deliver to, read at each run (the development loop replaces it). */
  readonly target: () => DeliveryTarget;
  readonly log: (line: string) => void;
  readonly clock?: ScheduleClock;
}

export interface RunningSchedules {
  readonly jobs: readonly ScheduledJob[];
  /** Ends every job's wait; a delivery under way finishes first. */
  stop(): Promise<void>;
}

/**
 * Runs each job on its schedule: waits for its next run, then sends what Cloud Scheduler would (`deliver`, with the
 * run's time as `X-CloudScheduler-ScheduleTime`) through the callee's front end, so the request log shows it as any
 * other call; a run that cannot be delivered (a broken job, a token refused) is logged with why. A run missed while
 * the previous one was still under way is skipped, not made up: the local stack runs one attempt of a job at a time
 * (how Cloud Scheduler treats an overlap is not settled by its pages, so nothing here relies on it).
 */
export function startSchedules(jobs: readonly ScheduledJob[], options: ScheduleOptions): RunningSchedules {
  const clock = options.clock ?? REAL_CLOCK;
  const stopping = new AbortController();
  const label = (job: ScheduledJob) => `schedule ${job.name} (${job.schedule}, ${job.timeZone})`;
  const runJob = async (job: ScheduledJob) => {
    let after = new Date(clock.now());
    while (!stopping.signal.aborted) {
      const at = nextRun(job, after);
      if (!at) return options.log(`${label(job)}: no further run`);
      while (!stopping.signal.aborted && clock.now() < at.getTime())
        await clock.sleep(at.getTime() - clock.now(), stopping.signal);
      if (stopping.signal.aborted) return;
      try {
        const answer = await deliver(options.target(), job.name, { now: at });
        options.log(
          `${label(job)}: the run of ${at.toISOString()} reached ${answer.function}: ${answer.status}`,
        );
      } catch (error) {
        const why = error instanceof NotDelivered ? error.message : (error as Error).message.split("\n")[0];
        options.log(`${label(job)}: the run of ${at.toISOString()} was not delivered: ${why}`);
      }
      after = new Date(Math.max(clock.now(), at.getTime()));
    }
  };
  for (const job of jobs) {
    const at = nextRun(job, new Date(clock.now()));
    options.log(`${label(job)}: first run at ${at?.toISOString() ?? "never"}`);
  }
  const running = Promise.all(jobs.map(runJob));
  return {
    jobs,
    stop: async () => {
      stopping.abort();
      await running;
    },
  };
}
