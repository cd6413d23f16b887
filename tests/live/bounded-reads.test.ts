import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { auth as authPlus } from "googleapis/build/src/apis/iam";
import { ANSWERS } from "../../live/answers";
import { readLive } from "../../live/audit/read-live";
import { createAuditClients } from "../../live/audit/audit-clients";
import { DEFAULT_DEADLINE_SECONDS, parseLiveBounds, startDeadline, type Deadline } from "../../live/deadline";
import { LiveConfigError, LiveUnavailableError } from "../../live/errors";
import { createGoogleClients, GoogleAuth } from "../../live/google-clients";
import type { DeclaredDeployment } from "../../live/preflight/declared";
import { runPreflight } from "../../live/preflight/run-preflight";
import { withRetry } from "../../live/retry";
import { FAKE_TOKEN, FakeEstateServer } from "./audit/support/fake-estate";
import { fixtureDeclared, matchingEstate, PROJECT as AUDIT_PROJECT, REGION } from "./audit/support/fixture";
import { fixtureDeployment, healthyProject, PROJECT } from "./support/deployment";
import { FakeGoogle } from "./support/fake-google";

/**
 * DESIGN.md invariant 14 and issue 18 §3: every request has a timeout and every command a deadline; an API that
 * never answers ends the read with a {@link LiveUnavailableError} naming it, never a hang and never a report
 * that calls it "not visible" as if it had refused.
 */

const token = (value: string) => {
  const client = new authPlus.OAuth2();
  client.setCredentials({ access_token: value, expiry_date: Date.now() + 3_600_000 });
  return new GoogleAuth({ authClient: client });
};

const abort = () => Object.assign(new Error("The operation was aborted."), { name: "AbortError" });
const timeoutError = () =>
  Object.assign(new Error("request timed out"), {
    code: "TimeoutError",
    cause: Object.assign(new Error("signal timed out"), { name: "TimeoutError" }),
  });

