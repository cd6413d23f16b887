import { audit } from "../../../live/audit/audit";
import type { DeclaredAudit } from "../../../live/audit/declared";
import type { AuditFinding, AuditResult } from "../../../live/audit/findings";
import { readLive } from "../../../live/audit/read-live";
import { LiveConfigError } from "../../../live/errors";
import { FakeEstateServer, type FakeEstate } from "./support/fake-estate";
import {
  fixtureDeclared,
  FOLDER,
  matchingEstate,
  ORGANIZATION,
  PROJECT,
  REGION,
  testClients,
} from "./support/fixture";

let declared: DeclaredAudit;
beforeAll(async () => {
  declared = await fixtureDeclared();
});

const fn = (name: string) => `projects/${PROJECT}/locations/${REGION}/functions/${name}`;
const service = (name: string) => `projects/${PROJECT}/locations/${REGION}/services/${name}`;
const sa = (name: string) => `fn-${name}@${PROJECT}.iam.gserviceaccount.com`;
const BUILD = `callgraph-build@${PROJECT}.iam.gserviceaccount.com`;

async function run(
  change: (e: FakeEstate) => void = () => undefined,
  scope?: string,
): Promise<{ result: AuditResult; fake: FakeEstateServer }> {
  const estate = matchingEstate(declared);
  change(estate);
  const fake = await FakeEstateServer.start(estate);
  try {
    const live = await readLive(testClients(fake.root), {
      project: PROJECT,
      region: REGION,
      declaredAccounts: [sa("alpha"), sa("beta"), sa("gamma"), BUILD],
      ...(scope ? { scope } : {}),
    });
    expect(fake.unexpected).toEqual([]);
    return { result: audit(declared, live, "test"), fake };
  } finally {
    await fake.close();
  }
}

const kinds = (r: AuditResult) => r.findings.map((f) => `${f.kind} ${f.subject}`).sort();
const only = (r: AuditResult, kind: AuditFinding["kind"]) => r.findings.filter((f) => f.kind === kind);
const addBinding = (e: FakeEstate, where: string, role: string, member: string) => {
  const policy = (e.policies[where] ??= []);
  if ("status" in policy) throw new Error("refused policy");
  policy.push({ role, members: [member] });
};

