import { CONFIG_KEY, parseTopology, TopologyError, type TopologyIssue } from "../../topology";
import { serviceAccountCollisions } from "../../topology/parse";
import {
  ALLOWED_KEYS,
  expectedMessage,
  expectRejected,
  folders,
  HAPPY_FOLDERS,
  happyPath,
  MEMBER_SHAPE,
  rejection,
  withFunction,
} from "./helpers";

const A49 = `a${"b".repeat(47)}c`; // 49 characters: the longest valid name
const A50 = `a${"b".repeat(48)}c`;

/** One case: a label, the declaration (the happy path with one change), and every issue it must produce. */
type Case = [label: string, raw: unknown, issues: TopologyIssue[]];

const issue = (path: string, message: string): TopologyIssue => ({ path, message });

describe("the happy path", () => {
  test("is accepted, with and without the source-folder check", () => {
    expect(parseTopology(happyPath()).functions.map((f) => f.name)).toEqual(["login", "profiles", "search"]);
    expect(parseTopology(happyPath(), { sourceExists: folders(...HAPPY_FOLDERS) }).functions).toHaveLength(3);
  });
});

describe("callgraph:functions itself", () => {
  const missing =
    "missing: declare each function and what it calls, e.g. `pulumi config set --path 'callgraph:functions.NAME.calls[0]' CALLEE`";
  test.each<Case>([
    ["undefined", undefined, [issue(CONFIG_KEY, missing)]],
    ["null", null, [issue(CONFIG_KEY, missing)]],
    ["a list", [], [issue(CONFIG_KEY, "expected a map of function name -> settings, got []")]],
    [
      "a list of names",
      ["login"],
      [issue(CONFIG_KEY, 'expected a map of function name -> settings, got ["login"]')],
    ],
    ["a string", "login", [issue(CONFIG_KEY, 'expected a map of function name -> settings, got "login"')]],
    ["a number", 42, [issue(CONFIG_KEY, "expected a map of function name -> settings, got 42")]],
    ["a boolean", true, [issue(CONFIG_KEY, "expected a map of function name -> settings, got true")]],
    ["an empty map", {}, [issue(CONFIG_KEY, "declares no function: declare at least one")]],
  ])("rejects %s", (_label, raw, issues) => expectRejected(raw, issues));

  test("a long value is cut short in the message", () => {
    const error = rejection("x".repeat(100));
    expect(error.issues).toEqual([
      issue(CONFIG_KEY, `expected a map of function name -> settings, got "${"x".repeat(56)}...`),
    ]);
  });
});

describe("callees", () => {
  test.each<Case>([
    [
      "unknown callee, near miss",
      withFunction("login", { calls: ["profile"] }),
      [issue("functions.login.calls[0]", 'unknown function "profile" (did you mean "profiles"?)')],
    ],
    [
      "unknown callee, two letters off",
      withFunction("login", { calls: ["serch"] }),
      [issue("functions.login.calls[0]", 'unknown function "serch" (did you mean "search"?)')],
    ],
    [
      "unknown callee, far off",
      withFunction("login", { calls: ["billing"] }),
      [issue("functions.login.calls[0]", 'unknown function "billing"')],
    ],
    [
      // Suggesting the caller itself would only lead to the self-call error.
      "unknown callee close to the caller's own name",
      withFunction("login", { calls: ["logn"] }),
      [issue("functions.login.calls[0]", 'unknown function "logn"')],
    ],
    [
      // Two letters are within two edits of any two-letter name: that is no near miss.
      "unknown short callee with nothing in common",
      { ...withFunction("login", { calls: ["cd"] }), ab: {} },
      [issue("functions.login.calls[0]", 'unknown function "cd"')],
    ],
    [
      "unknown callee in second place",
      withFunction("login", { calls: ["profiles", "profile"] }),
      [issue("functions.login.calls[1]", 'unknown function "profile" (did you mean "profiles"?)')],
    ],
    [
      "self-call",
      withFunction("profiles", { calls: ["profiles"] }),
      [
        issue(
          "functions.profiles.calls[0]",
          '"profiles" calls itself: a function needs no grant to run its own code',
        ),
      ],
    ],
    [
      "callee listed twice",
      withFunction("login", { calls: ["profiles", "search", "profiles"] }),
      [issue("functions.login.calls[2]", '"profiles" is listed twice')],
    ],
  ])("rejects %s", (_label, raw, issues) => expectRejected(raw, issues));

  test("a callee that exists under an invalid name is not also unknown", () => {
    expectRejected({ ...withFunction("login", { calls: ["Profiles"] }), Profiles: {} }, [
      issue(
        "functions.Profiles",
        'invalid function name "Profiles": use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
      ),
    ]);
  });
});

