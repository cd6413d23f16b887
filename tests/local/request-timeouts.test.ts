import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { callFunction, startFrontEnd, startLocalStack, type FrontEnd, type LocalStack } from "../../local";
import { FIXTURE_STACK, FIXTURE_TARGET } from "../fixtures";

// Request timeouts of the local stack are the function's own, as declared (`timeout`, in seconds), and answered as
// Google answers them: 504 from 2nd gen (https://cloud.google.com/functions/docs/configuring/timeout), 408 from 1st
// gen (https://cloud.google.com/functions/1stgendocs/configuring/timeout). No fixed local limit cuts a function short.

/** A stand-in for a function's process: `?ms=N` answers after N ms; `?stream=1` sends a chunk every 100 ms, forever. */
async function slowProcess(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.searchParams.has("stream")) {
      res.writeHead(200, { "content-type": "text/plain" });
      const timer = setInterval(() => res.write("."), 100);
      res.once("close", () => clearInterval(timer));
      return;
    }
    const timer = setTimeout(() => res.end("done"), Number(url.searchParams.get("ms") ?? 0));
    res.once("close", () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("the front end ends a request at the function's timeout", () => {
  let target: Awaited<ReturnType<typeof slowProcess>>;
  const fronts: FrontEnd[] = [];
  beforeAll(async () => {
    target = await slowProcess();
  });
  afterAll(async () => {
    await Promise.all(fronts.map((f) => f.stop()));
    await target.close();
  });

  /** A public function's front end (no token needed), forwarding to the stand-in. */
  async function front(generation: 1 | 2, timeoutMs: number): Promise<FrontEnd> {
    const started = await startFrontEnd({
      name: "fn",
      generation,
      issuers: ["https://accounts.google.com"],
      userAudiences: [],
      hostKey: "key",
      invokers: ["allUsers"],
      jwksUrl: "http://127.0.0.1:9/certs",
      targetPort: () => target.port,
      timeoutMs,
    });
    fronts.push(started);
    return started;
  }

  const timed = async <T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> => {
    const start = Date.now();
    const result = await run();
    return { result, ms: Date.now() - start };
  };

  test.each([
    [2, 504],
    [1, 408],
  ] as const)(
    "a function that takes longer than its timeout gets the platform's answer (gen %i: %i), at the deadline",
    async (generation, status) => {
      const { url } = await front(generation, 400);
      const { result, ms } = await timed(() => callFunction(url, { query: { ms: "5000" } }));
      expect(result).toEqual({
        status,
        body: { error: "function fn did not answer within its timeout of 0.4 s" },
        byFrontEnd: true,
      });
      expect(ms).toBeGreaterThanOrEqual(390);
      expect(ms).toBeLessThan(2500);
    },
  );

  test("a function that streams its answer past its timeout is cut at the deadline, not kept alive by each chunk", async () => {
    const { url } = await front(2, 500);
    const { result, ms } = await timed(() =>
      callFunction(url, { query: { stream: "1" } }).then(
        () => "answered",
        (error: Error) => error.message,
      ),
    );
    expect(result).toMatch(/failed|closed before the answer ended/);
    expect(ms).toBeGreaterThanOrEqual(490);
    expect(ms).toBeLessThan(2500);
  });

  test("a function within its timeout is answered, however long it takes", async () => {
    const { url } = await front(2, 3000);
    const { result, ms } = await timed(() => callFunction(url, { query: { ms: "1200" } }));
    expect(result).toEqual({ status: 200, body: "done" });
    expect(ms).toBeGreaterThanOrEqual(1190);
  });
});

describe("the local stack gives each function its declared timeout", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    const slow = { source: "tests/local/fixtures/slow", entryPoint: "slow", invokers: ["allUsers"] };
    stack = await startLocalStack({
      stack: FIXTURE_STACK,
      config: {
        ...FIXTURE_TARGET,
        "callgraph:generation": 2,
        "callgraph:projectNumber": "123456789012",
        "callgraph:functions": {
          quick: { ...slow, timeout: 1 },
          "quick-gen1": { ...slow, timeout: 1, generation: 1 },
          patient: { ...slow, timeout: 4 },
        },
      },
    });
  }, 60_000);
  afterAll(async () => stack?.stop());

  const call = (fn: string, ms: number) =>
    callFunction(stack.functions[fn].url, { query: { ms: String(ms) } });

  test("a function that takes longer than its declared timeout gets 504 on 2nd gen and 408 on 1st gen", async () => {
    const [gen2, gen1] = await Promise.all([call("quick", 2500), call("quick-gen1", 2500)]);
    expect([gen2.status, gen1.status]).toEqual([504, 408]);
    expect(stack.functions.quick.timeoutSeconds).toBe(1);
  }, 15_000);

  test("a function with a longer timeout is not cut short by a fixed local default", async () => {
    const answer = await call("patient", 2500);
    expect(answer).toEqual({ status: 200, body: { slept: 2500 } });
    expect(stack.description.functions.patient.timeoutSeconds).toBe(4);
  }, 15_000);
});
