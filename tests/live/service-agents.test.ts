import {
  agentsNeeded,
  checkProjectNumber,
  checkServiceAgents,
  type LiveAgents,
} from "../../live/preflight/check-service-agents";
import type { DeclaredDeployment } from "../../live/preflight/declared";
import type { Finding, PreflightReport } from "../../live/preflight/types";
import { fixtureSource, runs } from "../fixtures";
import type { FakeProject } from "./support/fake-google";
import { preflightAgainst } from "./support/preflight-against";
import { fixtureDeployment, PROJECT, REGION } from "./support/deployment";

/**
 * Preflight's service-agent and project-number checks (issue 21): each agent behind a declared caller exists and
 * holds its service-agent role, read from the project's IAM policy; the declared project number is the live one.
 * Agents' emails and roles are written out here, never derived with the code under test.
 */
const NUMBER = "424242";
const AGENT = {
  pubsub: `service-${NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`,
  scheduler: `service-${NUMBER}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`,
  tasks: `service-${NUMBER}@gcp-sa-cloudtasks.iam.gserviceaccount.com`,
  workflows: `service-${NUMBER}@gcp-sa-workflows.iam.gserviceaccount.com`,
  eventarc: `service-${NUMBER}@gcp-sa-eventarc.iam.gserviceaccount.com`,
};
const ROLE = {
  pubsub: "roles/pubsub.serviceAgent",
  scheduler: "roles/cloudscheduler.serviceAgent",
  tasks: "roles/cloudtasks.serviceAgent",
  workflows: "roles/workflows.serviceAgent",
  eventarc: "roles/eventarc.serviceAgent",
};
type Product = keyof typeof AGENT;

const CONFIG = {
  "gcp:project": PROJECT,
  "gcp:region": REGION,
  "callgraph:projectNumber": NUMBER,
  "callgraph:functions": {
    alpha: { generation: 1, calls: ["beta"], source: fixtureSource("alpha") },
    beta: { generation: 1, source: fixtureSource("beta") },
    events: { generation: 2, ...runs("beta") },
  },
  "callgraph:callers": {
    nightly: { scheduler: { schedule: "0 3 * * *" }, calls: ["beta"] },
    "orders-push": { pubsub: { topic: "orders" }, calls: ["beta"] },
    retries: { tasks: { enqueuers: ["alpha"] }, calls: ["beta"] },
    chain: { workflow: { source: "tests/fixtures/workflows/chain.yaml" }, calls: ["alpha", "beta"] },
    uploads: {
      eventarc: { eventType: "google.cloud.storage.object.v1.finalized", filters: { bucket: "uploads" } },
      calls: ["events"],
    },
  },
};

let deployment: DeclaredDeployment;
let functionsOnly: DeclaredDeployment;
beforeAll(async () => {
  deployment = await fixtureDeployment(CONFIG);
  const { "callgraph:callers": _callers, ...rest } = CONFIG;
  functionsOnly = await fixtureDeployment(rest);
}, 60_000);

const preflight = (change: (p: FakeProject) => void, declared: DeclaredDeployment = deployment) =>
  preflightAgainst(declared, change);

const agentFindings = (r: PreflightReport): Finding[] =>
  r.findings.filter((f) => f.check === "service-agents");
const about = (r: PreflightReport, product: Product) =>
  agentFindings(r).filter((f) => f.subject.startsWith(AGENT[product]));
const withoutMember = (p: FakeProject, email: string) => {
  p.projectBindings = (p.projectBindings ?? []).map((b) => ({
    ...b,
    members: b.members.filter((m) => m !== `serviceAccount:${email}`),
  }));
};

describe("agentsNeeded: the agents behind what the program registers", () => {
  test("each kind's agent, Pub/Sub's for the trigger too, with the resources that need it", () => {
    const needed = agentsNeeded(deployment.resources);
    expect(needed.map((a) => a.product)).toEqual(["eventarc", "pubsub", "scheduler", "tasks", "workflows"]);
    const pubsub = needed.find((a) => a.product === "pubsub")!;
    // The push subscription and the trigger (which delivers through a push subscription Pub/Sub's agent signs for).
    expect(pubsub.neededBy).toHaveLength(2);
    expect(pubsub.neededBy.some((n) => n.includes("orders-push"))).toBe(true);
    expect(pubsub.neededBy.some((n) => n.includes("uploads"))).toBe(true);
  });

  test("a deployment of functions alone needs no agent, and preflight reads no policy for it", async () => {
    expect(agentsNeeded(functionsOnly.resources)).toEqual([]);
    const { report, fake } = await preflight(() => undefined, functionsOnly);
    expect(report.checks.find((c) => c.check === "service-agents")).toEqual({
      check: "service-agents",
      result: "ok",
      examined: "0 agents",
    });
    expect(fake.paths()).not.toContain(`/cloudresourcemanager/v3/projects/${PROJECT}:getIamPolicy`);
  });

  test("a subscription without a push token, a job without a token: no agent is needed for them", () => {
    const resource = (type: string, inputs: Record<string, unknown>) => ({
      type,
      name: "r",
      custom: true,
      inputs,
    });
    expect(
      agentsNeeded([
        resource("gcp:pubsub/subscription:Subscription", { topic: "t" }),
        resource("gcp:pubsub/subscription:Subscription", { pushConfig: { pushEndpoint: "https://x" } }),
        resource("gcp:cloudscheduler/job:Job", { httpTarget: { uri: "https://x" } }),
        resource("gcp:cloudtasks/queue:Queue", { name: "q" }),
      ]),
    ).toEqual([]);
  });
});

