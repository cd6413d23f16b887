import type { DeclaredDeployment } from "../../live/preflight/declared";
import type { Finding, PreflightReport } from "../../live/preflight/types";
import { fixtureSource, runs } from "../fixtures";
import type { FakeProject } from "./support/fake-google";
import { preflightAgainst } from "./support/preflight-against";
import { CONFIG, fixtureDeployment, GROUP, PROJECT, REGION } from "./support/deployment";

let deployment: DeclaredDeployment;
beforeAll(async () => {
  deployment = await fixtureDeployment();
});

const preflight = (
  change: (p: FakeProject) => void = () => undefined,
  options: { strict?: boolean; deployment?: DeclaredDeployment } = {},
) => preflightAgainst(options.deployment ?? deployment, change, options);

const blockers = (r: PreflightReport): Finding[] => r.findings.filter((f) => f.severity === "blocker");
const of = (r: PreflightReport, check: Finding["check"]) => r.findings.filter((f) => f.check === check);
const policyPath = (constraint: string) =>
  `/orgpolicy/v2/projects/${PROJECT}/policies/${constraint}:getEffectivePolicy`;

describe("runPreflight against the loopback Google", () => {
  test("all well: passes, with no blocker, and every read arrived under --api-root at its API's path", async () => {
    const { report, fake } = await preflight();
    expect(blockers(report)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => [c.check, c.result])).toEqual([
      ["apis", "ok"],
      ["runtimes", "ok"],
      ["permissions", "ok"],
      ["members", "ok"],
      ["org-policies", "ok"],
      ["service-accounts", "ok"],
      ["project-number", "ok"],
      ["service-agents", "ok"],
    ]);
    const paths = new Set(fake.paths());
    for (const expected of [
      `/serviceusage/v1/projects/${PROJECT}/services:batchGet`,
      `/cloudfunctions/v2/projects/${PROJECT}/locations/${REGION}/runtimes`,
      `/cloudresourcemanager/v3/projects/${PROJECT}:testIamPermissions`,
      ...[
        "iam.allowedPolicyMemberDomains",
        "cloudfunctions.restrictAllowedGenerations",
        "cloudfunctions.allowedIngressSettings",
        "gcp.resourceLocations",
        "cloudbuild.allowedWorkerPools",
        "cloudfunctions.requireVPCConnector",
        "run.allowedIngress",
        "run.managed.requireInvokerIam",
        "iam.disableServiceAccountCreation",
      ].map(policyPath),
      `/iam/v1/projects/-/serviceAccounts/fn-alpha@${PROJECT}.iam.gserviceaccount.com`,
      "/cloudidentity/v1/groups:lookup",
    ])
      expect(paths).toContain(expected);
    expect(fake.requests.map((r) => r.url)).toContain(
      `/cloudidentity/v1/groups:lookup?groupKey.id=${encodeURIComponent(GROUP.slice("group:".length))}`,
    );
    expect(fake.requests.every((r) => r.authorization === "Bearer unit-token")).toBe(true);
  });

  test("a constraint that cannot matter is not read: no run.* constraint for a stack without 2nd gen", async () => {
    const gen1Only = await fixtureDeployment({
      ...CONFIG,
      "callgraph:functions": {
        alpha: { generation: 1, calls: ["beta"], source: fixtureSource("alpha") },
        beta: { generation: 1, source: fixtureSource("beta") },
      },
    });
    const { fake } = await preflight(() => undefined, { deployment: gen1Only });
    const asked = fake.paths().filter((p) => p.startsWith("/orgpolicy/"));
    expect(asked).not.toContain(policyPath("run.allowedIngress"));
    expect(asked).not.toContain(policyPath("run.managed.requireInvokerIam"));
    expect(asked).toContain(policyPath("iam.disableServiceAccountCreation"));
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
    const bySubject = new Map(of(report, "apis").map((f) => [f.subject, f]));
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
        ...(p.runtimes[REGION] ?? []).filter((r) => r.environment === "GEN_2"),
      ];
    });
    const gen1 = deployment.functions.filter((f) => f.generation === 1);
    const runtimes = blockers(report).filter((f) => f.check === "runtimes");
    expect(runtimes.map((f) => f.subject)).toEqual(
      gen1.map((f) => `${f.name} (gen 1, ${f.runtime}, ${REGION})`),
    );
    expect(runtimes[0]!.problem).toBe(`${gen1[0]!.runtime} is not offered for gen 1 (GEN_1) in ${REGION}.`);
    expect(runtimes[0]!.fix).toContain(`offers in ${REGION}: nodejs20`);
    expect(report.passed).toBe(false);
  });

  test("a missing permission blocks, naming the resources that need it and a role that holds it", async () => {
    const { report } = await preflight((p) => {
      p.held.delete("cloudfunctions.functions.setIamPolicy");
      p.held.delete("iam.serviceAccounts.actAs");
    });
    const missing = new Map(blockers(report).map((f) => [f.subject, f]));
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
    const org = of(report, "org-policies");
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
    // The group's customer is unknowable from its email (the project has no organization here); the program's own
    // accounts are not listed.
    expect(org.find((f) => f.severity === "warning")).toMatchObject({ subject: GROUP });
    expect(report.passed).toBe(false);
  });

  test("a 403 on an org policy is 'not visible', never clean; it fails by default, and --no-strict only reports it", async () => {
    const refuse = (p: FakeProject) => {
      p.policies["iam.allowedPolicyMemberDomains"] = { status: 403 };
    };
    const { report } = await preflight(refuse);
    expect(of(report, "org-policies")).toEqual([
      expect.objectContaining({
        severity: "not-visible",
        subject: "constraints/iam.allowedPolicyMemberDomains",
        problem: expect.stringContaining("HTTP 403 IAM_PERMISSION_DENIED"),
      }),
    ]);
    expect(report.checks.find((c) => c.check === "org-policies")!.result).toBe("not-visible");
    expect(report.passed).toBe(false);
    expect((await preflight(refuse, { strict: true })).report.passed).toBe(false);
    expect((await preflight(refuse, { strict: false })).report.passed).toBe(true);
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

describe("preflight: the members the program grants (issue 17 §4)", () => {
  /** The fixture with `invokers` on beta instead of the group alone. */
  const granting = (invokers: string[]) =>
    fixtureDeployment({
      ...CONFIG,
      "callgraph:functions": {
        alpha: { generation: 1, calls: ["beta"], source: fixtureSource("alpha") },
        beta: { generation: 1, invokers, source: fixtureSource("beta") },
        gamma: { generation: 2, invokers: ["allUsers"], ...runs("relay") },
      },
    });

  test.each([
    ["group:platform-team@example.org", "example.org"],
    ["user:alice@example.com", "example.com"],
    ["group:devs@eng.example.net", "eng.example.net, under example.net,"],
    ["user:bob@corp.example", "top-level domain .example"],
    ["group:qa@ci.test", "top-level domain .test"],
    ["serviceAccount:robot@nowhere.invalid", "top-level domain .invalid"],
    ["domain:app.localhost", "top-level domain .localhost"],
  ])("%s, at a reserved example domain, blocks, naming it and the fix (%s)", async (member, reserved) => {
    const declared = await granting([member]);
    const { report, fake } = await preflight(() => undefined, { deployment: declared });
    const found = of(report, "members").filter((f) => f.subject === member);
    expect(found).toEqual([
      expect.objectContaining({
        severity: "blocker",
        problem: expect.stringMatching(
          /reserved for examples and documentation \(RFC 2606, RFC 6761\): such a member cannot exist, so `pulumi up` fails setting the grant with `Error 400: … does not exist` \(GoogleCloudPlatform\/cloud-foundation-fabric#1549, terraform-google-modules\/terraform-example-foundation#918\)/,
        ),
        fix: expect.stringContaining(`"user:$(gcloud config get account)"`),
      }),
    ]);
    expect(found[0]!.problem).toContain(reserved);
    expect(found[0]!.problem).toContain("callgraph-beta-invokers");
    expect(report.passed).toBe(false);
    // Nobody is asked whether a reserved member exists: it cannot.
    expect(fake.requests.some((r) => r.url.includes(encodeURIComponent(member.split(":")[1]!)))).toBe(false);
  });

  test.each(["group:devs@examples.com", "user:a@example.com.au", "user:b@notexample.org", "user:c@test.dev"])(
    "%s is not at a reserved domain",
    async (member) => {
      const declared = await granting([member]);
      const { report } = await preflight(
        (p) => {
          p.groups = { [member.split(":")[1]!]: true };
        },
        { deployment: declared },
      );
      expect(blockers(report).filter((f) => f.check === "members")).toEqual([]);
    },
  );

  const other = "serviceAccount:ext-caller@other-project.iam.gserviceaccount.com";
  test.each<[string, (p: FakeProject) => void, Finding["severity"] | "none", RegExp | undefined]>([
    ["a group Cloud Identity finds", () => undefined, "none", undefined],
    [
      "a group Cloud Identity does not have (404)",
      (p) => {
        p.groups = {};
      },
      "blocker",
      /Cloud Identity has no group devs@callgraph-fixture\.dev \(groups\.lookup answered 404\)/,
    ],
    [
      "a group Cloud Identity will not show (403: forbidden, or may not exist)",
      (p) => {
        p.groups = { [GROUP.slice("group:".length)]: { status: 403 } };
      },
      "not-visible",
      /could not check that the group exists \(HTTP 403 PERMISSION_DENIED: .*\); Cloud Identity answers 403 both/,
    ],
  ])("%s", async (_name, change, severity, problem) => {
    const { report } = await preflight(change);
    const found = of(report, "members").filter((f) => f.subject === GROUP);
    if (severity === "none") expect(found).toEqual([]);
    else
      expect(found).toEqual([
        expect.objectContaining({ severity, problem: expect.stringMatching(problem!) }),
      ]);
  });

  test.each<[string, (p: FakeProject) => void, Finding["severity"] | "none"]>([
    [
      "exists",
      (p) => {
        p.accounts["ext-caller@other-project.iam.gserviceaccount.com"] = {};
      },
      "none",
    ],
    ["does not exist (404)", () => undefined, "blocker"],
    [
      "cannot be read (403)",
      (p) => {
        p.failures["/iam/v1/projects/-/serviceAccounts/ext-caller@"] = [403];
      },
      "not-visible",
    ],
  ])("a service account the program does not create that %s", async (_name, change, severity) => {
    const declared = await granting([GROUP, other]);
    const { report } = await preflight(change, { deployment: declared });
    const found = of(report, "members").filter((f) => f.subject === other);
    if (severity === "none") expect(found).toEqual([]);
    else expect(found).toEqual([expect.objectContaining({ severity })]);
  });

  test("a user: member is a note, never clean; a service agent is a note; the program's own accounts are not asked", async () => {
    const agent = "serviceAccount:service-424242@gcp-sa-pubsub.iam.gserviceaccount.com";
    const declared = await granting([GROUP, "user:alice@callgraph-fixture.dev", agent]);
    const { report, fake } = await preflight(() => undefined, { deployment: declared });
    const members = new Map(of(report, "members").map((f) => [f.subject, f]));
    expect(members.get("user:alice@callgraph-fixture.dev")).toMatchObject({
      severity: "note",
      problem: expect.stringContaining(
        "not checked, and not known to exist: no Google API lets anyone but an administrator",
      ),
    });
    expect(members.get(agent)).toMatchObject({
      severity: "note",
      problem: expect.stringMatching(/^not checked/),
    });
    expect(report.checks.find((c) => c.check === "members")!.result).toBe("note");
    // fn-alpha is granted on beta, but the program creates it: only read (once) as an account of the deployment.
    expect(
      fake
        .paths()
        .filter(
          (p) => p === `/iam/v1/projects/-/serviceAccounts/fn-alpha@${PROJECT}.iam.gserviceaccount.com`,
        ),
    ).toHaveLength(1);
    expect(fake.paths().some((p) => p.includes("gcp-sa-pubsub"))).toBe(false);
  });
});

describe("preflight: iam.allowedPolicyMemberDomains against the organization's customer ID", () => {
  const hierarchy: FakeProject["hierarchy"] = {
    parent: "folders/7",
    folders: { "7": "organizations/99" },
    organization: { id: "99", displayName: "callgraph-fixture.dev", directoryCustomerId: "C0fixture" },
  };
  const restrict = (allowed: string[]) => (p: FakeProject) => {
    p.hierarchy = hierarchy;
    p.policies["iam.allowedPolicyMemberDomains"] = { rules: [{ values: { allowedValues: allowed } }] };
  };
  const memberFindings = (r: PreflightReport) =>
    of(r, "org-policies").filter((f) => f.subject !== "allUsers in callgraph-gamma-invokers");

  test("a member of the organization's own domain is allowed when its customer ID is listed", async () => {
    const { report, fake } = await preflight(restrict(["is:C0fixture"]));
    expect(memberFindings(report)).toEqual([]);
    expect(fake.paths()).toEqual(
      expect.arrayContaining([
        `/cloudresourcemanager/v3/projects/${PROJECT}`,
        "/cloudresourcemanager/v3/folders/7",
        "/cloudresourcemanager/v3/organizations/99",
      ]),
    );
  });

  test("refused when its customer ID is not listed, naming the organization and customer", async () => {
    const { report } = await preflight(restrict(["C0other"]));
    expect(memberFindings(report)).toEqual([
      expect.objectContaining({
        severity: "blocker",
        subject: GROUP,
        problem: expect.stringContaining(
          "callgraph-fixture.dev is the primary domain of organizations/99 (customer C0fixture), which is not among them",
        ),
      }),
    ]);
  });

  test("an organization that cannot be read is not visible, and the member stays undecided", async () => {
    const { report } = await preflight((p) => {
      restrict(["C0fixture"])(p);
      p.hierarchy = { ...hierarchy, organization: { status: 403 } };
    });
    expect(memberFindings(report).map((f) => [f.severity, f.subject])).toEqual([
      ["not-visible", `organization of project ${PROJECT}`],
      ["warning", GROUP],
    ]);
  });

  test("not read at all when the constraint restricts nothing", async () => {
    const { fake } = await preflight((p) => {
      p.hierarchy = hierarchy;
    });
    expect(fake.paths()).not.toContain("/cloudresourcemanager/v3/organizations/99");
  });
});

describe("preflight: the organization policies of issue 17 §5", () => {
  const rules = (r: object[]) => ({ rules: r });
  test.each<[string, string, object[], [Finding["severity"], string][]]>([
    [
      "locations: the region's multi-region group",
      "gcp.resourceLocations",
      [{ values: { allowedValues: ["in:europe-locations"] } }],
      [],
    ],
    [
      "locations: the region, but not the multi-region Cloud Build needs",
      "gcp.resourceLocations",
      [{ values: { allowedValues: ["in:europe-west1-locations"] } }],
      [["blocker", `${REGION} (alpha, beta, gamma)`]],
    ],
    [
      "locations: region and multi-region",
      "gcp.resourceLocations",
      [{ values: { allowedValues: ["in:europe-west1-locations", "in:europe-locations"] } }],
      [],
    ],
    [
      "locations: another region only",
      "gcp.resourceLocations",
      [{ values: { allowedValues: ["us-central1", "in:us-locations"] } }],
      [["blocker", `${REGION} (alpha, beta, gamma)`]],
    ],
    [
      "locations: a value group preflight cannot expand",
      "gcp.resourceLocations",
      [{ values: { allowedValues: ["in:eu-locations"] } }],
      [["warning", `${REGION} (alpha, beta, gamma)`]],
    ],
    [
      "locations: the region denied",
      "gcp.resourceLocations",
      [{ values: { deniedValues: ["in:europe-west1-locations"] } }],
      [["blocker", `${REGION} (alpha, beta, gamma)`]],
    ],
    [
      "service-account creation enforced",
      "iam.disableServiceAccountCreation",
      [{ enforce: true }],
      [["blocker", "constraints/iam.disableServiceAccountCreation"]],
    ],
    ["service-account creation not enforced", "iam.disableServiceAccountCreation", [{ enforce: false }], []],
    [
      "VPC connector required",
      "cloudfunctions.requireVPCConnector",
      [{ enforce: true }],
      [
        ["blocker", "alpha (gen 1, no VPC connector)"],
        ["blocker", "beta (gen 1, no VPC connector)"],
        ["blocker", "gamma (gen 2, no VPC connector)"],
      ],
    ],
    [
      "Cloud Run ingress: internal only",
      "run.allowedIngress",
      [{ values: { allowedValues: ["is:internal"] } }],
      [["blocker", "gamma (gen 2, Cloud Run ingress all)"]],
    ],
    ["Cloud Run ingress: all allowed", "run.allowedIngress", [{ values: { allowedValues: ["is:all"] } }], []],
    [
      "worker pools restricted",
      "cloudbuild.allowedWorkerPools",
      [{ values: { allowedValues: ["under:projects/build-pools"] } }],
      [
        ["blocker", "alpha (build on the default pool)"],
        ["blocker", "beta (build on the default pool)"],
        ["blocker", "gamma (build on the default pool)"],
      ],
    ],
    [
      "invoker IAM check not required",
      "run.managed.requireInvokerIam",
      [{ enforce: false }],
      [["warning", "constraints/run.managed.requireInvokerIam"]],
    ],
    [
      "invoker IAM check required by no policy at all (the default)",
      "run.managed.requireInvokerIam",
      [],
      [["warning", "constraints/run.managed.requireInvokerIam"]],
    ],
  ])("%s", async (_name, constraint, policyRules, expected) => {
    const { report } = await preflight((p) => {
      if (policyRules.length === 0) delete p.policies[constraint];
      else p.policies[constraint] = rules(policyRules);
    });
    const found = of(report, "org-policies");
    expect(found.map((f) => [f.severity, f.subject]).sort()).toEqual(expected);
    for (const f of found) {
      expect(f.fix).toBeTruthy();
      expect(f.source).toMatch(/^https:\/\//);
      expect(f.problem).toContain(constraint);
    }
  });

  test("the exemption each boolean blocker names", async () => {
    const { report } = await preflight((p) => {
      p.policies["iam.disableServiceAccountCreation"] = rules([{ enforce: true }]);
    });
    expect(of(report, "org-policies")[0]!.fix).toContain(
      `gcloud resource-manager org-policies disable-enforce iam.disableServiceAccountCreation --project=${PROJECT}`,
    );
  });
});