describe("keys", () => {
  test.each<Case>([
    [
      "call instead of calls",
      withFunction("login", { call: ["profiles"] }),
      [issue("functions.login.call", `unknown key "call" (did you mean "calls"?) ${ALLOWED_KEYS}`)],
    ],
    [
      "invoker instead of invokers",
      withFunction("profiles", { invoker: ["allUsers"] }),
      [
        issue(
          "functions.profiles.invoker",
          `unknown key "invoker" (did you mean "invokers"?) ${ALLOWED_KEYS}`,
        ),
      ],
    ],
    [
      "entrypoint in the wrong case",
      withFunction("profiles", { entrypoint: "profiles" }),
      [
        issue(
          "functions.profiles.entrypoint",
          `unknown key "entrypoint" (did you mean "entryPoint"?) ${ALLOWED_KEYS}`,
        ),
      ],
    ],
    [
      "a far-off key",
      withFunction("profiles", { region: "europe-west1" }),
      [issue("functions.profiles.region", `unknown key "region" ${ALLOWED_KEYS}`)],
    ],
    [
      "two unknown keys",
      withFunction("profiles", { memroy: 512, color: "red" }),
      [
        issue("functions.profiles.memroy", `unknown key "memroy" (did you mean "memory"?) ${ALLOWED_KEYS}`),
        issue("functions.profiles.color", `unknown key "color" ${ALLOWED_KEYS}`),
      ],
    ],
    [
      "a key that is not a plain word",
      withFunction("profiles", { "max instances": 3 }),
      [
        issue(
          'functions.profiles["max instances"]',
          `unknown key "max instances" (did you mean "maxInstances"?) ${ALLOWED_KEYS}`,
        ),
      ],
    ],
  ])("rejects %s", (_label, raw, issues) => expectRejected(raw, issues));
});

describe("types", () => {
  const settings = "expected an object of settings (use {} for none)";
  test.each<Case>([
    [
      "calls: profiles (a string, not a list)",
      withFunction("login", { calls: "profiles" }),
      [issue("functions.login.calls", 'expected a list of function names, e.g. [profiles], got "profiles"')],
    ],
    [
      "calls as a map",
      withFunction("login", { calls: { profiles: true } }),
      [
        issue(
          "functions.login.calls",
          'expected a list of function names, e.g. [profiles], got {"profiles":true}',
        ),
      ],
    ],
    [
      "invokers not a list",
      withFunction("profiles", { invokers: "allUsers" }),
      [issue("functions.profiles.invokers", 'expected a list of IAM members, got "allUsers"')],
    ],
    [
      "a number among calls",
      withFunction("login", { calls: [1] }),
      [issue("functions.login.calls[0]", "expected a string, got 1")],
    ],
    [
      "a number among invokers",
      withFunction("profiles", { invokers: [42] }),
      [issue("functions.profiles.invokers[0]", "expected a string, got 42")],
    ],
    [
      "a number as source",
      withFunction("profiles", { source: 7 }),
      [issue("functions.profiles.source", "expected a string, got 7")],
    ],
    [
      "a number as entryPoint",
      withFunction("profiles", { entryPoint: 7 }),
      [issue("functions.profiles.entryPoint", "expected a string, got 7")],
    ],
    [
      "a string as memory",
      withFunction("profiles", { memory: "256" }),
      [issue("functions.profiles.memory", 'expected a number, got "256"')],
    ],
    [
      "a string as timeout",
      withFunction("profiles", { timeout: "60s" }),
      [issue("functions.profiles.timeout", 'expected a number, got "60s"')],
    ],
    [
      "a boolean as maxInstances",
      withFunction("profiles", { maxInstances: true }),
      [issue("functions.profiles.maxInstances", "expected a number, got true")],
    ],
    [
      "a function that is a string",
      withFunction("profiles", "yes"),
      [issue("functions.profiles", `${settings}, got "yes"`)],
    ],
    [
      "a function that is a number",
      withFunction("profiles", 1),
      [issue("functions.profiles", `${settings}, got 1`)],
    ],
    [
      "a function that is a list",
      withFunction("profiles", []),
      [issue("functions.profiles", `${settings}, got []`)],
    ],
    [
      "a function that is null (`profiles:` in YAML)",
      withFunction("profiles", null),
      [issue("functions.profiles", `${settings}, got null`)],
    ],
  ])("rejects %s", (_label, raw, issues) => expectRejected(raw, issues));
});

