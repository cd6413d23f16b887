import {
  COMPUTED,
  email,
  happyStack,
  inCallGraph,
  outside,
  PROJECT,
  PROJECT_NUMBER,
  projectMember,
  REGION,
  sa,
  urnOf,
  type TestResource,
} from "./fixtures";
import { check } from "./harness";

/** The callers that are not functions, as the CallGraph component registers them, beside the happy stack's functions. */
const src = (name: string) => `src-${name}@${PROJECT}.iam.gserviceaccount.com`;
const AGENT = `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
const onAccount = (account: string) => `projects/${PROJECT}/serviceAccounts/${account}`;
const PROFILES = `https://${REGION}-${PROJECT}.cloudfunctions.net/profiles`;

function account(name: string): TestResource {
  return inCallGraph({
    type: "gcp:serviceaccount/account:Account",
    name: `${name}-sa`,
    props: { project: PROJECT, accountId: `src-${name}` },
  });
}
function job(name: string, token: Record<string, unknown> | undefined): TestResource {
  return inCallGraph({
    type: "gcp:cloudscheduler/job:Job",
    name: `${name}-job`,
    props: {
      name,
      schedule: "0 3 * * *",
      httpTarget: { uri: PROFILES, ...(token ? { oidcToken: token } : {}) },
    },
  });
}
function push(name: string, account: unknown): TestResource {
  return inCallGraph({
    type: "gcp:pubsub/subscription:Subscription",
    name: `${name}-subscription`,
    props: {
      name,
      topic: "orders",
      pushConfig: { pushEndpoint: PROFILES, oidcToken: { serviceAccountEmail: account, audience: PROFILES } },
    },
  });
}
function queue(name: string): TestResource {
  return inCallGraph({
    type: "gcp:cloudtasks/queue:Queue",
    name: `${name}-queue`,
    props: {
      name,
      project: PROJECT,
      location: REGION,
      httpTarget: {
        uriOverride: { host: `${REGION}-${PROJECT}.cloudfunctions.net` },
        oidcToken: { serviceAccountEmail: src(name), audience: PROFILES },
      },
    },
  });
}
function saGrant(
  name: string,
  target: unknown,
  role: unknown,
  member: unknown,
  component = true,
): TestResource {
  const r: TestResource = {
    type: "gcp:serviceaccount/iAMMember:IAMMember",
    name,
    props: { serviceAccountId: typeof target === "string" ? onAccount(target) : target, role, member },
  };
  return component ? inCallGraph(r) : outside(r);
}
function enqueuer(name: string, queueName: string, member: string): TestResource {
  return inCallGraph({
    type: "gcp:cloudtasks/queueIamMember:QueueIamMember",
    name,
    props: { project: PROJECT, location: REGION, name: queueName, role: "roles/cloudtasks.enqueuer", member },
  });
}
function trigger(name: string, serviceAccount: unknown): TestResource {
  return inCallGraph({
    type: "gcp:eventarc/trigger:Trigger",
    name: `${name}-trigger`,
    props: {
      name,
      location: REGION,
      serviceAccount,
      destination: { cloudRunService: { service: "reports", region: REGION } },
    },
  });
}

/** What `callgraph:callers` registers for a job, a push subscription, a queue with one enqueuer and a trigger. */
function sourcesStack(): TestResource[] {
  return [
    ...happyStack(),
    // The component records the project's number: whose Pub/Sub agent is this project's.
    { type: "callgraph:index:CallGraph", name: "callgraph", props: { projectNumber: PROJECT_NUMBER } },
    account("nightly"),
    job("nightly", { serviceAccountEmail: src("nightly"), audience: PROFILES }),
    account("orders"),
    push("orders", src("orders")),
    saGrant("orders-agent-token", src("orders"), "roles/iam.serviceAccountTokenCreator", AGENT),
    account("retries"),
    queue("retries"),
    enqueuer("retries-enqueuer-0", "retries", sa("login")),
    saGrant("retries-act-as-0", src("retries"), "roles/iam.serviceAccountUser", sa("login")),
    account("uploads"),
    trigger("uploads", src("uploads")),
    inCallGraph(
      projectMember("uploads-receiver", "roles/eventarc.eventReceiver", `serviceAccount:${src("uploads")}`),
    ),
    saGrant("uploads-agent-token", src("uploads"), "roles/iam.serviceAccountTokenCreator", AGENT),
  ];
}

