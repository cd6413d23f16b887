import { auth as authPlus } from "googleapis/build/src/apis/iam";
import { createGoogleClients, GoogleAuth } from "../../live/google-clients";
import type { DeclaredDeployment } from "../../live/preflight/declared";
import { runPreflight } from "../../live/preflight/run-preflight";
import type { Finding, PreflightReport } from "../../live/preflight/types";
import { FakeGoogle, type FakeProject } from "./support/fake-google";
import { fixtureDeployment, healthyProject, PROJECT, REGION } from "./support/deployment";

// Credentials are injected here (an access token the fake accepts); the ADC path runs in preflight-command.test.ts.
const client = new authPlus.OAuth2();
client.setCredentials({ access_token: "unit-token", expiry_date: Date.now() + 3_600_000 });
const auth = new GoogleAuth({ authClient: client });

let deployment: DeclaredDeployment;
beforeAll(async () => {
  deployment = await fixtureDeployment();
});

async function preflight(
  change: (p: FakeProject) => void = () => undefined,
  options: { strict?: boolean } = {},
): Promise<{ report: PreflightReport; fake: FakeGoogle }> {
  const project = healthyProject(deployment);
  change(project);
  const fake = await FakeGoogle.start(project);
  try {
    const clients = createGoogleClients({
      auth,
      apiRoot: fake.root,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      fetchImplementation: globalThis.fetch,
    });
    const report = await runPreflight(deployment, clients, {
      stack: "test",
      today: new Date("2026-06-01T00:00:00Z"),
      ...options,
    });
    expect(fake.unexpected).toEqual([]);
    return { report, fake };
  } finally {
    await fake.close();
  }
}

const blockers = (r: PreflightReport): Finding[] => r.findings.filter((f) => f.severity === "blocker");

