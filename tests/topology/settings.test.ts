import { functionEnvironment, parseTopology, type FunctionSpec } from "../../topology";
import { ENV_NAME_PATTERN } from "../../topology/settings";
import { expectRejected, TARGET, withFunction } from "./helpers";

// Issue 20, section 3: environment, secrets, minInstances, vpcConnector (and its egress), labels; 2nd gen's
// concurrency and cpu. Validated like every other key: each problem with its path and the offending value, all at once.

const profiles = (settings: Record<string, unknown>, generation?: 1 | 2) =>
  withFunction("profiles", { ...settings, ...(generation ? { generation } : {}) });

const spec = (
  settings: Record<string, unknown>,
  options?: Parameters<typeof parseTopology>[1],
): FunctionSpec => parseTopology(profiles(settings), options).functions.find((f) => f.name === "profiles")!;

describe("accepted settings", () => {
  test("each setting lands on the function's spec, maps sorted, defaults applied", () => {
    expect(
      spec({
        environment: { REGION_NAME: "eu", API_BASE: "https://api.example.com" },
        secrets: [
          { secret: "api-key", env: "API_KEY" },
          { secret: "projects/other-project/secrets/tls", version: 4, path: "/etc/secrets/tls/cert" },
        ],
        minInstances: 2,
        vpcConnector: "private",
        labels: { tier: "1", team: "payments" },
        concurrency: 80,
        cpu: 2,
        memory: 4096,
      }),
    ).toMatchObject({
      environment: { API_BASE: "https://api.example.com", REGION_NAME: "eu" },
      secrets: [
        { secret: "tls", project: "other-project", version: "4", path: "/etc/secrets/tls/cert" },
        { secret: "api-key", version: "latest", env: "API_KEY" },
      ],
      minInstances: 2,
      vpcConnector: "private",
      vpcConnectorEgressSettings: "PRIVATE_RANGES_ONLY",
      labels: { team: "payments", tier: "1" },
      concurrency: 80,
      cpu: "2",
    });
  });

  test("a function that declares none of them has none of the keys: it is what it always was", () => {
    const declared = spec({});
    for (const key of [
      "environment",
      "secrets",
      "minInstances",
      "vpcConnector",
      "labels",
      "concurrency",
      "cpu",
    ])
      expect(declared).not.toHaveProperty(key);
    expect(spec({ environment: {}, secrets: [], labels: {} })).toEqual(declared);
  });

  test.each([
    ["a fraction of a vCPU with little memory", { cpu: 0.5, memory: 512 }, "0.5"],
    ["the smallest fraction", { cpu: "0.08", memory: 128 }, "0.08"],
    ["steps of 0.001", { cpu: 0.583 }, "0.583"],
    ["4 vCPUs with 2 GB", { cpu: 4, memory: 2048 }, "4"],
    ["8 vCPUs with 8 GB", { cpu: 8, memory: 8192 }, "8"],
  ])("cpu: %s", (_, settings, cpu) => {
    expect(spec(settings).cpu).toBe(cpu);
  });

  test.each([
    ["1 vCPU given", { concurrency: 50, cpu: 1 }],
    ["2 GB of memory (1 vCPU by default)", { concurrency: 50, memory: 2048 }],
    ["concurrency 1 on the default fraction", { concurrency: 1 }],
  ])("concurrency with %s", (_, settings) => {
    expect(spec(settings).concurrency).toBe(settings.concurrency);
  });

  test("the user's variables are deployed beside the program's, which they cannot replace", () => {
    const topology = parseTopology(profiles({ environment: { LOG_LEVEL: "debug" } }));
    const env = functionEnvironment(topology, "profiles", TARGET);
    expect(env.LOG_LEVEL).toBe("debug");
    expect(env.CALLGRAPH_FUNCTION).toBe("profiles");
  });

  test("egress may be set with a connector, and an empty label value is allowed", () => {
    expect(
      spec({
        vpcConnector: "projects/123456789012/locations/us-central1/connectors/shared-vpc",
        vpcConnectorEgressSettings: "ALL_TRAFFIC",
        labels: { canary: "" },
      }),
    ).toMatchObject({ vpcConnectorEgressSettings: "ALL_TRAFFIC", labels: { canary: "" } });
  });
});

