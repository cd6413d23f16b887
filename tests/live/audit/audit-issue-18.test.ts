import { assessAudit } from "../../../cli/audit/assessed";
import { renderAuditTable } from "../../../cli/audit/render-table";
import type { DeclaredAudit } from "../../../live/audit/declared";
import type { AuditFinding, AuditResult } from "../../../live/audit/findings";
import type { FakeEstate } from "./support/fake-estate";
import { addBinding, auditEstate, fixtureDeclared, PROJECT, REGION } from "./support/fixture";

let declared: DeclaredAudit;
beforeAll(async () => {
  declared = await fixtureDeclared();
});

const service = (name: string) => `projects/${PROJECT}/locations/${REGION}/services/${name}`;
const sa = (name: string) => `fn-${name}@${PROJECT}.iam.gserviceaccount.com`;
const accountPolicy = (name: string) => `projects/-/serviceAccounts/${sa(name)}`;
const only = (r: AuditResult, kind: AuditFinding["kind"]) => r.findings.filter((f) => f.kind === kind);
const run = (change: (e: FakeEstate) => void) => auditEstate(declared, change);

describe("audit: a 2nd-gen function's Cloud Run service with its invoker IAM check off (issue 18 §2)", () => {
  test("a matching estate reads every 2nd-gen function's service and finds it on", async () => {
    const { result, fake } = await run(() => undefined);
    expect(result.findings).toEqual([]);
    expect(fake.count((r) => r.method === "GET" && r.path === `/run/v2/${service("gamma")}`)).toBe(1);
    // 1st-gen functions have no Cloud Run service.
    expect(fake.count((r) => r.path === `/run/v2/${service("alpha")}`)).toBe(0);
  });

  test("invokerIamDisabled: true is critical (high, 'critical' first), anyone may invoke, whatever the policy says", async () => {
    const { result } = await run((e) => {
      e.functions.find((f) => f.name === "gamma")!.invokerIamDisabled = true;
    });
    const [finding] = only(result, "invoker-check-disabled");
    expect(finding).toMatchObject({
      function: "gamma",
      grantedOn: { scope: "run-service", name: service("gamma") },
      problem: expect.stringMatching(
        /^CRITICAL: the invoker IAM check of Cloud Run service gamma is off \(invokerIamDisabled: true\): anyone on the internet can invoke gamma, whatever its IAM policy says/,
      ),
      fix: `gcloud run services update gamma --region=${REGION} --project=${PROJECT} --invoker-iam-check; then enforce constraints/run.managed.requireInvokerIam so that no one can switch it off again`,
    });
    const report = assessAudit(result, "test");
    expect(report.findings[0]).toMatchObject({ kind: "invoker-check-disabled", risk: "high" });
    expect(report.findings[0]!.reasons[0]).toMatch(/^critical: /);
    const gamma = result.functions.find((f) => f.name === "gamma")!;
    expect(gamma.invokerIamDisabled).toBe(true);
    expect(gamma.invokers[0]).toMatchObject({ member: "allUsers", public: true, declared: false });
    expect(renderAuditTable(report)).toContain("run.routes.invoke (invoker IAM check off)");
  });

  test("a service that cannot be read is not visible, and the function not complete", async () => {
    const { result } = await run((e) => {
      e.functions.find((f) => f.name === "gamma")!.serviceStatus = 403;
    });
    expect(result.findings).toEqual([]);
    expect(result.notVisible).toEqual([
      expect.objectContaining({
        subject: "Cloud Run service gamma",
        problem: expect.stringMatching(
          /^could not read it \(HTTP 403 IAM_PERMISSION_DENIED: .*\): whether its invoker IAM check is off/,
        ),
        fix: "grant the auditor run.services.get (roles/run.viewer)",
      }),
    ]);
    expect(result.functions.find((f) => f.name === "gamma")!.complete).toBe(false);
    expect(result.functions.find((f) => f.name === "alpha")!.complete).toBe(true);
  });
});

describe("audit: a function whose deployment failed (issue 17 §5)", () => {
  test.each<[string, string, boolean, string | undefined]>([
    ["alpha", "OFFLINE", true, undefined],
    ["alpha", "UNKNOWN", true, undefined],
    ["alpha", "DEPLOY_IN_PROGRESS", false, undefined],
    ["alpha", "ACTIVE", false, undefined],
    ["gamma", "FAILED", true, "Build failed: npm ERR! missing script: build"],
    ["gamma", "UNKNOWN", true, undefined],
    ["gamma", "DEPLOYING", false, undefined],
    ["gamma", "DETACH_FAILED", false, undefined],
  ])("%s %s: a failed deployment: %s", async (name, state, failed, message) => {
    const { result } = await run((e) => {
      const f = e.functions.find((x) => x.name === name)!;
      f.state = state;
      if (message) f.stateMessage = message;
    });
    const found = only(result, "failed-deployment");
    if (!failed) {
      expect(found).toEqual([]);
      return;
    }
    const urn = declared.functions.find((f) => f.name === name)!.urn!;
    // The URN of that function's resource, from the registered resources.
    expect(urn).toMatch(
      /^urn:pulumi:[^:]+::[^:]+::.*\$gcp:cloudfunctions(v2)?\/function:Function::callgraph-/,
    );
    expect(found).toEqual([
      expect.objectContaining({
        function: name,
        state,
        urn,
        subject: `${name}: ${name === "gamma" ? "state" : "status"} ${state}`,
        fix: `pulumi up --stack test --target-replace '${urn}'`,
        problem: expect.stringContaining("another `pulumi up` sees no change and does not redeploy it"),
      }),
    ]);
    if (message) expect(found[0]!.problem).toContain(message);
    expect(assessAudit(result, "test").findings[0]).toMatchObject({ risk: "medium" });
  });
});