describe("runPreflight against the loopback Google", () => {
  test("all well: passes, with no blocker, and every read arrived under --api-root at its API's path", async () => {
    const { report, fake } = await preflight();
    expect(blockers(report)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => [c.check, c.result])).toEqual([
      ["apis", "ok"],
      ["runtimes", "ok"],
      ["permissions", "ok"],
      ["org-policies", "ok"],
      ["service-accounts", "ok"],
    ]);
    const paths = new Set(fake.paths());
    for (const expected of [
      `/serviceusage/v1/projects/${PROJECT}/services:batchGet`,
      `/cloudfunctions/v2/projects/${PROJECT}/locations/${REGION}/runtimes`,
      `/cloudresourcemanager/v3/projects/${PROJECT}:testIamPermissions`,
      `/orgpolicy/v2/projects/${PROJECT}/policies/iam.allowedPolicyMemberDomains:getEffectivePolicy`,
      `/orgpolicy/v2/projects/${PROJECT}/policies/cloudfunctions.restrictAllowedGenerations:getEffectivePolicy`,
      `/orgpolicy/v2/projects/${PROJECT}/policies/cloudfunctions.allowedIngressSettings:getEffectivePolicy`,
      `/iam/v1/projects/-/serviceAccounts/fn-alpha@${PROJECT}.iam.gserviceaccount.com`,
    ])
      expect(paths).toContain(expected);
    expect(fake.requests.every((r) => r.authorization === "Bearer unit-token")).toBe(true);
  });

  test("a disabled bootstrap API blocks, and so does every API the program would enable itself", async () => {
    const { report } = await preflight((p) => {
      p.enabled.delete("cloudresourcemanager.googleapis.com");
      p.enabled.delete("cloudbuild.googleapis.com");
    });
    const apis = blockers(report).filter((f) => f.check === "apis");
    expect(apis.map((f) => f.subject).sort()).toEqual([
      "cloudbuild.googleapis.com",
      "cloudresourcemanager.googleapis.com",
    ]);
    for (const f of apis)
      expect(f.fix).toBe(`gcloud services enable cloudresourcemanager.googleapis.com --project=${PROJECT}`);
    expect(apis.find((f) => f.subject === "cloudbuild.googleapis.com")!.problem).toMatch(
      /cannot while cloudresourcemanager/,
    );
    expect(report.passed).toBe(false);
  });

  test("an API the program enables itself is a note while the bootstrap APIs are on; iamcredentials off is a warning", async () => {
    const { report } = await preflight((p) => {
      p.enabled.delete("cloudbuild.googleapis.com");
      p.enabled.delete("iamcredentials.googleapis.com");
    });
    expect(report.passed).toBe(true);
    const bySubject = new Map(report.findings.filter((f) => f.check === "apis").map((f) => [f.subject, f]));
    expect(bySubject.get("cloudbuild.googleapis.com")).toMatchObject({ severity: "note" });
    expect(bySubject.get("cloudbuild.googleapis.com")!.problem).toContain(
      "the program enables it (callgraph-api-cloudbuild)",
    );
    expect(bySubject.get("iamcredentials.googleapis.com")).toMatchObject({
      severity: "warning",
      fix: `gcloud services enable iamcredentials.googleapis.com --project=${PROJECT}`,
    });
  });

  test("a runtime the region does not offer for the function's generation blocks, naming what is offered", async () => {
    const { report } = await preflight((p) => {
      p.runtimes[REGION] = [
        {
          name: "nodejs20",
          environment: "GEN_1",
          stage: "DEPRECATED",
          decommissionDate: { year: 2026, month: 10, day: 30 },
        },
        { name: "nodejs22", environment: "GEN_2", stage: "GA" },
      ];
    });
    const runtimes = blockers(report).filter((f) => f.check === "runtimes");
    expect(runtimes.map((f) => f.subject)).toEqual([
      `alpha (gen 1, nodejs22, ${REGION})`,
      `beta (gen 1, nodejs22, ${REGION})`,
    ]);
    expect(runtimes[0]!.problem).toBe(`nodejs22 is not offered for gen 1 (GEN_1) in ${REGION}.`);
    expect(runtimes[0]!.fix).toContain(`offers in ${REGION}: nodejs20`);
    expect(report.passed).toBe(false);
  });

  test("a missing permission blocks, naming the resources that need it and a role that holds it", async () => {
    const { report } = await preflight((p) => {
      p.held.delete("cloudfunctions.functions.setIamPolicy");
      p.held.delete("iam.serviceAccounts.actAs");
    });
    const missing = new Map(
      blockers(report)
        .filter((f) => f.check === "permissions")
        .map((f) => [f.subject, f]),
    );
    expect([...missing.keys()].sort()).toEqual([
      "cloudfunctions.functions.setIamPolicy",
      "iam.serviceAccounts.actAs",
    ]);
    expect(missing.get("cloudfunctions.functions.setIamPolicy")!.fix).toContain(
      `gcloud projects add-iam-policy-binding ${PROJECT} --member=PRINCIPAL --role=roles/cloudfunctions.admin`,
    );
    expect(missing.get("iam.serviceAccounts.actAs")!.problem).toContain(
      `run alpha as fn-alpha@${PROJECT}.iam.gserviceaccount.com`,
    );
  });

  test("org policies: a refused generation, a refused ingress and a public invoker block; other members are undecided", async () => {
    const { report } = await preflight((p) => {
      p.policies["cloudfunctions.restrictAllowedGenerations"] = {
        rules: [{ values: { allowedValues: ["2ndGen"] } }],
      };
      p.policies["cloudfunctions.allowedIngressSettings"] = {
        rules: [{ values: { allowedValues: ["ALLOW_INTERNAL_ONLY"] } }],
      };
      p.policies["iam.allowedPolicyMemberDomains"] = { rules: [{ values: { allowedValues: ["C0abc123"] } }] };
    });
    const org = report.findings.filter((f) => f.check === "org-policies");
    expect(
      org
        .filter((f) => f.severity === "blocker")
        .map((f) => f.subject)
        .sort(),
    ).toEqual([
      "allUsers in callgraph-gamma-invokers",
      "alpha (gen 1)",
      "alpha (ingress ALLOW_ALL)",
      "beta (gen 1)",
      "beta (ingress ALLOW_ALL)",
      "gamma (ingress ALLOW_ALL)",
    ]);
    expect(org.find((f) => f.subject === "alpha (gen 1)")!.fix).toContain("set `generation: 2`");
    // The group's customer is unknowable from its email; the program's own accounts are not listed.
    expect(org.find((f) => f.severity === "warning")).toMatchObject({ subject: "group:devs@example.com" });
    expect(report.passed).toBe(false);
  });

  test("a 403 on an org policy is 'not visible', never clean; --strict makes it fail", async () => {
    const refuse = (p: FakeProject) => {
      p.policies["iam.allowedPolicyMemberDomains"] = { status: 403 };
    };
    const { report } = await preflight(refuse);
    expect(report.findings.filter((f) => f.check === "org-policies")).toEqual([
      expect.objectContaining({
        severity: "not-visible",
        subject: "constraints/iam.allowedPolicyMemberDomains",
        problem: expect.stringContaining("HTTP 403 IAM_PERMISSION_DENIED"),
      }),
    ]);
    expect(report.checks.find((c) => c.check === "org-policies")!.result).toBe("not-visible");
    expect(report.passed).toBe(true);
    expect((await preflight(refuse, { strict: true })).report.passed).toBe(false);
  });

  test("a user-managed key on an existing account blocks, with the command that deletes it", async () => {
    const email = `fn-beta@${PROJECT}.iam.gserviceaccount.com`;
    const { report, fake } = await preflight((p) => {
      p.accounts[email] = { keys: [{ id: "abc123", validAfterTime: "2026-01-02T03:04:05Z" }] };
    });
    expect(blockers(report)).toEqual([
      expect.objectContaining({
        check: "service-accounts",
        problem: expect.stringContaining("holds user-managed key abc123 (created 2026-01-02T03:04:05Z)"),
        fix: `gcloud iam service-accounts keys delete abc123 --iam-account=${email} --project=${PROJECT}`,
      }),
    ]);
    expect(fake.requests.map((r) => r.url)).toContain(
      `/iam/v1/projects/-/serviceAccounts/${email}/keys?keyTypes=USER_MANAGED`,
    );
  });

  test("a 429 and a 503 are retried by the shared client layer, then answered", async () => {
    const path = `/cloudresourcemanager/v3/projects/${PROJECT}:testIamPermissions`;
    const { report, fake } = await preflight((p) => {
      p.failures[path] = [429, 503];
    });
    expect(fake.paths().filter((p) => p === path)).toHaveLength(3);
    expect(report.checks.find((c) => c.check === "permissions")!.result).toBe("ok");
  });
});