describe("preflight's service-agents check, against the loopback Google", () => {
  test("all well: every agent holds its role; the policy was asked for as version 3", async () => {
    const { report, fake } = await preflight(() => undefined);
    expect(agentFindings(report)).toEqual([]);
    expect(report.checks.filter((c) => c.check === "service-agents" || c.check === "project-number")).toEqual(
      [
        { check: "project-number", result: "ok", examined: `callgraph:projectNumber ${NUMBER}` },
        { check: "service-agents", result: "ok", examined: "5 agents" },
      ],
    );
    const asked = fake.requests.filter(
      (r) => r.url === `/cloudresourcemanager/v3/projects/${PROJECT}:getIamPolicy`,
    );
    expect(asked).toHaveLength(1);
    // projects.get answers the number once, however many checks read it.
    expect(fake.paths().filter((p) => p === `/cloudresourcemanager/v3/projects/${PROJECT}`)).toHaveLength(1);
  });

  test.each(["scheduler", "tasks", "workflows", "eventarc", "pubsub"] as const)(
    "the %s agent in the policy without its role (revoked) blocks, with the binding that restores it",
    async (product) => {
      const { report } = await preflight((p) => {
        withoutMember(p, AGENT[product]);
        p.projectBindings!.push({ role: "roles/viewer", members: [`serviceAccount:${AGENT[product]}`] });
      });
      const [finding, ...rest] = about(report, product);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({ severity: "blocker" });
      expect(finding!.problem).toContain(`does not hold ${ROLE[product]}`);
      expect(finding!.fix).toBe(
        `gcloud projects add-iam-policy-binding ${PROJECT} --member=serviceAccount:${AGENT[product]} --role=${ROLE[product]}`,
      );
      expect(report.passed).toBe(false);
      // The other agents are fine.
      expect(agentFindings(report)).toHaveLength(1);
    },
  );

  test("the role held only under a condition is not held", async () => {
    const { report } = await preflight((p) => {
      withoutMember(p, AGENT.scheduler);
      p.projectBindings!.push({
        role: ROLE.scheduler,
        members: [`serviceAccount:${AGENT.scheduler}`],
        condition: { expression: 'request.time < timestamp("2020-01-01T00:00:00Z")', title: "expired" },
      });
    });
    expect(about(report, "scheduler")).toEqual([
      expect.objectContaining({
        severity: "blocker",
        problem: expect.stringContaining(`does not hold ${ROLE.scheduler} unconditionally`),
      }),
    ]);
  });

  test("the role granted to another project's agent does not count", async () => {
    const { report } = await preflight((p) => {
      withoutMember(p, AGENT.tasks);
      p.projectBindings!.push({
        role: ROLE.tasks,
        members: ["serviceAccount:service-999@gcp-sa-cloudtasks.iam.gserviceaccount.com"],
      });
    });
    expect(about(report, "tasks").map((f) => f.severity)).toEqual(["warning"]);
  });

  test("an agent absent while its API is on: a blocker for Pub/Sub's (the program grants to it), a warning for the rest", async () => {
    const { report } = await preflight((p) => {
      withoutMember(p, AGENT.pubsub);
      withoutMember(p, AGENT.workflows);
    });
    expect(about(report, "pubsub")).toEqual([
      expect.objectContaining({
        severity: "blocker",
        problem: expect.stringContaining("a grant to an agent that does not exist fails the deploy"),
        fix: expect.stringContaining("gcloud beta services identity create --service=pubsub.googleapis.com"),
      }),
    ]);
    const [workflows] = about(report, "workflows");
    expect(workflows).toMatchObject({ severity: "warning" });
    expect(workflows!.fix).toContain("--service=workflows.googleapis.com");
    expect(workflows!.fix).toContain(`--role=${ROLE.workflows}`);
  });

  test("an agent absent while its API is off is a note: enabling it (the program does) creates the agent", async () => {
    const { report } = await preflight((p) => {
      withoutMember(p, AGENT.scheduler);
      p.enabled.delete("cloudscheduler.googleapis.com");
    });
    expect(about(report, "scheduler")).toEqual([
      expect.objectContaining({
        severity: "note",
        problem: expect.stringContaining("cloudscheduler.googleapis.com is off"),
      }),
    ]);
  });

  test("a policy the deployer may not read: every agent not visible, and strict preflight fails", async () => {
    const { report } = await preflight((p) => {
      p.failures[`/cloudresourcemanager/v3/projects/${PROJECT}:getIamPolicy`] = [403, 403, 403];
    });
    expect(agentFindings(report).map((f) => f.severity)).toEqual(Array(5).fill("not-visible"));
    expect(agentFindings(report)[0]!.fix).toContain("resourcemanager.projects.getIamPolicy");
    expect(report.passed).toBe(false);
  });

  test("an answer that is not a policy (no etag) is not read as an empty one", async () => {
    const { report } = await preflight((p) => {
      p.misbehave = {
        [`/cloudresourcemanager/v3/projects/${PROJECT}:getIamPolicy`]: { json: { bindings: [] } },
      };
    });
    expect(agentFindings(report).map((f) => f.severity)).toEqual(Array(5).fill("not-visible"));
  });
});

