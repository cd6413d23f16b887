import * as fs from "node:fs";
import * as path from "node:path";
import { fromEngine, TYPES, type Evaluation, type RegisteredResource } from "../../engine";
import { runRules } from "../../policy/run-rules";
import { evaluateFixture, FIXTURE_TARGET, fixtureSource, REPO_ROOT, runs } from "../fixtures";

/**
 * Callers that are not functions (`callgraph:callers`), one or more of every kind, in both generations, under the
 * mocks in update and preview mode. Everything expected is written out here from the declaration below, never
 * derived with the program's own helpers.
 */
const PROJECT = FIXTURE_TARGET["gcp:project"];
const REGION = FIXTURE_TARGET["gcp:region"];
const NUMBER = "123456789012";
const WORKFLOW = "tests/fixtures/workflows/chain.yaml";
const AGENT = `serviceAccount:service-${NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;

const FUNCTIONS = {
  alpha: { calls: ["beta"], invokers: ["group:developers@example.com"], source: fixtureSource("alpha") },
  beta: { source: fixtureSource("beta") },
  gamma: { calls: ["beta"], source: fixtureSource("gamma") },
  // Eventarc delivers to Cloud Run services: a 2nd-gen function in either stack.
  events: { generation: 2, ...runs("beta") },
};

const CALLERS = {
  nightly: {
    scheduler: { schedule: "0 3 * * *", timeZone: "Europe/Paris", path: "/nightly" },
    calls: ["beta"],
  },
  "orders-push": { pubsub: { topic: "orders" }, calls: ["gamma"] },
  "orders-audit": { pubsub: { topic: "orders", noWrapper: true }, calls: ["alpha"] },
  "partner-push": { pubsub: { topic: "projects/partner-project/topics/feed" }, calls: ["beta"] },
  retries: { tasks: { enqueuers: ["alpha"], maxAttempts: 5 }, calls: ["beta"] },
  chain: { workflow: { source: WORKFLOW }, calls: ["alpha", "beta"] },
  uploads: {
    eventarc: { eventType: "google.cloud.storage.object.v1.finalized", filters: { bucket: "uploads" } },
    calls: ["events"],
  },
} as const;

const KIND_OF: Record<string, string> = Object.fromEntries(
  Object.entries(CALLERS).map(([name, c]) => [name, Object.keys(c).find((k) => k !== "calls")!]),
);

const account = (id: string) => `${id}@${PROJECT}.iam.gserviceaccount.com`;
const sourceAccount = (name: string) => account(`src-${name}`);
const member = (email: string) => `serviceAccount:${email}`;

function urlOf(fn: string, generation: 1 | 2): string {
  return generation === 1
    ? `https://${REGION}-${PROJECT}.cloudfunctions.net/${fn}`
    : `https://${fn}-${NUMBER}.${REGION}.run.app`;
}