describe("environment", () => {
  const P = "functions.profiles.environment";
  test.each([
    [
      "CALLGRAPH_SELF_URL",
      `"CALLGRAPH_SELF_URL" is set or read by callgraph itself (every CALLGRAPH_* name is the program's: topology/environment.ts, functions/shared/env.ts); choose another name`,
    ],
    [
      "CALLGRAPH_ANYTHING_NEW",
      `"CALLGRAPH_ANYTHING_NEW" is set or read by callgraph itself (every CALLGRAPH_* name is the program's: topology/environment.ts, functions/shared/env.ts); choose another name`,
    ],
    [
      "PORT",
      `"PORT" is reserved by Cloud Run functions, which sets it on every instance; choose another name`,
    ],
    [
      "K_SERVICE",
      `"K_SERVICE" is reserved by Cloud Run functions, which sets it on every instance; choose another name`,
    ],
    [
      "FUNCTION_TARGET",
      `"FUNCTION_TARGET" is reserved by Cloud Run functions, which sets it on every instance; choose another name`,
    ],
    [
      "GCP_PROJECT",
      `"GCP_PROJECT" is reserved by Cloud Functions (1st gen sets it on older runtimes); choose another name`,
    ],
    [
      "X_GOOGLE_FOO",
      `"X_GOOGLE_FOO" is reserved by Google ("Keys cannot contain the X_GOOGLE_ prefix": https://cloud.google.com/run/docs/configuring/services/overview-environment-variables); choose another name`,
    ],
    [
      "GCE_METADATA_HOST",
      `"GCE_METADATA_HOST" is read by the function runtime's Google client to reach the metadata server: it would send the function's identity tokens elsewhere; choose another name`,
    ],
    [
      "NODE_ENV",
      `"NODE_ENV" is set by the runtime or its operating system (and by the local stack); choose another name`,
    ],
    [
      "port",
      `"port" is reserved by Cloud Run functions, which sets it on every instance; choose another name`,
    ],
    [
      "1ST",
      `invalid environment variable name "1ST": use letters, digits and underscores, not starting with a digit`,
    ],
    [
      "API-KEY",
      `invalid environment variable name "API-KEY": use letters, digits and underscores, not starting with a digit`,
    ],
    [
      "A=B",
      `invalid environment variable name "A=B": use letters, digits and underscores, not starting with a digit`,
    ],
  ])("%s is refused", (name, message) => {
    const at =
      ENV_NAME_PATTERN.test(name) || /^[A-Za-z0-9_-]+$/.test(name)
        ? `${P}.${name}`
        : `${P}[${JSON.stringify(name)}]`;
    expectRejected(profiles({ environment: { [name]: "x" } }), [{ path: at, message }]);
  });

  test.each([
    [8080, 'expected a string (quote numbers and booleans in YAML, e.g. "8080"), got 8080'],
    [true, 'expected a string (quote numbers and booleans in YAML, e.g. "8080"), got true'],
  ])("a value that is not a string (%j) is refused", (value, message) => {
    expectRejected(profiles({ environment: { PORT_NUMBER: value } }), [
      { path: `${P}.PORT_NUMBER`, message },
    ]);
  });

  test("a list is not a map", () => {
    expectRejected(profiles({ environment: ["A=1"] }), [
      { path: P, message: 'expected a map of variable name -> value, got ["A=1"]' },
    ]);
  });

  test("more than Google's 32 KiB of names and values is refused", () => {
    expectRejected(profiles({ environment: { BIG: "x".repeat(32 * 1024) } }), [
      {
        path: P,
        message:
          "its names and values take 32771 bytes; Google allows 32768 per function, the program's own variables included. Move large values into a secret file",
      },
    ]);
  });
});

