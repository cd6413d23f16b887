import { apiBaseUrl, resolveApiRoot } from "../../live/api-root";
import { createLimiter } from "../../live/concurrency";
import { LiveConfigError } from "../../live/errors";
import { withRetry } from "../../live/retry";
import { listDecision, type PolicyRule } from "../../live/preflight/check-org-policies";
import { requiredPermissions } from "../../live/preflight/deploy-permissions";
import { isCheckableServiceAccount, memberParts, reservedName } from "../../live/preflight/members";
import { booleanDecision, locationDecision, multiRegionOf } from "../../live/preflight/policy-rules";

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
        { type: "gcp:bigquery/dataset:Dataset", name: "events", custom: true, inputs: {} },
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
    expect(required.unknownTypes).toEqual([{ type: "gcp:bigquery/dataset:Dataset", resources: ["events"] }]);
  });

  test("a caller that is not a function needs its product's permissions and actAs on the account it calls as", () => {
    const required = requiredPermissions({
      resources: [
        {
          type: "gcp:cloudscheduler/job:Job",
          name: "nightly-job",
          custom: true,
          inputs: {
            httpTarget: { oidcToken: { serviceAccountEmail: "src-nightly@p.iam.gserviceaccount.com" } },
          },
        },
        {
          type: "gcp:pubsub/subscription:Subscription",
          name: "orders-subscription",
          custom: true,
          inputs: {
            pushConfig: { oidcToken: { serviceAccountEmail: "src-orders@p.iam.gserviceaccount.com" } },
          },
        },
        {
          type: "gcp:eventarc/trigger:Trigger",
          name: "uploads-trigger",
          custom: true,
          inputs: { serviceAccount: "src-uploads@p.iam.gserviceaccount.com" },
        },
        {
          type: "gcp:cloudtasks/queueIamMember:QueueIamMember",
          name: "q-enqueuer-0",
          custom: true,
          inputs: {},
        },
      ],
      functions: [],
    });
    expect(required.unknownTypes).toEqual([]);
    const actAs = required.permissions.find((p) => p.permission === "iam.serviceAccounts.actAs")!;
    expect(actAs.neededFor).toEqual([
      "call from nightly-job as src-nightly@p.iam.gserviceaccount.com",
      "call from orders-subscription as src-orders@p.iam.gserviceaccount.com",
      "call from uploads-trigger as src-uploads@p.iam.gserviceaccount.com",
    ]);
    expect(required.permissions.map((p) => p.permission)).toEqual(
      expect.arrayContaining([
        "cloudscheduler.jobs.create",
        "pubsub.subscriptions.create",
        "pubsub.topics.attachSubscription",
        "eventarc.triggers.create",
        "cloudtasks.queues.setIamPolicy",
      ]),
    );
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

describe("members: reserved example domains (RFC 2606, RFC 6761) and service accounts IAM can be asked about", () => {
  test.each<[string, string | undefined]>([
    ["example.com", "example.com"],
    ["EXAMPLE.ORG", "example.org"],
    ["eng.example.net", "example.net"],
    ["example.com.", "example.com"],
    ["corp.example", ".example"],
    ["example", ".example"],
    ["ci.test", ".test"],
    ["nowhere.invalid", ".invalid"],
    ["localhost", ".localhost"],
    ["app.localhost", ".localhost"],
    ["examples.com", undefined],
    ["example.com.au", undefined],
    ["notexample.org", undefined],
    ["test.dev", undefined],
    ["mytest", undefined],
    ["callgraph-fixture.dev", undefined],
  ])("reservedName(%s) = %s", (domain, reserved) => {
    expect(reservedName(domain)).toBe(reserved);
  });

  test.each<[string, ReturnType<typeof memberParts>]>([
    ["user:Alice@Example.com", { kind: "user", email: "alice@example.com", domain: "example.com" }],
    ["group:devs@corp.dev", { kind: "group", email: "devs@corp.dev", domain: "corp.dev" }],
    [
      "serviceAccount:fn-a@p.iam.gserviceaccount.com?uid=123",
      {
        kind: "serviceAccount",
        email: "fn-a@p.iam.gserviceaccount.com",
        domain: "p.iam.gserviceaccount.com",
      },
    ],
    ["domain:Corp.dev", { kind: "domain", domain: "corp.dev" }],
    ["allUsers", undefined],
    ["principalSet://iam.googleapis.com/locations/global/workforcePools/p/*", undefined],
    ["deleted:user:bob@corp.dev?uid=1", undefined],
    ["projectOwner:p", undefined],
  ])("memberParts(%s)", (member, parts) => {
    expect(memberParts(member)).toEqual(parts);
  });

  test.each<[string, boolean]>([
    ["fn-login@my-project.iam.gserviceaccount.com", true],
    ["my-project@appspot.gserviceaccount.com", true],
    ["123456-compute@developer.gserviceaccount.com", true],
    ["service-123@gcp-sa-pubsub.iam.gserviceaccount.com", false],
    ["service-123@gcf-admin-robot.iam.gserviceaccount.com", false],
    ["service-123@serverless-robot-prod.iam.gserviceaccount.com", false],
    ["123@cloudbuild.gserviceaccount.com", false],
    ["not-an-email", false],
  ])("isCheckableServiceAccount(%s) = %s", (email, checkable) => {
    expect(isCheckableServiceAccount(email)).toBe(checkable);
  });
});

describe("organization policy rules", () => {
  const allow = (...values: string[]): PolicyRule[] => [{ values: { allowedValues: values } }];
  const deny = (...values: string[]): PolicyRule[] => [{ values: { deniedValues: values } }];
  test.each<[string, PolicyRule[], string, string]>([
    ["no rule", [], "europe-west1", "allowed"],
    ["the region itself", allow("europe-west1"), "europe-west1", "allowed"],
    ["is: prefixed", allow("is:europe-west1"), "europe-west1", "allowed"],
    ["the region's group", allow("in:europe-west1-locations"), "europe-west1", "allowed"],
    ["the multi-region's group", allow("in:europe-locations"), "europe-west1", "allowed"],
    ["the multi-region's group holds the multi-region", allow("in:us-locations"), "us", "allowed"],
    ["a region's group does not hold the multi-region", allow("in:us-central1-locations"), "us", "denied"],
    ["another region", allow("us-central1"), "europe-west1", "denied"],
    ["another continent's group", allow("in:asia-locations"), "europe-west1", "denied"],
    ["an unknown group", allow("in:eu-locations"), "europe-west1", "undecided"],
    ["an unknown group beside a match", allow("in:eu-locations", "europe-west1"), "europe-west1", "allowed"],
    ["denied by its group", deny("in:europe-west1-locations"), "europe-west1", "denied"],
    ["denied: another region", deny("us-central1"), "europe-west1", "allowed"],
    ["allowAll", [{ allowAll: true }], "europe-west1", "allowed"],
    ["denyAll", [{ denyAll: true }], "europe-west1", "denied"],
    ["conditional", [{ condition: { expression: "x" }, ...allow("us")[0] }], "europe-west1", "undecided"],
  ])("locationDecision: %s", (_name, rules, location, expected) => {
    expect(locationDecision(rules, location)).toBe(expected);
  });

  test.each([
    ["us-central1", "us"],
    ["europe-west1", "europe"],
    ["asia-east1", "asia"],
    ["me-central1", undefined],
    ["northamerica-northeast1", undefined],
  ])("multiRegionOf(%s) = %s", (region, multi) => {
    expect(multiRegionOf(region)).toBe(multi);
  });

  test.each<[string, PolicyRule[], string]>([
    ["no rule: the default", [], "not-enforced"],
    ["enforce: true", [{ enforce: true }], "enforced"],
    ["enforce: false", [{ enforce: false }], "not-enforced"],
    ["conditional", [{ enforce: true, condition: { expression: "x" } }], "undecided"],
  ])("booleanDecision: %s", (_name, rules, expected) => {
    expect(booleanDecision(rules)).toBe(expected);
  });
});
