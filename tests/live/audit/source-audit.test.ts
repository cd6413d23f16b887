import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { readSources, type LiveSource } from "../../../live/audit/read-sources";
import { auditSources, declaredSources, type DeclaredSource } from "../../../live/audit/source-audit";
import { evaluateFixture, FIXTURE_TARGET, fixtureSource } from "../../fixtures";
import type { Policy } from "../../../live/answers";
import type { Observed } from "../../../live/preflight/types";
import { testClients } from "./support/fixture";

/**
 * `callgraph audit` and the callers that are not functions: their listings read through Google's clients from a
 * loopback server answering the documented shapes (each cited in live/answers.ts), then held against the
 * declaration: a push subscription whose token account changed, an agent grant missing, a job calling an undeclared
 * function.
 */
const PROJECT = "audit-test";
const REGION = "europe-west1";
const SA = (name: string) => `src-${name}@${PROJECT}.iam.gserviceaccount.com`;
const URL1 = (fn: string) => `https://${REGION}-${PROJECT}.cloudfunctions.net/${fn}`;

/** Path -> pages (by page token: "" for the first) or a raw body. */
type Routes = Record<string, Record<string, unknown> | string>;

async function serve(routes: Routes): Promise<{ root: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    paths.push(url.pathname);
    const route = routes[url.pathname];
    if (route === undefined) {
      res.writeHead(404, { "content-type": "application/json" });
      return void res.end(
        JSON.stringify({ error: { code: 404, message: "not found", status: "NOT_FOUND" } }),
      );
    }
    if (typeof route === "string") {
      res.writeHead(200, { "content-type": "text/html" });
      return void res.end(route);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(route[url.searchParams.get("pageToken") ?? ""] ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    root: `http://127.0.0.1:${port}`,
    paths,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const LOCATION = `/projects/${PROJECT}/locations/${REGION}`;

describe("readSources: the listings of the declared kinds, every page, through Google's clients", () => {
  test("reads each kind's documented answer into the account it calls as and where its tokens go", async () => {
    const fake = await serve({
      [`/cloudscheduler/v1${LOCATION}/jobs`]: {
        "": {
          jobs: [
            {
              name: `projects/${PROJECT}/locations/${REGION}/jobs/nightly`,
              schedule: "0 3 * * *",
              httpTarget: {
                uri: `${URL1("beta")}/nightly`,
                oidcToken: { serviceAccountEmail: SA("nightly"), audience: URL1("beta") },
              },
            },
            // A Pub/Sub-target job calls no URL: not a caller.
            {
              name: `projects/${PROJECT}/locations/${REGION}/jobs/publisher`,
              pubsubTarget: { topicName: "t" },
            },
          ],
          nextPageToken: "2",
        },
        "2": {
          jobs: [
            { name: `projects/${PROJECT}/locations/${REGION}/jobs/late`, httpTarget: { uri: URL1("gamma") } },
          ],
        },
      },
      [`/pubsub/v1/projects/${PROJECT}/subscriptions`]: {
        "": {
          subscriptions: [
            {
              name: `projects/${PROJECT}/subscriptions/orders`,
              topic: `projects/${PROJECT}/topics/orders`,
              pushConfig: {
                pushEndpoint: URL1("gamma"),
                oidcToken: { serviceAccountEmail: SA("orders").toUpperCase() },
              },
            },
            {
              name: `projects/${PROJECT}/subscriptions/pull`,
              topic: `projects/${PROJECT}/topics/orders`,
              pushConfig: {},
            },
          ],
        },
      },
      [`/cloudtasks/v2${LOCATION}/queues`]: {
        "": {
          queues: [
            {
              name: `projects/${PROJECT}/locations/${REGION}/queues/retries`,
              httpTarget: {
                uriOverride: {
                  host: `${REGION}-${PROJECT}.cloudfunctions.net`,
                  pathOverride: { path: "/beta" },
                },
                oidcToken: { serviceAccountEmail: SA("retries") },
              },
            },
          ],
        },
      },
      [`/workflows/v1${LOCATION}/workflows`]: {
        "": {
          workflows: [
            {
              name: `projects/${PROJECT}/locations/${REGION}/workflows/chain`,
              serviceAccount: `projects/${PROJECT}/serviceAccounts/${SA("chain")}`,
              userEnvVars: { CALLGRAPH_URL_ALPHA: URL1("alpha"), OTHER: "x" },
            },
          ],
        },
      },
      [`/eventarc/v1${LOCATION}/triggers`]: {
        "": {
          triggers: [
            {
              name: `projects/${PROJECT}/locations/${REGION}/triggers/uploads`,
              serviceAccount: SA("uploads"),
              destination: { cloudRun: { service: "events", region: REGION } },
            },
          ],
        },
      },
    });
    try {
      const read = await readSources(testClients(fake.root), PROJECT, REGION, [
        "scheduler",
        "pubsub",
        "tasks",
        "workflow",
        "eventarc",
      ]);
      const value = (kind: string) => {
        const o = read.find((r) => r.kind === kind)!.observed;
        if (!o.visible) throw new Error(`${kind} not visible: ${o.message}`);
        return o.value;
      };
      expect(value("scheduler")).toEqual([
        { kind: "scheduler", name: "nightly", account: SA("nightly"), targets: [URL1("beta")] },
        { kind: "scheduler", name: "late", targets: [URL1("gamma")] },
      ]);
      expect(value("pubsub")).toEqual([
        { kind: "pubsub", name: "orders", account: SA("orders"), targets: [URL1("gamma")] },
      ]);
      expect(value("tasks")).toEqual([
        { kind: "tasks", name: "retries", account: SA("retries"), targets: [URL1("beta")] },
      ]);
      expect(value("workflow")).toEqual([
        { kind: "workflow", name: "chain", account: SA("chain"), targets: [URL1("alpha")] },
      ]);
      expect(value("eventarc")).toEqual([
        { kind: "eventarc", name: "uploads", account: SA("uploads"), targets: ["events"] },
      ]);
    } finally {
      await fake.close();
    }
  });

  test("reads only the kinds declared; a refused or malformed listing is not visible, never empty", async () => {
    const fake = await serve({
      [`/pubsub/v1/projects/${PROJECT}/subscriptions`]: "<html><title>Sign in</title></html>",
    });
    try {
      const read = await readSources(testClients(fake.root), PROJECT, REGION, ["pubsub", "scheduler"]);
      expect(read.map((r) => [r.kind, r.observed.visible])).toEqual([
        ["pubsub", false],
        ["scheduler", false],
      ]);
      expect(
        fake.paths.some((p) => p.includes("cloudtasks") || p.includes("eventarc") || p.includes("workflows")),
      ).toBe(false);
    } finally {
      await fake.close();
    }
  });
});

describe("auditSources: the live callers against the declaration", () => {
  const AGENT = "serviceAccount:service-424242@gcp-sa-pubsub.iam.gserviceaccount.com";
  const declared: DeclaredSource[] = [
    { name: "nightly", kind: "scheduler", account: SA("nightly"), targets: ["beta"], tokenMinters: [] },
    { name: "orders", kind: "pubsub", account: SA("orders"), targets: ["gamma"], tokenMinters: [AGENT] },
    { name: "gone", kind: "pubsub", account: SA("gone"), targets: ["beta"], tokenMinters: [AGENT] },
  ];
  const context = {
    functionByUrl: new Map(["alpha", "beta", "gamma"].map((f) => [URL1(f), f])),
    functionNames: new Set(["alpha", "beta", "gamma"]),
    stack: "dev",
  };
  const visible = <T>(value: T) => ({ visible: true as const, value });
  const live = (scheduler: LiveSource[], pubsub: LiveSource[]) => [
    { kind: "scheduler" as const, observed: visible(scheduler) },
    { kind: "pubsub" as const, observed: visible(pubsub) },
  ];
  const granted = visible({
    etag: "x",
    bindings: [{ role: "roles/iam.serviceAccountTokenCreator", members: [AGENT] }],
  });

  test("as declared, with the agent's grant in place: nothing to report but the source not deployed", () => {
    const { findings, notVisible } = auditSources(
      declared,
      live(
        [{ kind: "scheduler", name: "nightly", account: SA("nightly"), targets: [URL1("beta")] }],
        [{ kind: "pubsub", name: "orders", account: SA("orders"), targets: [`${URL1("gamma")}/`] }],
      ),
      new Map([[SA("orders"), granted]]),
      context,
    );
    expect(findings.map((f) => [f.kind, f.subject])).toEqual([
      ["missing-source", "gone (Pub/Sub push subscription)"],
    ]);
    expect(notVisible).toEqual([]);
  });

  test("a push subscription whose token account changed, an agent grant missing, a job calling an undeclared function", () => {
    const { findings } = auditSources(
      declared,
      live(
        [
          { kind: "scheduler", name: "nightly", account: SA("nightly"), targets: [URL1("alpha")] },
          {
            kind: "scheduler",
            name: "rogue",
            account: "ci@other.iam.gserviceaccount.com",
            targets: [URL1("gamma")],
          },
          { kind: "scheduler", name: "elsewhere", targets: ["https://example.com/hook"] },
        ],
        [
          {
            kind: "pubsub",
            name: "orders",
            account: "fn-alpha@audit-test.iam.gserviceaccount.com",
            targets: [URL1("gamma")],
          },
          { kind: "pubsub", name: "gone", account: SA("gone"), targets: [URL1("beta")] },
        ],
      ),
      new Map<string, Observed<Policy>>([
        [SA("orders"), visible({ etag: "x", bindings: [] })],
        [SA("gone"), { visible: false, status: 403, message: "denied" }],
      ]),
      context,
    );
    expect(findings.map((f) => [f.kind, f.subject, f.field ?? "", f.actual ?? ""])).toEqual([
      ["source-differs", "nightly (Cloud Scheduler job)", "sourceTargets", "alpha"],
      ["undeclared-source", "rogue (Cloud Scheduler job) → gamma", "", ""],
      [
        "source-differs",
        "orders (Pub/Sub push subscription)",
        "sourceAccount",
        "fn-alpha@audit-test.iam.gserviceaccount.com",
      ],
      ["agent-grant-missing", "orders (Pub/Sub push subscription)", "", ""],
    ]);
    expect(findings.find((f) => f.kind === "agent-grant-missing")!.problem).toBe(
      `${AGENT} does not hold roles/iam.serviceAccountTokenCreator on ${SA("orders")}: it cannot mint the account's tokens, so nothing is delivered, and only the subscription's metrics show it.`,
    );
  });

  test("a listing or a policy that could not be read is not visible, and reports nothing it cannot prove", () => {
    const { findings, notVisible } = auditSources(
      declared,
      [
        { kind: "scheduler", observed: { visible: false, status: 403, message: "denied" } },
        {
          kind: "pubsub",
          observed: visible([
            { kind: "pubsub", name: "orders", account: SA("orders"), targets: [URL1("gamma")] },
          ]),
        },
      ],
      new Map([[SA("orders"), { visible: false as const, status: 403, message: "denied" }]]),
      context,
    );
    expect(findings.map((f) => f.kind)).toEqual(["missing-source"]);
    expect(notVisible.map((n) => n.subject)).toEqual([
      "Cloud Scheduler jobs of the stack's project",
      `IAM policy of ${SA("orders")} (orders (Pub/Sub push subscription))`,
    ]);
  });
});

test("declaredSources: what the program registers, each push and trigger account with Pub/Sub's agent as its minter", async () => {
  const e = await evaluateFixture({
    config: {
      ...FIXTURE_TARGET,
      "callgraph:generation": 2,
      "callgraph:projectNumber": "424242",
      "callgraph:functions": {
        alpha: { calls: ["beta"], source: fixtureSource("alpha") },
        beta: { source: fixtureSource("beta") },
      },
      "callgraph:callers": {
        nightly: { scheduler: { schedule: "0 3 * * *" }, calls: ["beta"] },
        orders: { pubsub: { topic: "orders" }, calls: ["alpha"] },
      },
    },
  });
  const project = FIXTURE_TARGET["gcp:project"];
  expect(declaredSources(e.graph, e.resources)).toEqual([
    {
      name: "nightly",
      kind: "scheduler",
      account: `src-nightly@${project}.iam.gserviceaccount.com`,
      targets: ["beta"],
      tokenMinters: [],
    },
    {
      name: "orders",
      kind: "pubsub",
      account: `src-orders@${project}.iam.gserviceaccount.com`,
      targets: ["alpha"],
      tokenMinters: ["serviceAccount:service-424242@gcp-sa-pubsub.iam.gserviceaccount.com"],
    },
  ]);
});