describe("source-dedicated-service-account", () => {
  const POLICY = "source-dedicated-service-account";

  test("passes sources that each call as an account of their own", async () => {
    expect(await check(POLICY, sourcesStack())).toEqual({ violations: [] });
  });

  test("fails a job that sends no token, a trigger with no account, one on a default account, one on a function's, and two sharing one", async () => {
    const noToken = job("tokenless", undefined);
    const noAccount = trigger("defaulted", undefined);
    const onDefault = push("default", `${PROJECT_NUMBER}-compute@developer.gserviceaccount.com`);
    const onFunction = push("borrowed", email("login"));
    const shared = push("copycat", src("orders"));
    const run = await check(POLICY, [...sourcesStack(), noToken, noAccount, onDefault, onFunction, shared]);
    expect(run.violations.map((v) => [v.urn, v.message.split("\n")[0]]).sort()).toEqual(
      [
        [
          urnOf(noToken),
          'gcp.cloudscheduler.Job "tokenless-job" (Cloud Scheduler job "tokenless") sends no ID token: every private function refuses its calls, and making the callee public to let it in would let anyone in.',
        ],
        [
          urnOf(noAccount),
          'gcp.eventarc.Trigger "defaulted-trigger" (Eventarc trigger "defaulted") names no service account: it runs as the project\'s default account, which holds Editor on the project.',
        ],
        [
          urnOf(onDefault),
          `gcp.pubsub.Subscription "default-subscription" (Pub/Sub push subscription "default") calls as ${PROJECT_NUMBER}-compute@developer.gserviceaccount.com, a default account: it holds Editor on the project, and whatever else runs as it may call what the source may.`,
        ],
        [
          urnOf(onFunction),
          `gcp.pubsub.Subscription "borrowed-subscription" (Pub/Sub push subscription "borrowed") calls as ${email("login")}, the account "login" runs as: the function may then call whatever the source may, and the source whatever the function may.`,
        ],
        [
          urnOf(shared),
          `gcp.pubsub.Subscription "copycat-subscription" (Pub/Sub push subscription "copycat") calls as ${src("orders")}, as do Pub/Sub push subscription "orders": IAM grants name accounts, so each of them may call whatever the others may.`,
        ],
        [
          urnOf(push("orders", src("orders"))),
          `gcp.pubsub.Subscription "orders-subscription" (Pub/Sub push subscription "orders") calls as ${src("orders")}, as do Pub/Sub push subscription "copycat": IAM grants name accounts, so each of them may call whatever the others may.`,
        ],
      ].sort(),
    );
  });

  test("a workflow naming a function's account in the long form (projects/P/serviceAccounts/EMAIL) is caught as the short form is", async () => {
    const workflow = outside({
      type: "gcp:workflows/workflow:Workflow",
      name: "long-form",
      props: { name: "long-form", serviceAccount: `projects/${PROJECT}/serviceAccounts/${email("login")}` },
    });
    const run = await check(POLICY, [...sourcesStack(), workflow]);
    expect(run.violations.map((v) => [v.urn, v.message.split(":")[0]])).toEqual([
      [
        urnOf(workflow),
        'gcp.workflows.Workflow "long-form" (Workflow "long-form") calls as fn-login@callgraph-test.iam.gserviceaccount.com, the account "login" runs as',
      ],
    ]);
  });

  test("a source declared elsewhere in the program is judged when it calls as a call-graph account, else only with scope stack", async () => {
    const borrowing = outside(push("elsewhere", email("login")));
    const unrelated = outside(job("ci-nightly", undefined));
    const scoped = await check(POLICY, [...sourcesStack(), borrowing, unrelated]);
    expect(scoped.violations.map((v) => v.urn)).toEqual([urnOf(borrowing)]);
    const whole = await check(POLICY, [...sourcesStack(), borrowing, unrelated], { scope: "stack" });
    expect(whole.violations.map((v) => v.urn).sort()).toEqual([urnOf(borrowing), urnOf(unrelated)].sort());
  });

  test("a source whose account is computed is undecided, never passed", async () => {
    const run = await check(POLICY, [...sourcesStack(), push("later", COMPUTED)]);
    expect(run.violations).toEqual([]);
    expect(run.unknownError).toBeDefined();
  });
});