describe("function names", () => {
  const rule =
    "use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen";
  test.each<Case>([
    [
      "uppercase",
      { ...happyPath(), Billing: {} },
      [issue("functions.Billing", `invalid function name "Billing": ${rule}`)],
    ],
    [
      "an underscore",
      { ...happyPath(), log_in: {} },
      [issue("functions.log_in", `invalid function name "log_in": ${rule}`)],
    ],
    [
      "a leading digit",
      { ...happyPath(), "1login": {} },
      [issue("functions.1login", `invalid function name "1login": ${rule}`)],
    ],
    [
      "a leading hyphen",
      { ...happyPath(), "-login": {} },
      [issue("functions.-login", `invalid function name "-login": ${rule}`)],
    ],
    [
      "a trailing hyphen",
      { ...happyPath(), "login-": {} },
      [issue("functions.login-", `invalid function name "login-": ${rule}`)],
    ],
    [
      "a dot",
      { ...happyPath(), "log.in": {} },
      [issue('functions["log.in"]', `invalid function name "log.in": ${rule}`)],
    ],
    ["empty", { ...happyPath(), "": {} }, [issue('functions[""]', `invalid function name "": ${rule}`)]],
    [
      "50 characters",
      { ...happyPath(), [A50]: {} },
      [issue(`functions.${A50}`, `invalid function name "${A50}": at most 49 characters (it has 50)`)],
    ],
  ])("rejects %s", (_label, raw, issues) => expectRejected(raw, issues));

  test.each([
    ["49 characters", A49],
    ["one letter", "a"],
    ["digits and hyphens inside", "a-1-b2"],
    ["a double hyphen", "a--b"],
  ])("accepts %s", (_label, name) => {
    expect(parseTopology({ ...happyPath(), [name]: {} }).functions.map((f) => f.name)).toContain(name);
  });
});

describe("invoker members", () => {
  const invalid = (member: string, problem: string): Case => [
    member,
    withFunction("profiles", { invokers: [member] }),
    [issue("functions.profiles.invokers[0]", `invalid member ${JSON.stringify(member)}: ${problem}`)],
  ];
  test.each<Case>([
    invalid("developers@example.com", MEMBER_SHAPE),
    invalid("allusers", 'public members must be written exactly "allUsers"'),
    invalid("AllUsers", 'public members must be written exactly "allUsers"'),
    invalid("allauthenticatedusers", 'public members must be written exactly "allAuthenticatedUsers"'),
    invalid("serviceaccount:ci@example.com", 'member type is case-sensitive: write "serviceAccount:"'),
    invalid("User:alice@example.com", 'member type is case-sensitive: write "user:"'),
    invalid(
      "owner:alice@example.com",
      'unknown member type "owner:" (expected user:, group:, serviceAccount: or domain:)',
    ),
    invalid("user:alice", '"alice" is not an email address'),
    invalid("user:", '"" is not an email address'),
    invalid("group:developers@example", '"developers@example" is not an email address'),
    invalid("serviceAccount:ci@@example.com", '"ci@@example.com" is not an email address'),
    invalid("user:alice bob@example.com", '"alice bob@example.com" is not an email address'),
    invalid("domain:example", '"example" is not a domain'),
    invalid("domain:-example.com", '"-example.com" is not a domain'),
    invalid("domain:alice@example.com", '"alice@example.com" is not a domain'),
    [
      "a member listed twice",
      withFunction("profiles", {
        invokers: ["user:alice@example.com", "allUsers", "user:alice@example.com"],
      }),
      [issue("functions.profiles.invokers[2]", '"user:alice@example.com" is listed twice')],
    ],
  ])("rejects %s", (_label, raw, issues) => expectRejected(raw, issues));

  test.each([
    "user:alice@example.com",
    "group:developers@example.com",
    "serviceAccount:ci@other-project.iam.gserviceaccount.com",
    "domain:example.com",
    "domain:corp.example.co.uk",
    "allUsers",
    "allAuthenticatedUsers",
  ])("accepts %s", (member) => {
    const topology = parseTopology(withFunction("profiles", { invokers: [member] }));
    expect(topology.functions.find((f) => f.name === "profiles")?.invokers).toEqual([member]);
  });
});