describe("withRetry bounds what it retries", () => {
  const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 1 };
  test.each([
    ["a timeout (fetch's TimeoutError)", timeoutError, 2],
    ["an abort (node-fetch's AbortError)", abort, 2],
  ])("%s is tried twice, not `attempts` times", async (_name, error, tries) => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw error();
      }, fast),
    ).rejects.toThrow();
    expect(calls).toBe(tries);
  });

  test("timeoutAttempts: 1 gives up on the first timeout; other network errors still get every attempt", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw timeoutError();
        },
        { ...fast, timeoutAttempts: 1 },
      ),
    ).rejects.toThrow();
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      }, fast),
    ).rejects.toThrow("ECONNREFUSED");
    expect(calls).toBe(4);
  });

  test("once the deadline's signal is aborted, nothing is retried and no backoff is waited out", async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    await expect(
      withRetry(
        async () => {
          calls++;
          controller.abort();
          throw Object.assign(new Error("HTTP 503"), { status: 503 });
        },
        { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
        controller.signal,
      ),
    ).rejects.toThrow("HTTP 503");
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("--timeout and --deadline", () => {
  test.each<[Record<string, string>, { requestTimeoutMs: number; deadlineMs: number }]>([
    [{}, { requestTimeoutMs: 20_000, deadlineMs: DEFAULT_DEADLINE_SECONDS * 1000 }],
    [
      { timeout: "1.5", deadline: "10" },
      { requestTimeoutMs: 1500, deadlineMs: 10_000 },
    ],
  ])("%o -> %o", (flags, bounds) => {
    expect(parseLiveBounds(flags)).toEqual(bounds);
  });

  test("the default deadline keeps a command within two minutes", () => {
    expect(DEFAULT_DEADLINE_SECONDS).toBeLessThanOrEqual(100);
  });

  test.each([
    [{ timeout: "0" }, '--timeout "0" is not a number of seconds'],
    [{ timeout: "soon" }, '--timeout "soon" is not a number of seconds'],
    [{ deadline: "-1" }, '--deadline "-1" is not a number of seconds'],
    [{ deadline: "7200" }, '--deadline "7200" is not a number of seconds: give one above 0 and at most 3600'],
    [{ deadline: "" }, '--deadline "" is not a number of seconds'],
  ])("%o is refused", (flags, message) => {
    expect(() => parseLiveBounds(flags)).toThrow(LiveConfigError);
    expect(() => parseLiveBounds(flags)).toThrow(message);
  });

  test("deadline.race ends what never settles, with the deadline's error", async () => {
    const deadline = startDeadline(50);
    try {
      await expect(deadline.race(new Promise(() => undefined), "waiting for nothing")).rejects.toThrow(
        "not done within the 0.1 s deadline (--deadline) while waiting for nothing",
      );
    } finally {
      deadline.dispose();
    }
  });
});

describe("an API that never answers ends the read, naming the API", () => {
  let deployment: DeclaredDeployment;
  beforeAll(async () => {
    deployment = await fixtureDeployment();
  });

  async function withHangingOrgPolicy<T>(run: (fake: FakeGoogle) => Promise<T>): Promise<T> {
    const project = healthyProject(deployment);
    project.misbehave = { "/orgpolicy/": "hang" };
    const fake = await FakeGoogle.start(project);
    try {
      return await run(fake);
    } finally {
      await fake.close();
    }
  }

  /** The Org Policy read preflight makes, from `fake`, within `bounds`. */
  /** `attempts` counts the requests the client starts, which a server may not all see (see below). */
  function readEffectivePolicy(
    fake: FakeGoogle,
    bounds: { requestTimeoutMs: number; deadline?: Deadline },
    attempts: string[] = [],
  ) {
    const clients = createGoogleClients({
      auth: token("t"),
      apiRoot: fake.root,
      fetchImplementation: (url, init) => {
        attempts.push(String(url));
        return globalThis.fetch(url, init);
      },
      ...bounds,
    });
    return clients.call("orgpolicy", ANSWERS.effectivePolicy, (o) =>
      clients.orgpolicy.projects.policies.getEffectivePolicy(
        { name: `projects/${PROJECT}/policies/gcp.resourceLocations` },
        o,
      ),
    );
  }

  test("the per-request timeout: each request is tried twice, then the read ends, naming the API and --timeout", async () => {
    await withHangingOrgPolicy(async (fake) => {
      const started = Date.now();
      const attempts: string[] = [];
      const read = readEffectivePolicy(fake, { requestTimeoutMs: 200 }, attempts);
      await expect(read).rejects.toThrow(LiveUnavailableError);
      await expect(read).rejects.toThrow(
        "no answer from orgpolicy.googleapis.com within 0.2 s, on each of 2 attempts (--timeout): check that it can be reached from here",
      );
      expect(Date.now() - started).toBeLessThan(3000);
      // Two attempts started; on a loaded machine the second can time out before its request reaches the server.
      expect(attempts.filter((url) => new URL(url).pathname.startsWith("/orgpolicy/"))).toHaveLength(2);
      expect(fake.paths().filter((p) => p.startsWith("/orgpolicy/")).length).toBeGreaterThanOrEqual(1);
    });
  });

  test("the per-request timeout fires even when the collector runs while the request waits (nodejs/node#57736)", async () => {
    // gaxios' own `timeout` is a signal nothing holds: collected meanwhile, it never fires, and only the deadline
    // (here 20 s) would have ended the read. live/attempt-timeout.ts holds its own.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    await withHangingOrgPolicy(async (fake) => {
      const deadline = startDeadline(20_000);
      const collect = setInterval(gc, 25);
      try {
        const started = Date.now();
        const read = readEffectivePolicy(fake, { requestTimeoutMs: 300, deadline });
        await expect(read).rejects.toThrow(
          "no answer from orgpolicy.googleapis.com within 0.3 s, on each of 2 attempts (--timeout)",
        );
        expect(Date.now() - started).toBeLessThan(5000);
        // How many attempts reached the server is the test above's: with collections every 25 ms on a loaded
        // machine, the second can be aborted before its request is written.
        expect(fake.paths().filter((p) => p.startsWith("/orgpolicy/")).length).toBeGreaterThanOrEqual(1);
      } finally {
        clearInterval(collect);
        deadline.dispose();
      }
    });
  });

  // The deadline is 2 s so that every other API has answered by then: the message names exactly the one still
  // pending, and a loaded machine took up to 0.7 s for the others (0.4 s was once the deadline, and failed there).
  test("the deadline: runPreflight rejects (no report of 'not visible' checks), naming the API still pending", async () => {
    await withHangingOrgPolicy(async (fake) => {
      const deadline = startDeadline(2000);
      // Counted where a request starts, in the client: one written before the deadline may reach the server after.
      const starts: string[] = [];
      const startedLate: string[] = [];
      try {
        const clients = createGoogleClients({
          auth: token("t"),
          apiRoot: fake.root,
          requestTimeoutMs: 60_000,
          deadline,
          fetchImplementation: (url, init) => {
            starts.push(String(url));
            if (deadline.signal.aborted) startedLate.push(String(url));
            return globalThis.fetch(url, init);
          },
        });
        const started = Date.now();
        const run = deadline.race(runPreflight(deployment, clients, { stack: "test" }));
        await expect(run).rejects.toThrow(LiveUnavailableError);
        await expect(run).rejects.toThrow(
          /^no answer from orgpolicy\.googleapis\.com within the 2 s deadline \(--deadline\): stopped waiting\./,
        );
        expect(Date.now() - started).toBeLessThan(10_000);
        // Reads queued behind the hung ones never start once it has passed.
        await new Promise((r) => setTimeout(r, 100));
        expect(starts.length).toBeGreaterThan(1);
        expect(startedLate).toEqual([]);
      } finally {
        deadline.dispose();
      }
    });
  });

  test("the deadline: readLive rejects when Cloud Run never answers", async () => {
    const declared = await fixtureDeclared();
    const estate = matchingEstate(declared);
    estate.misbehave = { "/run/v2/": "hang" };
    const fake = await FakeEstateServer.start(estate);
    const deadline = startDeadline(2000);
    try {
      const clients = createAuditClients({
        auth: token(FAKE_TOKEN),
        apiRoot: fake.root,
        requestTimeoutMs: 60_000,
        deadline,
        fetchImplementation: globalThis.fetch,
      });
      const read = deadline.race(
        readLive(clients, { project: AUDIT_PROJECT, region: REGION, declaredAccounts: [] }),
      );
      await expect(read).rejects.toThrow(/^no answer from run\.googleapis\.com within the 2 s deadline/);
    } finally {
      deadline.dispose();
      await fake.close();
    }
  });
});