describe("audit: who can act as a caller can invoke its callees (issue 18 §2)", () => {
  // alpha and gamma call beta: their accounts hold beta's invoker role, so their own policies are read.
  test("the policy of every invoking account is read; nobody but the account may act as it: clean", async () => {
    const { result, fake } = await run(() => undefined);
    expect(result.findings).toEqual([]);
    expect(
      fake.requests
        .filter((r) => r.path.startsWith("/iam/v1/") && r.path.endsWith(":getIamPolicy"))
        .map((r) => r.path)
        .sort(),
    ).toEqual([
      `/iam/v1/${accountPolicy("alpha")}:getIamPolicy`,
      `/iam/v1/${accountPolicy("gamma")}:getIamPolicy`,
    ]);
  });

  test.each<[string, string, "high" | "medium"]>([
    ["roles/iam.serviceAccountTokenCreator", "token creator", "high"],
    ["roles/iam.serviceAccountOpenIdTokenCreator", "OpenID token creator", "high"],
    ["roles/iam.workloadIdentityUser", "workload identity user", "high"],
    ["roles/iam.serviceAccountUser", "service account user", "medium"],
  ])(
    "%s on the caller's account makes its holder an invoker of the callee, with the path",
    async (role, short, risk) => {
      const { result } = await run((e) =>
        addBinding(e, accountPolicy("alpha"), role, "user:mallory@example.com"),
      );
      const found = only(result, "indirect-invoker");
      expect(found).toEqual([
        expect.objectContaining({
          subject: `user:mallory@example.com -> ${short} on fn-alpha -> beta`,
          member: "user:mallory@example.com",
          role,
          account: sa("alpha"),
          reaches: ["beta"],
          via: { account: sa("alpha"), role, grantedOn: `service account ${sa("alpha")}` },
          fix: expect.stringMatching(
            new RegExp(
              `^gcloud iam service-accounts remove-iam-policy-binding ${sa("alpha")} --member=user:mallory@example.com --role=${role.replace(/\./g, "\\.")};`,
            ),
          ),
        }),
      ]);
      expect(assessAudit(result, "test").findings[0]!.risk).toBe(risk);
      const beta = result.functions.find((f) => f.name === "beta")!;
      expect(beta.invokers).toContainEqual(
        expect.objectContaining({
          member: "user:mallory@example.com",
          role: "roles/cloudfunctions.invoker",
          declared: false,
          via: expect.objectContaining({ account: sa("alpha"), role }),
        }),
      );
    },
  );

  test("granted on the project, it reaches every account of the project: one path per caller account", async () => {
    const { result } = await run((e) =>
      addBinding(e, `projects/${PROJECT}`, "roles/iam.serviceAccountTokenCreator", "group:ops@example.com"),
    );
    expect(only(result, "indirect-invoker").map((f) => [f.subject, f.via?.grantedOn])).toEqual([
      ["group:ops@example.com -> token creator on fn-alpha -> beta", `project ${PROJECT}`],
      ["group:ops@example.com -> token creator on fn-gamma -> beta", `project ${PROJECT}`],
    ]);
    expect(only(result, "indirect-invoker")[0]!.fix).toMatch(
      new RegExp(
        `^gcloud projects remove-iam-policy-binding ${PROJECT} --member=group:ops@example.com --role=roles/iam\\.serviceAccountTokenCreator`,
      ),
    );
  });

  test("a declared invoker of the callee who may also act as the caller is shown, and is no drift", async () => {
    const { result } = await run((e) =>
      addBinding(e, accountPolicy("alpha"), "roles/iam.serviceAccountTokenCreator", "group:devs@example.com"),
    );
    expect(result.findings).toEqual([]);
    expect(result.functions.find((f) => f.name === "beta")!.invokers).toContainEqual(
      expect.objectContaining({ member: "group:devs@example.com", declared: true, via: expect.anything() }),
    );
  });

  test("a caller account's policy that cannot be read is not visible; what it invokes is not complete", async () => {
    const { result } = await run((e) => {
      e.policies[accountPolicy("alpha")] = { status: 403 };
    });
    expect(result.findings).toEqual([]);
    expect(result.notVisible).toEqual([
      expect.objectContaining({
        subject: `IAM policy of service account ${sa("alpha")}`,
        fix: "grant the auditor iam.serviceAccounts.getIamPolicy (roles/iam.securityReviewer)",
      }),
    ]);
    expect(result.functions.find((f) => f.name === "beta")!.complete).toBe(false);
    expect(result.functions.find((f) => f.name === "gamma")!.complete).toBe(true);
  });
});