describe("source folders", () => {
  const hint = " (the default is functions/<name>; set `source` to use another folder)";
  test.each<Case>([
    [
      "the default folder is missing",
      { ...happyPath(), billing: {} },
      [issue("functions.billing.source", `source folder "functions/billing" does not exist${hint}`)],
    ],
    [
      "a declared folder is missing (no hint about the default)",
      withFunction("profiles", { source: "src/profiles" }),
      [issue("functions.profiles.source", 'source folder "src/profiles" does not exist')],
    ],
    [
      "an empty source",
      withFunction("profiles", { source: "" }),
      [
        issue("functions.profiles.source", 'source folder "" does not exist'),
        issue("functions.profiles.source", 'must name a folder of the project, not be empty, got ""'),
      ],
    ],
  ])("rejects %s", (_label, raw, issues) =>
    expectRejected(raw, issues, { sourceExists: folders(...HAPPY_FOLDERS) }),
  );

  test("a declared folder that exists is accepted and asked about, not the default", () => {
    const asked: string[] = [];
    const sourceExists = (folder: string) => {
      asked.push(folder);
      return [...HAPPY_FOLDERS, "src/profiles"].includes(folder);
    };
    parseTopology(withFunction("profiles", { source: "src/profiles" }), { sourceExists });
    expect(asked.sort()).toEqual(["functions/login", "functions/search", "src/profiles"]);
  });

  test("without sourceExists no folder is checked", () => {
    expect(parseTopology({ ...happyPath(), billing: {} }).functions).toHaveLength(4);
  });
});