describe("audit: the live estate held against the declaration", () => {
  test("a matching estate is clean, and every policy that decides who may invoke was read", async () => {
    const { result, fake } = await run();
    expect(result.findings).toEqual([]);
    expect(result.notVisible).toEqual([]);
    expect(result.functions.map((f) => [f.name, f.status, f.complete])).toEqual([
      ["alpha", "deployed", true],
      ["beta", "deployed", true],
      ["gamma", "deployed", true],
    ]);
    const paths = new Set(fake.requests.map((r) => r.path));
    for (const p of [
      `/cloudfunctions/v1/${fn("alpha")}:getIamPolicy`,
      `/cloudfunctions/v1/${fn("beta")}:getIamPolicy`,
      `/cloudfunctions/v2/${fn("gamma")}:getIamPolicy`,
      `/run/v2/${service("gamma")}:getIamPolicy`,
      `/cloudresourcemanager/v3/projects/${PROJECT}:getIamPolicy`,
      `/cloudresourcemanager/v3/folders/${FOLDER}:getIamPolicy`,
      `/cloudresourcemanager/v3/organizations/${ORGANIZATION}:getIamPolicy`,
      `/cloudresourcemanager/v1/projects/${PROJECT}:getAncestry`,
      `/iam/v1/projects/-/serviceAccounts/${sa("alpha")}/keys`,
    ])
      expect(paths).toContain(p);
    // The declared public invoker of gamma is shown, and is no finding.
    expect(result.functions.find((f) => f.name === "gamma")!.invokers).toEqual([
      expect.objectContaining({
        member: "allUsers",
        role: "roles/run.invoker",
        declared: true,
        live: true,
        public: true,
      }),
    ]);
  });

  test("an invoker granted by hand on a function is undeclared, with where it was granted and how to remove it", async () => {
    const { result } = await run((e) =>
      addBinding(e, fn("beta"), "roles/cloudfunctions.invoker", "user:eve@example.com"),
    );
    expect(kinds(result)).toEqual(["undeclared-invoker user:eve@example.com → beta"]);
    expect(result.findings[0]).toMatchObject({
      grantedOn: { scope: "function", name: fn("beta") },
      fix: expect.stringContaining(
        `gcloud functions remove-iam-policy-binding beta --region=${REGION} --project=${PROJECT} --member=user:eve@example.com --role=roles/cloudfunctions.invoker`,
      ),
    });
  });

  test("roles/editor on the project and run.invoker on the folder reach every function: one finding each, naming the scope", async () => {
    const { result } = await run((e) => {
      addBinding(e, `projects/${PROJECT}`, "roles/editor", "user:ops@example.com");
      addBinding(e, `folders/${FOLDER}`, "roles/run.invoker", "group:contractors@example.com");
    });
    expect(kinds(result)).toEqual([
      `undeclared-invoker group:contractors@example.com → every function (folder ${FOLDER})`,
      `undeclared-invoker user:ops@example.com → every function (project ${PROJECT})`,
    ]);
    expect(result.findings[0]!.reaches).toEqual(["alpha", "beta", "gamma"]);
    const beta = result.functions.find((f) => f.name === "beta")!;
    expect(beta.invokers.filter((i) => !i.declared).map((i) => [i.member, i.grantedOn?.scope])).toEqual([
      ["user:ops@example.com", "project"],
      ["group:contractors@example.com", "folder"],
    ]);
  });

  test("a 403 on the organization's policy is 'not visible', never clean", async () => {
    const { result } = await run((e) => {
      e.policies[`organizations/${ORGANIZATION}`] = { status: 403 };
    });
    expect(result.findings).toEqual([]);
    expect(result.notVisible).toEqual([
      expect.objectContaining({
        subject: `IAM policy of organization ${ORGANIZATION}`,
        problem: expect.stringMatching(
          /^not visible \(HTTP 403 IAM_PERMISSION_DENIED: .*\): .* so this is not clean\.$/,
        ),
        fix: "grant the auditor resourcemanager.organizations.getIamPolicy (roles/iam.securityReviewer on the organization)",
      }),
    ]);
    expect(result.functions.every((f) => !f.complete)).toBe(true);
  });

  test("a declared grant that is not live is missing; the public grants it replaced are exposure", async () => {
    const { result } = await run((e) => {
      e.policies[fn("beta")] = [
        {
          role: "roles/cloudfunctions.invoker",
          members: ["group:devs@example.com", `serviceAccount:${sa("gamma")}`],
        },
      ];
      addBinding(e, fn("alpha"), "roles/cloudfunctions.invoker", "allUsers");
      addBinding(e, `folders/${FOLDER}`, "roles/cloudfunctions.invoker", "allAuthenticatedUsers");
    });
    expect(kinds(result)).toEqual([
      `missing-grant serviceAccount:${sa("alpha")} → beta`,
      "public-exposure allAuthenticatedUsers → every function (folder 111)",
      "public-exposure allUsers → alpha",
    ]);
    expect(only(result, "missing-grant")[0]!.fix).toBe(
      "pulumi up --stack test (the stack's binding is authoritative and puts it back); the project's audit logs (SetIamPolicy) tell who removed it",
    );
    expect(only(result, "public-exposure").find((f) => f.member === "allUsers")!.problem).toMatch(
      /^anyone on the internet may invoke alpha/,
    );
  });

  test("a function in the region that the stack does not declare is reported, with what may invoke it", async () => {
    const { result } = await run((e) => {
      e.functions.push({
        name: "delta",
        generation: 1,
        serviceAccountEmail: `${PROJECT}@appspot.gserviceaccount.com`,
        environmentVariables: {},
      });
      e.policies[fn("delta")] = [
        {
          role: "roles/cloudfunctions.invoker",
          members: ["user:bob@example.com", `serviceAccount:${sa("alpha")}`],
        },
      ];
    });
    expect(kinds(result)).toEqual([
      `account-overreach serviceAccount:${sa("alpha")} → delta`,
      "undeclared-function delta",
    ]);
    expect(only(result, "undeclared-function")[0]!.problem).toContain(
      `running as ${PROJECT}@appspot.gserviceaccount.com (a default account, which holds Editor)`,
    );
    expect(only(result, "account-overreach")[0]).toMatchObject({
      account: sa("alpha"),
      accountUse: "runtime of alpha",
    });
    expect(result.functions.find((f) => f.name === "delta")).toMatchObject({ status: "undeclared" });
  });

  test("a runtime account with keys, or with an invoking role on the project, is reported", async () => {
    const { result } = await run((e) => {
      e.accounts[sa("beta")] = { keys: ["k1", "k2"] };
      addBinding(e, `projects/${PROJECT}`, "roles/run.invoker", `serviceAccount:${sa("gamma")}`);
    });
    expect(kinds(result)).toEqual([
      `account-keys ${sa("beta")}`,
      `account-overreach serviceAccount:${sa("gamma")} → every function (project ${PROJECT})`,
    ]);
    expect(only(result, "account-keys")[0]).toMatchObject({
      keys: ["k1", "k2"],
      accountUse: "runtime of beta",
      fix: `gcloud iam service-accounts keys delete k1 --iam-account=${sa("beta")} --project=${PROJECT} && gcloud iam service-accounts keys delete k2 --iam-account=${sa("beta")} --project=${PROJECT}`,
    });
  });

  test("a deployed runtime account, build account or callee URL that differs from the declaration is reported", async () => {
    const { result } = await run((e) => {
      const alpha = e.functions.find((f) => f.name === "alpha")!;
      alpha.serviceAccountEmail = `${PROJECT}@appspot.gserviceaccount.com`;
      alpha.environmentVariables.CALLGRAPH_CALLEES = JSON.stringify({
        beta: "https://evil.example.com/beta",
      });
      e.functions.find((f) => f.name === "gamma")!.buildServiceAccount =
        `projects/${PROJECT}/serviceAccounts/424242@cloudbuild.gserviceaccount.com`;
    });
    expect(kinds(result)).toEqual([
      "deployed-differs alpha: callees",
      "deployed-differs alpha: serviceAccount",
      "deployed-differs gamma: buildServiceAccount",
    ]);
    const byField = new Map(result.findings.map((f) => [f.field, f]));
    expect(byField.get("callees")!.problem).toBe(
      `CALLGRAPH_CALLEES differs from the declaration: beta is https://evil.example.com/beta, declared https://${REGION}-${PROJECT}.cloudfunctions.net/beta.`,
    );
    expect(byField.get("serviceAccount")).toMatchObject({
      expected: sa("alpha"),
      actual: `${PROJECT}@appspot.gserviceaccount.com`,
    });
    expect(byField.get("buildServiceAccount")!.problem).toContain("(a default build account)");
  });

  test("a declared function that is not deployed is missing; its grants are not reported one by one", async () => {
    const { result } = await run((e) => {
      e.functions = e.functions.filter((f) => f.name !== "alpha");
    });
    expect(kinds(result)).toEqual(["missing-function alpha"]);
  });

  test("every page of both listings is read (nextPageToken), and v2's GEN_1 entries are left to v1", async () => {
    const { result, fake } = await run((e) => {
      e.pageSize = 1;
    });
    expect(result.findings).toEqual([]);
    const lists = (v: string) =>
      fake.requests.filter(
        (r) => r.path === `/cloudfunctions/${v}/projects/${PROJECT}/locations/${REGION}/functions`,
      );
    expect(lists("v1").map((r) => r.query)).toEqual(["", "?pageToken=1"]);
    expect(lists("v2").map((r) => r.query)).toEqual(["", "?pageToken=1", "?pageToken=2"]);
    expect(result.functions.map((f) => [f.name, f.generation])).toEqual([
      ["alpha", 1],
      ["beta", 1],
      ["gamma", 2],
    ]);
  });

  test("a 429 then a 503 on a policy read are retried, then answered", async () => {
    const path = `/cloudfunctions/v1/${fn("beta")}:getIamPolicy`;
    const { result, fake } = await run((e) => {
      e.failures[path] = [429, 503];
    });
    expect(fake.count((r) => r.path === path)).toBe(3);
    expect(result.findings).toEqual([]);
    expect(result.notVisible).toEqual([]);
  });
});