describe("minInstances, vpcConnector and its egress, labels", () => {
  const F = "functions.profiles";
  test.each<[string, Record<string, unknown>, string, string]>([
    [
      "more instances kept than allowed",
      { minInstances: 11 },
      "minInstances",
      "11 is more than maxInstances (10): the minimum must not exceed the maximum",
    ],
    [
      "against a declared maximum",
      { minInstances: 4, maxInstances: 3 },
      "minInstances",
      "4 is more than maxInstances (3): the minimum must not exceed the maximum",
    ],
    [
      "a negative minimum",
      { minInstances: -1 },
      "minInstances",
      "must be a whole number from 0 to 3000, got -1",
    ],
    [
      "a connector that is no name",
      { vpcConnector: "My Connector" },
      "vpcConnector",
      '"My Connector" is not a Serverless VPC Access connector: give its name (lowercase letters, digits and hyphens, starting with a letter, at most 24 characters) or its full name projects/PROJECT/locations/REGION/connectors/NAME',
    ],
    [
      "egress without a connector",
      { vpcConnectorEgressSettings: "ALL_TRAFFIC" },
      "vpcConnectorEgressSettings",
      '"ALL_TRAFFIC" says what goes through a VPC connector, and the function names none: set vpcConnector too, or remove it',
    ],
    [
      "an egress Google does not have",
      { vpcConnector: "private", vpcConnectorEgressSettings: "VPC_EGRESS_ALL_TRAFFIC" },
      "vpcConnectorEgressSettings",
      '"VPC_EGRESS_ALL_TRAFFIC" is not one of "PRIVATE_RANGES_ONLY", "ALL_TRAFFIC"',
    ],
    [
      "an upper-case label key",
      { labels: { Team: "x" } },
      "labels.Team",
      'invalid label key "Team": start with a lowercase letter; use lowercase letters, digits, underscores and dashes, at most 63 characters',
    ],
    [
      "a label value with a space",
      { labels: { team: "Core Team" } },
      "labels.team",
      'invalid label value "Core Team": use lowercase letters, digits, underscores and dashes, at most 63 characters (or leave it empty)',
    ],
    [
      "the program's own label",
      { labels: { "managed-by": "me" } },
      "labels.managed-by",
      '"managed-by" is the program\'s own label (managed-by: callgraph); choose another key',
    ],
    [
      "a key Cloud Functions reserves",
      { labels: { "deployment-tool": "x" } },
      "labels.deployment-tool",
      '"deployment-tool": keys starting with "deployment" are reserved by Cloud Functions for deployment tools; choose another key',
    ],
    [
      "a label value that is a number",
      { labels: { tier: 1 } },
      "labels.tier",
      'expected a string (quote numbers and booleans in YAML, e.g. "8080"), got 1',
    ],
  ])("%s is refused", (_, settings, at, message) => {
    expectRejected(profiles(settings), [{ path: `${F}.${at}`, message }]);
  });

  test("64 labels with the program's own is the limit", () => {
    const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`l${i}`, "x"]));
    expectRejected(profiles({ labels }), [
      {
        path: `${F}.labels`,
        message:
          "64 labels: Google allows 64 on a function, one of them the program's own (managed-by); keep at most 63",
      },
    ]);
  });
});