describe("runtime settings", () => {
  test.each<Case>([
    [
      "memory that is no Cloud Functions size",
      withFunction("profiles", { memory: 300 }),
      [
        issue(
          "functions.profiles.memory",
          "must be one of 128, 256, 512, 1024, 2048, 4096, 8192 (MB), got 300",
        ),
      ],
    ],
    [
      "memory that is not whole",
      withFunction("profiles", { memory: 256.5 }),
      [issue("functions.profiles.memory", "expected a whole number, got 256.5")],
    ],
    [
      "timeout 0",
      withFunction("profiles", { timeout: 0 }),
      [
        issue(
          "functions.profiles.timeout",
          "must be a whole number from 1 to 3600 seconds (1st gen: up to 540), got 0",
        ),
      ],
    ],
    [
      "timeout above gen1's 540 seconds",
      withFunction("profiles", { timeout: 541, generation: 1 }),
      [issue("functions.profiles.timeout", "1st gen allows at most 540 seconds, got 541")],
    ],
    [
      "timeout above 2nd gen's 3600 seconds",
      withFunction("profiles", { timeout: 3601, generation: 2 }),
      [
        issue(
          "functions.profiles.timeout",
          "must be a whole number from 1 to 3600 seconds (1st gen: up to 540), got 3601",
        ),
      ],
    ],
    [
      "a fractional timeout",
      withFunction("profiles", { timeout: 1.5 }),
      [issue("functions.profiles.timeout", "expected a whole number, got 1.5")],
    ],
    [
      "maxInstances 0",
      withFunction("profiles", { maxInstances: 0 }),
      [issue("functions.profiles.maxInstances", "must be a whole number from 1 to 3000, got 0")],
    ],
    [
      "maxInstances above 3000",
      withFunction("profiles", { maxInstances: 3001 }),
      [issue("functions.profiles.maxInstances", "must be a whole number from 1 to 3000, got 3001")],
    ],
    [
      "ingress in the wrong case",
      withFunction("profiles", { ingress: "allow_all" }),
      [
        issue(
          "functions.profiles.ingress",
          '"allow_all" is not one of "ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"',
        ),
      ],
    ],
    [
      "a gen2 ingress value",
      withFunction("profiles", { ingress: "ALLOW_INTERNAL_AND_LB" }),
      [
        issue(
          "functions.profiles.ingress",
          '"ALLOW_INTERNAL_AND_LB" is not one of "ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"',
        ),
      ],
    ],
    [
      "an entryPoint with a hyphen",
      withFunction("profiles", { entryPoint: "get-profile" }),
      [issue("functions.profiles.entryPoint", '"get-profile" is not a JavaScript export name')],
    ],
    [
      "an entryPoint with a leading digit",
      withFunction("profiles", { entryPoint: "1handler" }),
      [issue("functions.profiles.entryPoint", '"1handler" is not a JavaScript export name')],
    ],
    [
      "an empty entryPoint",
      withFunction("profiles", { entryPoint: "" }),
      [issue("functions.profiles.entryPoint", '"" is not a JavaScript export name')],
    ],
  ])("rejects %s", (_label, raw, issues) => expectRejected(raw, issues));

  test.each([
    ["the largest memory", { memory: 8192 }],
    ["the smallest memory", { memory: 128 }],
    ["timeout 1", { timeout: 1 }],
    ["timeout 540", { timeout: 540 }],
    ["2nd gen timeout 3600 (an HTTP function's limit)", { timeout: 3600, generation: 2 }],
    ["maxInstances 1", { maxInstances: 1 }],
    ["maxInstances 3000", { maxInstances: 3000 }],
    ["2nd gen", { generation: 2 }],
    ["an entryPoint with $ and _", { entryPoint: "$get_Profile2" }],
  ])("accepts %s", (_label, settings) => {
    expect(parseTopology(withFunction("profiles", settings)).functions).toHaveLength(3);
  });
});

describe("generation", () => {
  test.each([
    [3, "3 is not one of 1, 2"],
    ["1", '"1" is not one of 1, 2'],
  ])("a function's generation must be 1 or 2, as a number: %j is refused", (value, message) => {
    expect(() => parseTopology(withFunction("profiles", { generation: value }))).toThrow(
      `functions.profiles.generation: ${message}`,
    );
  });

  test.each([["2"], [3], [0]])("the stack-wide callgraph:generation %j is refused", (value) => {
    const error = rejection(happyPath(), { defaultGeneration: value });
    expect(error.issues[0]).toEqual(
      issue("callgraph:generation", `must be 1 or 2, got ${JSON.stringify(value)}`),
    );
  });
});

describe("service-account id collisions", () => {
  // Long ids carry 56 bits of hash, so no real pair of names is known to collide; the refusal is tested with a
  // derivation that collides on purpose: invariant 7 holds because parse refuses such a pair.
  const truncating = (name: string) => `fn-${name.slice(0, 9)}`;

  test("are refused, naming both functions", () => {
    expect(serviceAccountCollisions(["reporting-one", "reporting-two", "login"], truncating)).toEqual([
      issue(
        "functions.reporting-two",
        'service-account id "fn-reporting" is also derived from "reporting-one": rename one of them',
      ),
    ]);
  });

  test("are not found among distinct real ids", () => {
    const names = Array.from({ length: 2000 }, (_, i) => `reporting-pipeline-aggregation-stage-${i}`);
    expect(serviceAccountCollisions(names)).toEqual([]);
  });
});