describe("audit with --scope: one Asset Inventory query instead of a read per policy", () => {
  const taint = (e: FakeEstate) => {
    addBinding(e, fn("beta"), "roles/cloudfunctions.invoker", "user:eve@example.com");
    addBinding(e, service("gamma"), "roles/run.invoker", `serviceAccount:${sa("alpha")}`);
    addBinding(e, `folders/${FOLDER}`, "roles/run.invoker", "group:contractors@example.com");
    addBinding(e, `organizations/${ORGANIZATION}`, "roles/cloudfunctions.invoker", "allAuthenticatedUsers");
  };

  test("finds what the per-resource reads find, with one search (paged) and no per-function policy read of 1st gen", async () => {
    const perResource = await run(taint);
    const asset = await run((e) => {
      taint(e);
      e.pageSize = 2;
    }, `organizations/${ORGANIZATION}`);
    expect(kinds(asset.result)).toEqual(kinds(perResource.result));
    expect(kinds(asset.result)).toEqual([
      "account-overreach serviceAccount:fn-alpha@audit-test.iam.gserviceaccount.com → gamma",
      "public-exposure allAuthenticatedUsers → every function (organization 999)",
      "undeclared-invoker group:contractors@example.com → every function (folder 111)",
      "undeclared-invoker user:eve@example.com → beta",
    ]);
    expect(asset.result.policySource).toEqual({
      mode: "asset",
      scope: `organizations/${ORGANIZATION}`,
      requests: 3,
    });
    // Policies of functions, services, the project and above (service accounts' own are read one by one in both).
    const getPolicy = (r: { path: string }) =>
      r.path.endsWith(":getIamPolicy") && !r.path.startsWith("/iam/");
    // Only gamma's own (2nd-gen) function policy is still read one by one: Asset Inventory lists 1st gen only.
    expect(asset.fake.requests.filter(getPolicy).map((r) => r.path)).toEqual([
      `/cloudfunctions/v2/${fn("gamma")}:getIamPolicy`,
    ]);
    expect(perResource.fake.count(getPolicy)).toBe(7);
  });

  test("with the project as scope, the ancestors above it are still read one by one", async () => {
    const { result, fake } = await run(taint, `projects/${PROJECT}`);
    expect(result.policySource).toMatchObject({ mode: "asset" });
    expect(
      fake.requests
        .filter((r) => r.path.startsWith("/cloudresourcemanager/v3/") && r.path.endsWith(":getIamPolicy"))
        .map((r) => r.path),
    ).toEqual([
      `/cloudresourcemanager/v3/folders/${FOLDER}:getIamPolicy`,
      `/cloudresourcemanager/v3/organizations/${ORGANIZATION}:getIamPolicy`,
    ]);
    expect(result.findings).toHaveLength(4);
  });

  test("the Asset API disabled: falls back to per-resource reads and says why", async () => {
    const { result, fake } = await run((e) => {
      taint(e);
      e.assetEnabled = false;
    }, `folders/${FOLDER}`);
    expect(result.policySource).toEqual({
      mode: "per-resource",
      assetRefusal: expect.stringMatching(
        /^Cloud Asset API not enabled \(HTTP 403 SERVICE_DISABLED: Cloud Asset API has not been used in project/,
      ),
    });
    expect(result.findings).toHaveLength(4);
    expect(fake.count((r) => r.path === `/cloudfunctions/v1/${fn("beta")}:getIamPolicy`)).toBe(1);
  });

  test("a scope that does not contain the project is a usage mistake", async () => {
    await expect(run(undefined, "folders/555")).rejects.toThrow(
      new LiveConfigError(
        `--scope folders/555 does not contain project ${PROJECT} (its ancestors: folders/${FOLDER}, organizations/${ORGANIZATION}): give projects/${PROJECT} or one of its ancestors`,
      ),
    );
  });
});
