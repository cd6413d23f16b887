import { secured } from "../../functions/shared";
import { useFunctionEnv } from "./support/function-env";

/**
 * The warm start begins while the function's module loads (`secured()` runs at its top level), before the framework
 * opens the port: the key set's fetch, whose first call loads Node's HTTP client, is made before `secured()` returns,
 * not on a later tick where it would take the CPU from the first request (bench section 11).
 */
describe("the warm start begins when the module loads", () => {
  let fetched: string[];
  let fetchSpy: jest.SpyInstance;
  let undo: (() => void) | undefined;
  let seq = 0;

  beforeEach(() => {
    fetched = [];
    fetchSpy = jest.spyOn(globalThis, "fetch").mockImplementation((input) => {
      fetched.push(String(input instanceof Request ? input.url : input));
      return Promise.reject(new Error("offline in this test"));
    });
  });
  afterEach(() => {
    undo?.();
    undo = undefined;
    fetchSpy.mockRestore();
  });

  /** A private function's environment with a key set URL of its own (each URL has one process-wide key holder). */
  function env(extra: Record<string, string> = {}, invokers = ["user:dev@example.com"]): string {
    const jwksUrl = `http://127.0.0.1:9/warm-start-${++seq}/certs`;
    undo = useFunctionEnv(
      { name: "probe", selfUrl: "https://probe-123.us-central1.run.app", invokers, jwksUrl },
      extra,
    );
    return jwksUrl;
  }

  test("a private function asks for the key set before secured() returns", () => {
    const jwksUrl = env();
    secured((_req, res) => void res.status(204).end());
    // Synchronously: no tick has passed since secured() returned.
    expect(fetched).toEqual([jwksUrl]);
  });

  test("with CALLGRAPH_WARM_START=false nothing is fetched at load", async () => {
    env({ CALLGRAPH_WARM_START: "false" });
    secured((_req, res) => void res.status(204).end());
    await new Promise((resolve) => setImmediate(resolve));
    expect(fetched).toEqual([]);
  });

  test("a public function checks no token, so it fetches no key set", async () => {
    env({}, ["allUsers"]);
    secured((_req, res) => void res.status(204).end());
    await new Promise((resolve) => setImmediate(resolve));
    expect(fetched).toEqual([]);
  });

  test("an environment that cannot be read does not stop the module from loading", () => {
    undo = useFunctionEnv({
      name: "probe",
      selfUrl: "not a url",
      invokers: ["user:dev@example.com"],
      jwksUrl: "http://127.0.0.1:9/certs",
    });
    expect(() => secured((_req, res) => void res.status(204).end())).not.toThrow();
    expect(fetched).toEqual([]);
  });
});