describe("every problem at once", () => {
  const declaration = {
    login: { calls: ["profile", "login"], invokers: ["allusers"], memroy: 512 },
    profiles: { calls: "search", timeout: 0, invokers: ["user:alice@example.com", "user:alice@example.com"] },
    search: { invokers: ["user:bob"], entryPoint: "search-handler", ingress: "internal" },
    Billing: { calls: ["nowhere"] },
    reports: 7,
  };
  const expected: TopologyIssue[] = [
    issue("functions.login.calls[0]", 'unknown function "profile" (did you mean "profiles"?)'),
    issue("functions.login.calls[1]", '"login" calls itself: a function needs no grant to run its own code'),
    issue(
      "functions.login.invokers[0]",
      'invalid member "allusers": public members must be written exactly "allUsers"',
    ),
    issue("functions.login.memroy", `unknown key "memroy" (did you mean "memory"?) ${ALLOWED_KEYS}`),
    issue("functions.profiles.invokers[1]", '"user:alice@example.com" is listed twice'),
    issue("functions.profiles.calls", 'expected a list of function names, e.g. [search], got "search"'),
    issue(
      "functions.profiles.timeout",
      "must be a whole number from 1 to 3600 seconds (1st gen: up to 540), got 0",
    ),
    issue("functions.search.entryPoint", '"search-handler" is not a JavaScript export name'),
    issue("functions.search.invokers[0]", 'invalid member "user:bob": "bob" is not an email address'),
    issue(
      "functions.search.ingress",
      '"internal" is not one of "ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"',
    ),
    issue(
      "functions.Billing",
      'invalid function name "Billing": use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
    ),
    issue("functions.Billing.calls[0]", 'unknown function "nowhere"'),
    issue(
      "functions.Billing.source",
      'source folder "functions/Billing" does not exist (the default is functions/<name>; set `source` to use another folder)',
    ),
    issue(
      "functions.reports.source",
      'source folder "functions/reports" does not exist (the default is functions/<name>; set `source` to use another folder)',
    ),
    issue("functions.reports", "expected an object of settings (use {} for none), got 7"),
  ];
  const options = { sourceExists: folders(...HAPPY_FOLDERS) };

  test("are reported together in one error, function by function in declaration order", () => {
    expectRejected(declaration, expected, options);
  });

  test("the message lists every issue on its own line", () => {
    const error = rejection(declaration, options);
    expect(error.name).toBe("TopologyError");
    expect(error.message.split("\n")[0]).toBe(
      "Invalid call graph in stack config (callgraph:functions), 15 problems:",
    );
    for (const { path, message } of expected) expect(error.message).toContain(`\n  ${path}: ${message}`);
  });

  test("the order is stable from run to run", () => {
    const runs = [1, 2, 3].map(() => rejection(declaration, options).issues);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });
});

describe("one malformed value hides no other problem", () => {
  test("a key of the wrong type still lets the function's runtime and timeout be checked against its generation", () => {
    expectRejected(
      withFunction("login", { runtime: "nodejs8", generation: 1, timeout: 3000, memory: "lots" }),
      [
        issue(
          "functions.login.runtime",
          '"nodejs8" is not offered by Cloud Functions 1st gen (1st gen accepts: nodejs22)',
        ),
        issue("functions.login.timeout", "1st gen allows at most 540 seconds, got 3000"),
        issue("functions.login.memory", 'expected a number, got "lots"'),
      ],
      { today: new Date("2026-12-07T00:00:00Z") },
    );
  });

  test("a timeout the schema refuses is reported once, by the schema", () => {
    expectRejected(withFunction("login", { generation: 1, timeout: 5000 }), [
      issue(
        "functions.login.timeout",
        "must be a whole number from 1 to 3600 seconds (1st gen: up to 540), got 5000",
      ),
    ]);
  });

  test("an entry of the wrong type in a list hides none of the others, each named at its own index", () => {
    expectRejected(
      withFunction("login", {
        calls: ["profiles", 3, "nowhere"],
        invokers: ["user:bob", 7, "allusers", "user:a@example.com", "user:a@example.com"],
      }),
      [
        issue("functions.login.calls[2]", 'unknown function "nowhere"'),
        issue("functions.login.invokers[0]", 'invalid member "user:bob": "bob" is not an email address'),
        issue(
          "functions.login.invokers[2]",
          'invalid member "allusers": public members must be written exactly "allUsers"',
        ),
        issue("functions.login.invokers[4]", '"user:a@example.com" is listed twice'),
        issue("functions.login.calls[1]", "expected a string, got 3"),
        issue("functions.login.invokers[1]", "expected a string, got 7"),
      ],
    );
  });
});