describe("preflight's project-number check", () => {
  test("a declared number that is not the project's blocks, naming the live one and the config to set", async () => {
    const { report } = await preflight((p) => {
      (p as { projectNumber: string }).projectNumber = "777";
    });
    const [finding] = report.findings.filter((f) => f.check === "project-number");
    expect(finding).toMatchObject({
      severity: "blocker",
      subject: `callgraph:projectNumber ${NUMBER}`,
      fix: "pulumi config set callgraph:projectNumber 777",
    });
    expect(finding!.problem).toContain(`project ${PROJECT}'s number is 777, not ${NUMBER}`);
    // The agents are looked for under the live number: the declared agents are not in its policy.
    expect(agentFindings(report).every((f) => f.subject.startsWith("service-777@"))).toBe(true);
  });

  test("a project the deployer may not read is not visible, never clean", async () => {
    const { report } = await preflight((p) => {
      p.failures[`/cloudresourcemanager/v3/projects/${PROJECT}`] = [403, 403, 403];
    });
    expect(report.findings.filter((f) => f.check === "project-number").map((f) => f.severity)).toEqual([
      "not-visible",
    ]);
  });
});

describe("checkServiceAgents and checkProjectNumber, pure", () => {
  const needed = [{ product: "scheduler" as const, neededBy: ["job"] }];
  const live = (over: Partial<LiveAgents>): LiveAgents => ({
    projectNumber: { visible: true, value: NUMBER },
    policy: { visible: true, value: { etag: "x", bindings: [] } },
    apiStates: { visible: true, value: new Map([["cloudscheduler.googleapis.com", "ENABLED"]]) },
    ...over,
  });
  const declared = { project: "p", members: [], projectNumbers: [NUMBER] };

  test("members are compared without case, as IAM does", () => {
    const policy = {
      visible: true as const,
      value: {
        etag: "x",
        bindings: [{ role: ROLE.scheduler, members: [`serviceAccount:${AGENT.scheduler.toUpperCase()}`] }],
      },
    };
    expect(checkServiceAgents(declared, needed, live({ policy }))).toEqual([]);
  });

  test("an unknown API state is a note, never clean", () => {
    const apiStates = { visible: false as const, status: 403, message: "denied" };
    expect(checkServiceAgents(declared, needed, live({ apiStates })).map((f) => f.severity)).toEqual([
      "note",
    ]);
  });

  test("no number anywhere: not visible", () => {
    const projectNumber = { visible: false as const, status: 403, message: "denied" };
    const findings = checkServiceAgents({ ...declared, projectNumbers: [] }, needed, live({ projectNumber }));
    expect(findings.map((f) => [f.severity, f.subject])).toEqual([
      ["not-visible", "scheduler's service agent (for job)"],
    ]);
  });

  test("two CallGraphs given different numbers: the wrong one is named", () => {
    const [finding] = checkProjectNumber(["1", NUMBER], { visible: true, value: NUMBER }, "p");
    expect(finding!.problem).toContain(`not 1:`);
    expect(checkProjectNumber([], { visible: true, value: NUMBER }, "p")).toEqual([]);
  });
});