describe.each([
  [1, false],
  [1, true],
  [2, false],
  [2, true],
] as const)("callers that are not functions, generation %i (preview: %s)", (generation, preview) => {
  let e: Evaluation;
  const generationOf = (fn: string): 1 | 2 => (fn === "events" ? 2 : generation);
  const byType = (type: string) => e.resources.filter((r) => r.type === type);
  const component = (name: string) =>
    e.resources.find((r) => r.name === `callgraph-${name}` && r.type.startsWith("callgraph:index:"))!;
  const childOf = (parent: RegisteredResource, type: string) =>
    e.resources.filter((r) => r.parent === parent.urn && r.type === type);

  beforeAll(async () => {
    e = await evaluateFixture({
      preview,
      config: {
        ...FIXTURE_TARGET,
        "callgraph:generation": generation,
        "callgraph:projectNumber": NUMBER,
        "callgraph:functions": FUNCTIONS,
        "callgraph:callers": CALLERS,
      },
    });
  });

  test("each source is its kind's component, with its own account: src-NAME, no function's, no default one", () => {
    const types: Record<string, string> = {
      scheduler: "callgraph:index:SchedulerCaller",
      pubsub: "callgraph:index:PushCaller",
      tasks: "callgraph:index:QueueCaller",
      workflow: "callgraph:index:WorkflowCaller",
      eventarc: "callgraph:index:EventarcCaller",
    };
    const emails = new Set<string>();
    for (const name of Object.keys(CALLERS)) {
      const c = component(name);
      expect({ name, type: c.type }).toEqual({ name, type: types[KIND_OF[name]] });
      const accounts = childOf(c, TYPES.serviceAccount);
      expect(accounts.map((a) => a.inputs.accountId)).toEqual([`src-${name}`]);
      emails.add(sourceAccount(name));
    }
    const functionAccounts = byType(TYPES.serviceAccount)
      .map((a) => account(String(a.inputs.accountId)))
      .filter((a) => a.startsWith("fn-"));
    expect(functionAccounts).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const a of functionAccounts) expect(emails.has(a)).toBe(false);
  });

  test("each token is minted for the source's own account, with its callee's URL as audience", () => {
    const job = byType(TYPES.schedulerJob)[0];
    expect(job.inputs).toMatchObject({
      name: "nightly",
      schedule: "0 3 * * *",
      timeZone: "Europe/Paris",
      httpTarget: {
        uri: `${urlOf("beta", generation)}/nightly`,
        httpMethod: "POST",
        oidcToken: { serviceAccountEmail: sourceAccount("nightly"), audience: urlOf("beta", generation) },
      },
    });
    const subscriptions = Object.fromEntries(
      byType(TYPES.pubsubSubscription).map((s) => [s.inputs.name, s.inputs]),
    );
    for (const [name, callee] of [
      ["orders-push", "gamma"],
      ["orders-audit", "alpha"],
      ["partner-push", "beta"],
    ] as const)
      expect(subscriptions[name]).toMatchObject({
        pushConfig: {
          pushEndpoint: urlOf(callee, generation),
          oidcToken: { serviceAccountEmail: sourceAccount(name), audience: urlOf(callee, generation) },
        },
      });
    expect((subscriptions["orders-audit"].pushConfig as Record<string, unknown>).noWrapper).toEqual({
      writeMetadata: false,
    });
    expect((subscriptions["orders-push"].pushConfig as Record<string, unknown>).noWrapper).toBeUndefined();
    expect(subscriptions["partner-push"].topic).toBe("projects/partner-project/topics/feed");
    const queue = byType(TYPES.tasksQueue)[0];
    const beta = new URL(urlOf("beta", generation));
    expect(queue.inputs).toMatchObject({
      name: "retries",
      location: REGION,
      retryConfig: { maxAttempts: 5 },
      httpTarget: {
        uriOverride: {
          scheme: "HTTPS",
          host: beta.host,
          pathOverride: { path: beta.pathname === "/" ? "/" : beta.pathname },
          uriOverrideEnforceMode: "ALWAYS",
        },
        oidcToken: { serviceAccountEmail: sourceAccount("retries"), audience: urlOf("beta", generation) },
      },
    });
    const workflow = byType(TYPES.workflow)[0];
    expect(workflow.inputs).toMatchObject({
      name: "chain",
      serviceAccount: sourceAccount("chain"),
      sourceContents: fs.readFileSync(path.join(REPO_ROOT, WORKFLOW), "utf8"),
    });
    // Told its declared callees' URLs, and no other function's (invariant 4).
    expect(workflow.inputs.userEnvVars).toEqual({
      CALLGRAPH_URL_ALPHA: urlOf("alpha", generation),
      CALLGRAPH_URL_BETA: urlOf("beta", generation),
    });
    const trigger = byType(TYPES.eventarcTrigger)[0];
    expect(trigger.inputs).toMatchObject({
      name: "uploads",
      location: REGION,
      serviceAccount: sourceAccount("uploads"),
      matchingCriterias: [
        { attribute: "type", value: "google.cloud.storage.object.v1.finalized" },
        { attribute: "bucket", value: "uploads" },
      ],
      destination: { cloudRunService: { service: "events", region: REGION } },
    });
  });

  test("invariant 2: each callee's one invoker binding is exactly its callers' accounts, functions and sources, plus its invokers", () => {
    const expected: Record<string, string[]> = {};
    const add = (fn: string, m: string) => (expected[fn] = [...(expected[fn] ?? []), m]);
    for (const [fn, decl] of Object.entries(FUNCTIONS)) {
      for (const callee of (decl as { calls?: string[] }).calls ?? [])
        add(callee, member(account(`fn-${fn}`)));
      for (const m of (decl as { invokers?: string[] }).invokers ?? []) add(fn, m);
    }
    for (const [name, decl] of Object.entries(CALLERS))
      for (const callee of decl.calls) add(callee, member(sourceAccount(name)));
    const bindings = [...byType(TYPES.functionIamBinding), ...byType(TYPES.runServiceIamBinding)];
    const actual = Object.fromEntries(
      bindings.map((b) => [
        String(b.inputs.cloudFunction ?? b.inputs.name),
        [...(b.inputs.members as string[])].sort(),
      ]),
    );
    expect(actual).toEqual(
      Object.fromEntries(Object.entries(expected).map(([fn, ms]) => [fn, [...ms].sort()])),
    );
    for (const b of bindings) {
      const fn = String(b.inputs.cloudFunction ?? b.inputs.name);
      expect({ fn, role: b.inputs.role }).toEqual({
        fn,
        role: generationOf(fn) === 2 ? "roles/run.invoker" : "roles/cloudfunctions.invoker",
      });
      expect({ fn, type: b.type }).toEqual({
        fn,
        type: generationOf(fn) === 2 ? TYPES.runServiceIamBinding : TYPES.functionIamBinding,
      });
    }
    // Each binding waits for the accounts it names: IAM refuses one that does not exist yet.
    const beta = bindings.find((b) => (b.inputs.cloudFunction ?? b.inputs.name) === "beta")!;
    for (const name of ["nightly", "partner-push", "retries", "chain"]) {
      const sa = childOf(component(name), TYPES.serviceAccount)[0];
      expect(beta.dependencies).toContain(sa.urn);
    }
  });

  test("Pub/Sub's agent may mint tokens for the push and trigger accounts only, each on that account: never project-wide", () => {
    const grants = byType(TYPES.serviceAccountIamMember).filter(
      (g) => g.inputs.role === "roles/iam.serviceAccountTokenCreator",
    );
    expect(grants.map((g) => [g.inputs.serviceAccountId, g.inputs.member]).sort()).toEqual(
      ["orders-audit", "orders-push", "partner-push", "uploads"].map((name) => [
        `projects/${PROJECT}/serviceAccounts/${sourceAccount(name)}`,
        AGENT,
      ]),
    );
    // A subscription waits for its agent grant: one created before it delivers nothing.
    for (const name of ["orders-push", "orders-audit", "partner-push"]) {
      const c = component(name);
      const subscription = childOf(c, TYPES.pubsubSubscription)[0];
      const grant = childOf(c, TYPES.serviceAccountIamMember)[0];
      expect(subscription.dependencies).toContain(grant.urn);
    }
  });

  test("nothing project-wide but the build's grants and Eventarc's event receiver, to the trigger's account", () => {
    const project = byType(TYPES.projectIamMember).map((g) => [g.inputs.role, g.inputs.member]);
    const build = member(account("callgraph-build"));
    expect(project.filter(([, m]) => m !== build)).toEqual([
      ["roles/eventarc.eventReceiver", member(sourceAccount("uploads"))],
    ]);
    expect(byType(TYPES.projectIamBinding)).toEqual([]);
    expect(byType(TYPES.projectIamPolicy)).toEqual([]);
  });

  test("a queue's enqueuers may add tasks to it and act as its account, nowhere else", () => {
    const enqueue = byType(TYPES.queueIamMember).map((g) => g.inputs);
    expect(enqueue).toEqual([
      {
        project: PROJECT,
        location: REGION,
        name: "retries",
        role: "roles/cloudtasks.enqueuer",
        member: member(account("fn-alpha")),
      },
    ]);
    const actAs = byType(TYPES.serviceAccountIamMember).filter(
      (g) => g.inputs.role === "roles/iam.serviceAccountUser",
    );
    expect(actAs.map((g) => [g.inputs.serviceAccountId, g.inputs.member])).toEqual([
      [`projects/${PROJECT}/serviceAccounts/${sourceAccount("retries")}`, member(account("fn-alpha"))],
    ]);
  });

  test("one topic per declared topic id, however many subscriptions read it; none for a topic named in full", () => {
    expect(byType(TYPES.pubsubTopic).map((t) => t.inputs.name)).toEqual(["orders"]);
  });

  test("each kind's API is enabled, and the sources wait for the APIs", () => {
    const services = byType(TYPES.projectService).map((s) => s.inputs.service);
    for (const api of [
      "cloudscheduler.googleapis.com",
      "pubsub.googleapis.com",
      "cloudtasks.googleapis.com",
      "workflows.googleapis.com",
      "eventarc.googleapis.com",
    ])
      expect(services).toContain(api);
    expect(new Set(services).size).toBe(services.length);
    const wait = byType(TYPES.sleep).find((s) => s.name === "callgraph-api-propagation")!;
    for (const type of [
      TYPES.schedulerJob,
      TYPES.pubsubSubscription,
      TYPES.tasksQueue,
      TYPES.workflow,
      TYPES.eventarcTrigger,
    ])
      for (const r of byType(type))
        expect({ source: r.name, waits: r.dependencies.includes(wait.urn) }).toEqual({
          source: r.name,
          waits: true,
        });
  });

  test("the callee's code knows which source called, and an enqueuer its queue", () => {
    const fn = (name: string) =>
      [...byType(TYPES.function), ...byType(TYPES.functionV2)].find((f) => f.inputs.name === name)!;
    const envOf = (name: string) => {
      const f = fn(name);
      return (
        f.type === TYPES.functionV2
          ? (f.inputs.serviceConfig as Record<string, unknown>).environmentVariables
          : f.inputs.environmentVariables
      ) as Record<string, string>;
    };
    expect(JSON.parse(envOf("beta").CALLGRAPH_SOURCES)).toEqual({
      [sourceAccount("chain")]: { name: "chain", kind: "workflow" },
      [sourceAccount("nightly")]: { name: "nightly", kind: "scheduler" },
      [sourceAccount("partner-push")]: { name: "partner-push", kind: "pubsub" },
      [sourceAccount("retries")]: { name: "retries", kind: "tasks" },
    });
    expect(JSON.parse(envOf("beta").CALLGRAPH_INVOKERS)).toContain(member(sourceAccount("nightly")));
    expect(envOf("gamma").CALLGRAPH_QUEUES).toBeUndefined();
    expect(JSON.parse(envOf("alpha").CALLGRAPH_QUEUES)).toEqual({
      retries: `projects/${PROJECT}/locations/${REGION}/queues/retries`,
    });
  });

  test("the effective graph has every source and its edges, from the resources; none is an external invoker", () => {
    expect(e.graph.sources.map((s) => [s.name, s.kind, s.serviceAccount, s.targets, s.managed])).toEqual(
      Object.keys(CALLERS)
        .sort()
        .map((name) => [
          name,
          KIND_OF[name],
          sourceAccount(name),
          [...CALLERS[name as keyof typeof CALLERS].calls].sort(),
          true,
        ]),
    );
    expect(e.graph.sourceEdges.map((x) => `${x.from} -> ${x.to}`)).toEqual(
      Object.entries(CALLERS)
        .flatMap(([name, c]) => c.calls.map((to) => `${name} -> ${to}`))
        .sort(),
    );
    expect(e.graph.externalInvokers.map((x) => x.member)).toEqual(["group:developers@example.com"]);
  });

  test("every policy passes the stack, with nothing undecided at update", () => {
    const report = runRules(fromEngine(e.resources));
    const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    expect(mandatory.map((v) => `${v.policy}: ${v.message.split("\n")[0]}`)).toEqual([]);
    if (!preview) expect(report.undecided).toEqual([]);
  });
});

test("red team: topics named as Object.prototype's members are created like any other", async () => {
  const e = await evaluateFixture({
    config: {
      ...FIXTURE_TARGET,
      "callgraph:generation": 2,
      "callgraph:projectNumber": NUMBER,
      "callgraph:functions": FUNCTIONS,
      "callgraph:callers": {
        odd: { pubsub: { topic: "constructor" }, calls: ["beta"] },
        odder: { pubsub: { topic: "toString" }, calls: ["beta"] },
      },
    },
  });
  expect(e.resources.filter((r) => r.type === TYPES.pubsubTopic).map((t) => t.inputs.name)).toEqual([
    "constructor",
    "toString",
  ]);
  for (const s of e.resources.filter((r) => r.type === TYPES.pubsubSubscription))
    expect(typeof s.inputs.topic).toBe("string");
});