describe("an invoker that is an account the program creates in the same project", () => {
  const account = (id: string, project = "callgraph-test") =>
    `serviceAccount:${id}@${project}.iam.gserviceaccount.com`;

  test("a function's own, another's (an edge written backwards) and the build account are refused", () => {
    expectRejected(
      withFunction("login", {
        calls: ["profiles"],
        invokers: [
          account("fn-search"),
          account("fn-login"),
          account("callgraph-build"),
          account("FN-SEARCH"),
        ],
      }),
      [
        issue(
          "functions.login.invokers[0]",
          '"serviceAccount:fn-search@callgraph-test.iam.gserviceaccount.com" is search\'s own account: declare the edge where it is read, functions.search.calls: [login], instead',
        ),
        issue(
          "functions.login.invokers[1]",
          '"serviceAccount:fn-login@callgraph-test.iam.gserviceaccount.com" is login\'s own account: a function needs no grant to run its own code',
        ),
        issue(
          "functions.login.invokers[2]",
          '"serviceAccount:callgraph-build@callgraph-test.iam.gserviceaccount.com" is the build account, which builds functions and never invokes one: remove it',
        ),
        issue(
          "functions.login.invokers[3]",
          '"serviceAccount:FN-SEARCH@callgraph-test.iam.gserviceaccount.com" is search\'s own account: declare the edge where it is read, functions.search.calls: [login], instead',
        ),
      ],
      { project: "callgraph-test" },
    );
  });

  test("through a principal, and a caller's own account, alike", () => {
    const rejected = rejection(withFunction("login", { invokers: ["ops"] }), {
      project: "callgraph-test",
      principals: { ops: ["group:ops@example.com", account("fn-search")] },
      callers: { nightly: { scheduler: { schedule: "0 3 * * *" }, calls: ["login"] } },
    });
    expect(rejected.issues).toEqual([
      issue(
        "callgraph:principals.ops[1]",
        '"serviceAccount:fn-search@callgraph-test.iam.gserviceaccount.com" is search\'s own account: declare the edge where it is read, functions.search.calls, instead',
      ),
    ]);
    expect(
      rejection(withFunction("login", { invokers: [account("src-nightly")] }), {
        project: "callgraph-test",
        callers: { nightly: { scheduler: { schedule: "0 3 * * *" }, calls: ["profiles"] } },
      }).issues,
    ).toEqual([
      issue(
        "functions.login.invokers[0]",
        '"serviceAccount:src-nightly@callgraph-test.iam.gserviceaccount.com" is the caller nightly\'s own account: declare the edge where it is read, callers.nightly.calls: [login], instead',
      ),
    ]);
  });

  test("the same ids in another project are other accounts (a function of another stack may call)", () => {
    const declaration = withFunction("login", { invokers: [account("fn-search", "other-project")] });
    expect(parseTopology(declaration, { project: "callgraph-test" }).functions).toHaveLength(3);
    // Without a project, nothing is known to be the program's own.
    expect(parseTopology(withFunction("login", { invokers: [account("fn-search")] })).functions).toHaveLength(
      3,
    );
  });
});

describe("TopologyError", () => {
  test("says 1 problem in the singular", () => {
    const error = new TopologyError([issue("functions.a.calls[0]", "wrong")]);
    expect(error.message).toBe(
      "Invalid call graph in stack config (callgraph:functions), 1 problem:\n  functions.a.calls[0]: wrong",
    );
    expect(error).toBeInstanceOf(Error);
  });

  test("keeps its issues as given", () => {
    const issues = [issue("a", "x"), issue("b", "y")];
    const error = new TopologyError(issues);
    expect(error.issues).toEqual(issues);
    expect(error.message).toBe(expectedMessage(issues));
  });
});
