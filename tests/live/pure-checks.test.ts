import { apiBaseUrl, resolveApiRoot } from "../../live/api-root";
import { createLimiter } from "../../live/concurrency";
import { LiveConfigError } from "../../live/errors";
import { withRetry } from "../../live/retry";
import { listDecision, type PolicyRule } from "../../live/preflight/check-org-policies";
import { requiredPermissions } from "../../live/preflight/deploy-permissions";

describe("--api-root / CALLGRAPH_GOOGLE_API_ROOT", () => {
  test.each([
    ["http://127.0.0.1:8080", undefined, "http://127.0.0.1:8080"],
    ["http://127.0.0.1:8080/", undefined, "http://127.0.0.1:8080"],
    ["https://proxy.example.com/google/", undefined, "https://proxy.example.com/google"],
    [undefined, "http://127.0.0.1:9/", "http://127.0.0.1:9"],
    [undefined, undefined, undefined],
  ])("flag %s, env %s -> %s (the flag wins)", (flag, env, expected) => {
    expect(resolveApiRoot(flag, { CALLGRAPH_GOOGLE_API_ROOT: env })).toBe(expected);
  });

  test.each([
    ["not a url", '--api-root "not a url" is not a URL'],
    ["ftp://127.0.0.1", '--api-root "ftp://127.0.0.1" must be an http or https URL, not ftp:'],
    ["http://127.0.0.1/?x=1", "must not carry a query or a fragment"],
  ])("%s is refused", (value, message) => {
    expect(() => resolveApiRoot(value, {})).toThrow(LiveConfigError);
    expect(() => resolveApiRoot(value, {})).toThrow(message);
  });

  test("each API lives under the first label of its host", () => {
    expect(apiBaseUrl("http://127.0.0.1:8080", "cloudfunctions.googleapis.com")).toBe(
      "http://127.0.0.1:8080/cloudfunctions/",
    );
    expect(apiBaseUrl(undefined, "cloudfunctions.googleapis.com")).toBe(
      "https://cloudfunctions.googleapis.com/",
    );
  });
});

describe("listDecision (effective list-constraint rules)", () => {
  const cases: [string, PolicyRule[], string, string][] = [
    ["no rule: the constraint's default allows", [], "1stGen", "allowed"],
    ["allowAll", [{ allowAll: true }], "1stGen", "allowed"],
    ["denyAll", [{ denyAll: true }], "1stGen", "denied"],
    ["in the allowed list", [{ values: { allowedValues: ["1stGen"] } }], "1stGen", "allowed"],
    [
      "allowed list with is: prefix",
      [{ values: { allowedValues: ["is:ALLOW_ALL"] } }],
      "ALLOW_ALL",
      "allowed",
    ],
    [
      "missing from a non-empty allowed list",
      [{ values: { allowedValues: ["2ndGen"] } }],
      "1stGen",
      "denied",
    ],
    ["in the denied list", [{ values: { deniedValues: ["1stGen"] } }], "1stGen", "denied"],
    ["denied list naming another value", [{ values: { deniedValues: ["2ndGen"] } }], "1stGen", "allowed"],
    [
      "a conditional rule",
      [{ condition: { expression: "x" }, values: { allowedValues: ["2ndGen"] } }],
      "1stGen",
      "undecided",
    ],
  ];
  test.each(cases)("%s", (_name, rules, value, expected) => {
    expect(listDecision(rules, value)).toBe(expected);
  });
});

describe("requiredPermissions", () => {
  test("derives the list from the registered types, names actAs accounts, and reports a type it does not know", () => {
    const required = requiredPermissions({
      resources: [
        { type: "gcp:storage/bucket:Bucket", name: "src", custom: true, inputs: {} },
        { type: "gcp:pubsub/topic:Topic", name: "events", custom: true, inputs: {} },
      ],
      functions: [
        {
          name: "f",
          resource: "f-function",
          generation: 1,
          project: "p",
          region: "r",
          runtime: "nodejs22",
          ingress: "ALLOW_ALL",
          serviceAccount: "fn-f@p.iam.gserviceaccount.com",
          buildServiceAccount: "callgraph-build@p.iam.gserviceaccount.com",
        },
      ],
    });
    expect(required.permissions.map((p) => p.permission)).toEqual([
      "iam.serviceAccounts.actAs",
      "storage.buckets.create",
      "storage.buckets.get",
      "storage.buckets.update",
    ]);
    expect(required.permissions[0]!.neededFor).toEqual([
      "run f as fn-f@p.iam.gserviceaccount.com",
      "build f as callgraph-build@p.iam.gserviceaccount.com",
    ]);
    expect(required.unknownTypes).toEqual([{ type: "gcp:pubsub/topic:Topic", resources: ["events"] }]);
  });
});

describe("the shared client layer's helpers", () => {
  test("the limiter never runs more than its limit at once", async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const task = async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
    };
    await Promise.all(Array.from({ length: 9 }, () => limit(task)));
    expect(peak).toBe(2);
  });

  test("withRetry retries 429 and 5xx, honours Retry-After, and gives up on a 403 at once", async () => {
    const waits: number[] = [];
    const policy = {
      attempts: 3,
      baseDelayMs: 100,
      maxDelayMs: 5000,
      sleep: async (ms: number) => void waits.push(ms),
      random: () => 0.5,
    };
    const failing = (status: number, headers: Record<string, string> = {}) =>
      Object.assign(new Error(`HTTP ${status}`), { status, response: { status, headers, data: {} } });
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        if (calls === 1) throw failing(429, { "retry-after": "2" });
        if (calls === 2) throw failing(503);
        return "ok";
      }, policy),
    ).resolves.toBe("ok");
    expect(waits).toEqual([2000, 100]);
    calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw failing(403);
      }, policy),
    ).rejects.toThrow("HTTP 403");
    expect(calls).toBe(1);
  });
});