describe("account-impersonation-declared", () => {
  const POLICY = "account-impersonation-declared";

  test("passes Pub/Sub's agent on the push and trigger accounts, and a queue's enqueuer acting as the queue's account", async () => {
    expect(await check(POLICY, sourcesStack())).toEqual({ violations: [] });
  });

  test("fails anyone else acting as a function's or a source's account, wherever the grant is declared", async () => {
    const mallory = saGrant(
      "mallory-token",
      email("login"),
      "roles/iam.serviceAccountTokenCreator",
      "user:mallory@example.com",
      false,
    );
    const agentOnFunction = saGrant(
      "agent-on-login",
      email("login"),
      "roles/iam.serviceAccountTokenCreator",
      AGENT,
    );
    const agentOnJob = saGrant("agent-on-job", src("nightly"), "roles/iam.serviceAccountTokenCreator", AGENT);
    const notEnqueuer = saGrant(
      "profiles-act-as",
      src("retries"),
      "roles/iam.serviceAccountUser",
      sa("profiles"),
    );
    const workload = saGrant(
      "wi",
      src("orders"),
      "roles/iam.workloadIdentityUser",
      "principal://iam.googleapis.com/x",
      false,
    );
    const run = await check(POLICY, [
      ...sourcesStack(),
      mallory,
      agentOnFunction,
      agentOnJob,
      notEnqueuer,
      workload,
    ]);
    expect(run.violations.map((v) => v.urn).sort()).toEqual(
      [mallory, agentOnFunction, agentOnJob, notEnqueuer, workload].map(urnOf).sort(),
    );
    expect(run.violations.find((v) => v.urn === urnOf(mallory))!.message).toBe(
      `gcp.serviceaccount.IAMMember "mallory-token" grants roles/iam.serviceAccountTokenCreator on ${email("login")}, the account of Cloud Function "login", to user:mallory@example.com: it can act as that account, mint its ID tokens and call every function it may call, a caller the declaration never named.\n` +
        "To fix: remove the grant; the CallGraph component grants Pub/Sub's agent and a queue's enqueuers what they need, on the one account each needs it on; to accept it, list the member in allowedMembers.",
    );
  });

  test("red team: another project's Pub/Sub agent, an enqueuer of a same-named queue elsewhere, a key admin, an account named by unique id", async () => {
    const otherAgent = saGrant(
      "other-agent",
      src("orders"),
      "roles/iam.serviceAccountTokenCreator",
      "serviceAccount:service-999999999999@gcp-sa-pubsub.iam.gserviceaccount.com",
      false,
    );
    const lookalikeQueue = outside({
      type: "gcp:cloudtasks/queueIamMember:QueueIamMember",
      name: "lookalike-enqueuer",
      props: {
        project: PROJECT,
        location: "us-central1",
        name: "retries",
        role: "roles/cloudtasks.enqueuer",
        member: "user:mallory@example.com",
      },
    });
    const mallorysActAs = saGrant(
      "mallory-act-as",
      src("retries"),
      "roles/iam.serviceAccountUser",
      "user:mallory@example.com",
      false,
    );
    const keyAdmin = saGrant(
      "key-admin",
      email("login"),
      "roles/iam.serviceAccountKeyAdmin",
      "user:mallory@example.com",
      false,
    );
    const byId = outside({
      type: "gcp:serviceaccount/iAMMember:IAMMember",
      name: "by-unique-id",
      props: {
        serviceAccountId: "projects/-/serviceAccounts/112233445566778899",
        role: "roles/iam.serviceAccountTokenCreator",
        member: "user:mallory@example.com",
      },
    });
    const run = await check(POLICY, [
      ...sourcesStack(),
      otherAgent,
      lookalikeQueue,
      mallorysActAs,
      keyAdmin,
      byId,
    ]);
    expect(run.violations.map((v) => v.urn).sort()).toEqual(
      [otherAgent, mallorysActAs, keyAdmin, byId].map(urnOf).sort(),
    );
    expect(run.violations.find((v) => v.urn === urnOf(byId))!.message).toMatch(
      /on the account with unique id 112233445566778899, which this policy cannot tie to an account/,
    );
  });

  test("a role that does not act as the account, or an account that is none of the call graph's, is not its business", async () => {
    const viewer = saGrant(
      "viewer",
      email("login"),
      "roles/iam.serviceAccountViewer",
      "user:auditor@example.com",
    );
    const ci = saGrant(
      "ci",
      `ci@${PROJECT}.iam.gserviceaccount.com`,
      "roles/iam.serviceAccountTokenCreator",
      "user:dev@example.com",
      false,
    );
    expect(await check(POLICY, [...sourcesStack(), viewer, ci])).toEqual({ violations: [] });
    expect(await check(POLICY, [...sourcesStack(), viewer, ci], { scope: "stack" })).toEqual({
      violations: [],
    });
  });

  test("allowedMembers accepts a break-glass member; a computed member or account is undecided", async () => {
    const breakGlass = saGrant(
      "break-glass",
      email("login"),
      "roles/iam.serviceAccountTokenCreator",
      "group:sre@example.com",
      false,
    );
    expect(
      await check(POLICY, [...sourcesStack(), breakGlass], { allowedMembers: ["group:sre@example.com"] }),
    ).toEqual({
      violations: [],
    });
    const computed = await check(POLICY, [
      ...sourcesStack(),
      saGrant("later", email("login"), "roles/iam.serviceAccountTokenCreator", COMPUTED),
    ]);
    expect(computed.violations).toEqual([]);
    expect(computed.unknownError).toBeDefined();
  });
});

describe("no-project-level-grants and the sources", () => {
  const POLICY = "no-project-level-grants";

  test("accepts Eventarc's event receiver to a trigger's own account, and nothing else the sources might ask for", async () => {
    expect(await check(POLICY, sourcesStack())).toEqual({ violations: [] });
    const receiverToFunction = projectMember("receiver-login", "roles/eventarc.eventReceiver", sa("login"));
    const projectTokenCreator = outside(
      projectMember("agent-everywhere", "roles/iam.serviceAccountTokenCreator", AGENT),
    );
    const run = await check(POLICY, [...sourcesStack(), receiverToFunction, projectTokenCreator]);
    expect(run.violations.map((v) => v.urn).sort()).toEqual(
      [urnOf(receiverToFunction), urnOf(projectTokenCreator)].sort(),
    );
    // A project-wide token creator lets its member act as every account of the call graph: judged in the default scope.
    expect(run.violations.find((v) => v.urn === urnOf(projectTokenCreator))!.message).toMatch(
      /grants roles\/iam\.serviceAccountTokenCreator on project "callgraph-test" to serviceAccount:service-123456789012@gcp-sa-pubsub\.iam\.gserviceaccount\.com: a grant on a whole project reaches every resource in it/,
    );
  });
});
