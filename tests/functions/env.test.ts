import {
  MAX_REQUEST_BYTES,
  MAX_REQUEST_BYTES_ENV,
  PLATFORM_VERIFIES_TOKENS_ENV,
  QUEUES_ENV,
  SOURCES_ENV,
  ENV as TOPOLOGY_ENV,
} from "../../topology/environment";
import {
  DEFAULT_CALL_RETRIES,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_JWKS_URL,
  DEFAULT_MAX_REQUEST_BYTES,
  ENV,
  FunctionEnvError,
  OPTIONAL_ENV,
  readFunctionEnv,
} from "../../functions/shared";

const VALID = {
  CALLGRAPH_FUNCTION: "login",
  CALLGRAPH_SELF_URL: "https://us-central1-proj.cloudfunctions.net/login",
  CALLGRAPH_CALLEES: '{"profiles":"https://us-central1-proj.cloudfunctions.net/profiles"}',
  CALLGRAPH_INVOKERS:
    '["serviceAccount:fn-search@proj.iam.gserviceaccount.com","group:developers@example.com","allUsers"]',
};

describe("readFunctionEnv", () => {
  test("the names are the ones the Pulumi program writes (topology/environment.ts)", () => {
    expect(ENV).toEqual(TOPOLOGY_ENV);
    expect(OPTIONAL_ENV.platformVerifiesTokens).toBe(PLATFORM_VERIFIES_TOKENS_ENV);
    expect(OPTIONAL_ENV.maxRequestBytes).toBe(MAX_REQUEST_BYTES_ENV);
    expect(OPTIONAL_ENV.sources).toBe(SOURCES_ENV);
    expect(OPTIONAL_ENV.queues).toBe(QUEUES_ENV);
  });

  test("unset, the body limit is 1st gen's, the smaller of the platform's two (10 MB against 32 MB)", () => {
    expect(DEFAULT_MAX_REQUEST_BYTES).toBe(MAX_REQUEST_BYTES[1]);
    expect(MAX_REQUEST_BYTES[1]).toBeLessThan(MAX_REQUEST_BYTES[2]);
    expect(readFunctionEnv({ ...VALID, CALLGRAPH_MAX_REQUEST_BYTES: "33554432" }).maxRequestBytes).toBe(
      33554432,
    );
  });

  test("reads a function's sources (emails in lower case) and queues", () => {
    expect(
      readFunctionEnv({
        ...VALID,
        CALLGRAPH_SOURCES: '{"Src-Nightly@p.iam.gserviceaccount.com":{"name":"nightly","kind":"scheduler"}}',
        CALLGRAPH_QUEUES: '{"retries":"projects/p/locations/r/queues/retries"}',
      }),
    ).toMatchObject({
      sources: { "src-nightly@p.iam.gserviceaccount.com": { name: "nightly", kind: "scheduler" } },
      queues: { retries: "projects/p/locations/r/queues/retries" },
    });
  });

  test("reads the deployed variables, with production defaults for the overrides", () => {
    expect(readFunctionEnv(VALID)).toEqual({
      functionName: "login",
      selfUrl: "https://us-central1-proj.cloudfunctions.net/login",
      callees: { profiles: "https://us-central1-proj.cloudfunctions.net/profiles" },
      invokers: [
        "serviceAccount:fn-search@proj.iam.gserviceaccount.com",
        "group:developers@example.com",
        "allUsers",
      ],
      jwksUrl: DEFAULT_JWKS_URL,
      tokenIssuers: ["https://accounts.google.com", "accounts.google.com"],
      userAudiences: ["32555940559.apps.googleusercontent.com"],
      callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
      callRetries: DEFAULT_CALL_RETRIES,
      platformVerifiesTokens: false,
      maxRequestBytes: 10 * 1024 * 1024,
      attachTokens: true,
      warmStart: true,
      maxHops: 10,
    });
  });

  test.each<[string | undefined, number | string]>([
    [undefined, 10],
    ["3", 3],
    ["100", 100],
    ["0", 'CALLGRAPH_MAX_HOPS must be an integer from 1 to 100, got "0"'],
    ["101", 'CALLGRAPH_MAX_HOPS must be an integer from 1 to 100, got "101"'],
    ["ten", 'CALLGRAPH_MAX_HOPS must be an integer from 1 to 100, got "ten"'],
  ])("CALLGRAPH_MAX_HOPS=%j: the hop limit is %j", (value, expected) => {
    const read = () => readFunctionEnv({ ...VALID, CALLGRAPH_MAX_HOPS: value }).maxHops;
    if (typeof expected === "number") expect(read()).toBe(expected);
    else expect(read).toThrow(expected);
  });

  test.each<[string | undefined, boolean]>([
    [undefined, true],
    ["", true],
    ["true", true],
    ["false", false],
    [" false ", false],
  ])("CALLGRAPH_ATTACH_TOKENS=%j: attachTokens is %s (on unless explicitly false)", (value, expected) => {
    expect(readFunctionEnv({ ...VALID, CALLGRAPH_ATTACH_TOKENS: value }).attachTokens).toBe(expected);
  });

  test("reads the overrides", () => {
    const env = readFunctionEnv({
      ...VALID,
      CALLGRAPH_JWKS_URL: "http://127.0.0.1:9000/certs",
      CALLGRAPH_TOKEN_ISSUERS: "https://a.example, b.example",
      CALLGRAPH_USER_AUDIENCES: "aud-1",
      CALLGRAPH_CALL_TIMEOUT_MS: "250",
      CALLGRAPH_CALL_RETRIES: "0",
      CALLGRAPH_PLATFORM_VERIFIES_TOKENS: "true",
    });
    expect(env).toMatchObject({
      platformVerifiesTokens: true,
      jwksUrl: "http://127.0.0.1:9000/certs",
      tokenIssuers: ["https://a.example", "b.example"],
      userAudiences: ["aud-1"],
      callTimeoutMs: 250,
      callRetries: 0,
    });
  });

  test("an empty callee map and invoker list are valid (a leaf function nobody calls)", () => {
    expect(readFunctionEnv({ ...VALID, CALLGRAPH_CALLEES: "{}", CALLGRAPH_INVOKERS: "[]" })).toMatchObject({
      callees: {},
      invokers: [],
    });
  });

  test.each<[string, Record<string, string | undefined>, string]>([
    ["no function name", { CALLGRAPH_FUNCTION: undefined }, "CALLGRAPH_FUNCTION is not set"],
    ["no self URL", { CALLGRAPH_SELF_URL: "" }, "CALLGRAPH_SELF_URL is not set"],
    [
      "a relative self URL",
      { CALLGRAPH_SELF_URL: "/login" },
      'CALLGRAPH_SELF_URL must be an absolute http(s) URL, got "/login"',
    ],
    [
      "an ftp self URL",
      { CALLGRAPH_SELF_URL: "ftp://x/login" },
      "CALLGRAPH_SELF_URL must be an absolute http(s) URL",
    ],
    ["no callees", { CALLGRAPH_CALLEES: undefined }, "CALLGRAPH_CALLEES is not set"],
    [
      "callees not JSON",
      { CALLGRAPH_CALLEES: "{profiles" },
      "CALLGRAPH_CALLEES must be a JSON object of callee name -> URL",
    ],
    ["callees as a list", { CALLGRAPH_CALLEES: '["profiles"]' }, "CALLGRAPH_CALLEES must be a JSON object"],
    [
      "a callee URL that is not a string",
      { CALLGRAPH_CALLEES: '{"profiles":1}' },
      'the value of "profiles" is not a string',
    ],
    [
      "a callee URL that is not a URL",
      { CALLGRAPH_CALLEES: '{"profiles":"profiles"}' },
      'CALLGRAPH_CALLEES (callee "profiles") must be an absolute http(s) URL',
    ],
    ["no invokers", { CALLGRAPH_INVOKERS: undefined }, "CALLGRAPH_INVOKERS is not set"],
    [
      "invokers as an object",
      { CALLGRAPH_INVOKERS: "{}" },
      "CALLGRAPH_INVOKERS must be a JSON array of IAM members",
    ],
    [
      "an invoker that is not a member",
      { CALLGRAPH_INVOKERS: '["developers@example.com"]' },
      '"developers@example.com" is not an IAM member',
    ],
    [
      "a JWKS URL that is not a URL",
      { CALLGRAPH_JWKS_URL: "certs" },
      "CALLGRAPH_JWKS_URL must be an absolute http(s) URL",
    ],
    [
      "an empty issuer",
      { CALLGRAPH_TOKEN_ISSUERS: "a,,b" },
      "CALLGRAPH_TOKEN_ISSUERS must be a comma-separated list without empty items",
    ],
    [
      "a zero timeout",
      { CALLGRAPH_CALL_TIMEOUT_MS: "0" },
      "CALLGRAPH_CALL_TIMEOUT_MS must be an integer from 1 to 600000",
    ],
    [
      "a fractional timeout",
      { CALLGRAPH_CALL_TIMEOUT_MS: "1.5" },
      "CALLGRAPH_CALL_TIMEOUT_MS must be an integer",
    ],
    [
      "negative retries",
      { CALLGRAPH_CALL_RETRIES: "-1" },
      "CALLGRAPH_CALL_RETRIES must be an integer from 0 to 10",
    ],
    [
      "too many retries",
      { CALLGRAPH_CALL_RETRIES: "11" },
      "CALLGRAPH_CALL_RETRIES must be an integer from 0 to 10",
    ],
    // Only the exact words: a typo must not silently change what calls carry.
    ...["no", "0", "FALSE", "off"].map((value): [string, Record<string, string>, string] => [
      `an attach-tokens flag of ${JSON.stringify(value)}`,
      { CALLGRAPH_ATTACH_TOKENS: value },
      `CALLGRAPH_ATTACH_TOKENS must be "true" or "false", got ${JSON.stringify(value)}`,
    ]),
    [
      "a body limit above the platform's largest (32 MB)",
      { CALLGRAPH_MAX_REQUEST_BYTES: String(32 * 1024 * 1024 + 1) },
      "CALLGRAPH_MAX_REQUEST_BYTES must be an integer from 1 to 33554432",
    ],
    [
      "a body limit that is not a number",
      { CALLGRAPH_MAX_REQUEST_BYTES: "10mb" },
      'CALLGRAPH_MAX_REQUEST_BYTES must be an integer from 1 to 33554432, got "10mb"',
    ],
    [
      "a platform flag that is not a boolean",
      { CALLGRAPH_PLATFORM_VERIFIES_TOKENS: "yes" },
      'CALLGRAPH_PLATFORM_VERIFIES_TOKENS must be "true" or "false", got "yes"',
    ],
    [
      "a sources map whose entry has an unknown kind",
      { CALLGRAPH_SOURCES: '{"src-a@p.iam.gserviceaccount.com":{"name":"a","kind":"cron"}}' },
      'CALLGRAPH_SOURCES must be a JSON object of account email -> {"name", "kind"}; the entry of "src-a@p.iam.gserviceaccount.com" is not one (kind: scheduler, pubsub, tasks, workflow, eventarc)',
    ],
    [
      "a sources value that is not an object",
      { CALLGRAPH_SOURCES: "[]" },
      'CALLGRAPH_SOURCES must be a JSON object of account email -> {"name", "kind"}',
    ],
    [
      "a queue that is not a queue's full name",
      { CALLGRAPH_QUEUES: '{"retries":"retries"}' },
      'CALLGRAPH_QUEUES must be a JSON object of queue name -> projects/P/locations/L/queues/Q; the value of "retries" is not one',
    ],
  ])("%s: FunctionEnvError naming the variable", (_name, change, message) => {
    const env = { ...VALID, ...change };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete env[k as keyof typeof env];
    let error: unknown;
    try {
      readFunctionEnv(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FunctionEnvError);
    expect((error as FunctionEnvError).message).toContain(message);
    expect((error as FunctionEnvError).message).toContain("The Pulumi program sets it");
  });
});