describe("2nd gen only: concurrency and cpu", () => {
  const F = "functions.profiles";
  test("a 1st-gen function with concurrency or cpu is refused, naming its generation", () => {
    expectRejected(profiles({ concurrency: 10, cpu: 2 }, 1), [
      {
        path: `${F}.concurrency`,
        message:
          "concurrency (10) is a 2nd gen setting (Cloud Run functions' maxInstanceRequestConcurrency), and this function is 1st gen (generation: 1), whose instances serve one request at a time. Remove it, or set generation: 2",
      },
      {
        path: `${F}.cpu`,
        message:
          "cpu (2) is a 2nd gen setting (Cloud Run functions' availableCpu), and this function is 1st gen (generation: 1), whose CPU follows its memory. Remove it (set memory instead), or set generation: 2",
      },
    ]);
  });

  test("when the stack's generation makes it 1st gen, the message says so", () => {
    expectRejected(
      profiles({ concurrency: 10 }),
      [
        {
          path: `${F}.concurrency`,
          message:
            "concurrency (10) is a 2nd gen setting (Cloud Run functions' maxInstanceRequestConcurrency), and this function is 1st gen (callgraph:generation: 1), whose instances serve one request at a time. Remove it, or set generation: 2",
        },
      ],
      { defaultGeneration: 1 },
    );
  });

  test.each<[string, Record<string, unknown>, string, string]>([
    [
      "more than 1000 concurrent requests",
      { concurrency: 1001 },
      "concurrency",
      "must be a whole number from 1 to 1000, got 1001",
    ],
    [
      "concurrency on the default fraction of a vCPU",
      { concurrency: 10 },
      "concurrency",
      "10 concurrent requests need at least 1 vCPU, and the function has 0.167 (what 256 MB of memory comes with): set cpu: 1 (or memory: 2048 or more), or concurrency: 1",
    ],
    [
      "concurrency on a declared fraction",
      { concurrency: 10, cpu: 0.5, memory: 512 },
      "concurrency",
      "10 concurrent requests need at least 1 vCPU, and the function has 0.5: set cpu: 1 (or memory: 2048 or more), or concurrency: 1",
    ],
    [
      "3 vCPUs",
      { cpu: 3 },
      "cpu",
      "3 is not a vCPU count Cloud Run takes: use 1, 2, 4, 6 or 8, or a value from 0.08 to below 1 in steps of 0.001",
    ],
    [
      "below the smallest fraction",
      { cpu: 0.05 },
      "cpu",
      "0.05 is not a vCPU count Cloud Run takes: use 1, 2, 4, 6 or 8, or a value from 0.08 to below 1 in steps of 0.001",
    ],
    [
      "finer than 0.001",
      { cpu: "0.1234" },
      "cpu",
      '"0.1234" is not a vCPU count Cloud Run takes: use 1, 2, 4, 6 or 8, or a value from 0.08 to below 1 in steps of 0.001',
    ],
    [
      "millicpus",
      { cpu: "500m" },
      "cpu",
      '"500m" is not a vCPU count Cloud Run takes: use 1, 2, 4, 6 or 8, or a value from 0.08 to below 1 in steps of 0.001',
    ],
    [
      "a fraction with more than 512 MB",
      { cpu: 0.4, memory: 1024 },
      "cpu",
      "0.4 vCPU takes at most 512 MB of memory, and the function has 1024 MB: change memory or cpu",
    ],
    [
      "half a vCPU with more than 1 GB",
      { cpu: 0.5, memory: 2048 },
      "cpu",
      "0.5 vCPU takes at most 1024 MB of memory, and the function has 2048 MB: change memory or cpu",
    ],
    [
      "1 vCPU with 8 GB",
      { cpu: 1, memory: 8192 },
      "cpu",
      "1 vCPU takes at most 4096 MB of memory, and the function has 8192 MB: change memory or cpu",
    ],
    [
      "4 vCPUs with 1 GB",
      { cpu: 4, memory: 1024 },
      "cpu",
      "4 vCPU takes at least 2048 MB of memory, and the function has 1024 MB: change memory or cpu",
    ],
    [
      "6 vCPUs with 2 GB",
      { cpu: 6, memory: 2048 },
      "cpu",
      "6 vCPU takes at least 4096 MB of memory, and the function has 2048 MB: change memory or cpu",
    ],
    ["a cpu that is a list", { cpu: [1] }, "cpu", "expected a number of vCPUs, e.g. 1 or 0.5, got [1]"],
  ])("%s is refused", (_, settings, at, message) => {
    expectRejected(profiles(settings, 2), [{ path: `${F}.${at}`, message }]);
  });
});

describe("every problem at once", () => {
  test("problems of settings are reported with the rest, function by function", () => {
    expectRejected(
      {
        login: { calls: ["profile"], environment: { PORT: "1" }, labels: { Bad: "x" } },
        profiles: { generation: 1, cpu: 1, secrets: [{ secret: "x" }] },
      },
      [
        {
          path: "functions.login.calls[0]",
          message: 'unknown function "profile" (did you mean "profiles"?)',
        },
        {
          path: "functions.login.environment.PORT",
          message:
            '"PORT" is reserved by Cloud Run functions, which sets it on every instance; choose another name',
        },
        {
          path: "functions.login.labels.Bad",
          message:
            'invalid label key "Bad": start with a lowercase letter; use lowercase letters, digits, underscores and dashes, at most 63 characters',
        },
        {
          path: "functions.profiles.cpu",
          message:
            "cpu (1) is a 2nd gen setting (Cloud Run functions' availableCpu), and this function is 1st gen (generation: 1), whose CPU follows its memory. Remove it (set memory instead), or set generation: 2",
        },
        {
          path: "functions.profiles.secrets[0]",
          message:
            "give env (the environment variable it is read from) or path (the absolute path of its file)",
        },
      ],
    );
  });
});
