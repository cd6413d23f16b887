import { z } from "zod";
import { assessAudit } from "../../cli/audit/assessed";
import { renderAuditTable } from "../../cli/audit/render-table";
import type { DeclaredAudit } from "../../live/audit/declared";
import { readAllPages } from "../../live/audit/pages";
import { ANSWERS, parseAnswer } from "../../live/answers";
import { MalformedAnswerError } from "../../live/errors";
import { createGoogleClients } from "../../live/google-clients";
import type { DeclaredDeployment } from "../../live/preflight/declared";
import { renderPreflightTable } from "../../live/preflight/render-table";
import { runPreflight } from "../../live/preflight/run-preflight";
import type { CheckId } from "../../live/preflight/types";
import {
  auditEstate,
  fixtureDeclared,
  PROJECT as AUDIT_PROJECT,
  REGION as AUDIT_REGION,
} from "./audit/support/fixture";
import { fixtureDeployment, healthyProject, PROJECT } from "./support/deployment";
import { FakeGoogle } from "./support/fake-google";
import type { Misbehaviour } from "./support/google-http";
import { unitAuth } from "./support/preflight-against";

/**
 * DESIGN.md invariant 14: nothing read from a Google API is believed before its shape is checked. A 200 that is
 * not the documented answer (an HTML sign-in page, a wrong shape, a page token that repeats, an entry listed
 * twice) is "not visible (malformed answer from <api>)": never "ok", never clean, and no JavaScript error text in
 * any message.
 */

const JS_INTERNALS =
  /Cannot read propert|is not a function|is not iterable|undefined is not|TypeError|ReferenceError/;

const auth = unitAuth();

let deployment: DeclaredDeployment;
let declared: DeclaredAudit;
beforeAll(async () => {
  [deployment, declared] = await Promise.all([fixtureDeployment(), fixtureDeclared()]);
});

describe("preflight: a malformed answer is 'not visible', and fails the run", () => {
  const policies = `/orgpolicy/v2/projects/${PROJECT}/policies/`;
  test.each<[string, string, Misbehaviour, CheckId, RegExp]>([
    [
      "a sign-in page (200, HTML) for Service Usage",
      "/serviceusage/",
      "sign-in-page",
      "apis",
      /malformed answer from serviceusage\.googleapis\.com: an HTML page \("Sign in - Google Accounts"\), not JSON: a sign-in page or a proxy answered instead of the API/,
    ],
    [
      "runtimes that are not a list",
      "/cloudfunctions/v2/",
      { json: { runtimes: "nodejs22" } },
      "runtimes",
      /malformed answer from cloudfunctions\.googleapis\.com: runtimes: expected array, received string/,
    ],
    [
      "a runtime listed twice",
      "/cloudfunctions/v2/",
      {
        json: {
          runtimes: [
            { name: "nodejs22", environment: "GEN_1" },
            { name: "nodejs22", environment: "GEN_1" },
          ],
        },
      },
      "runtimes",
      /malformed answer from cloudfunctions\.googleapis\.com: runtime nodejs22 \(GEN_1\) is listed twice/,
    ],
    [
      "permissions that are not strings",
      `/cloudresourcemanager/v3/projects/${PROJECT}:testIamPermissions`,
      { json: { permissions: [1, 2] } },
      "permissions",
      /malformed answer from cloudresourcemanager\.googleapis\.com: permissions\.0: expected string, received number/,
    ],
    [
      "an effective policy that is a list",
      policies,
      { json: [] },
      "org-policies",
      /malformed answer from orgpolicy\.googleapis\.com: the answer: expected object, received array/,
    ],
    [
      "the effective policy of another constraint",
      policies,
      { json: { name: "projects/424242/policies/compute.vmExternalIpAccess", spec: {} } },
      "org-policies",
      /malformed answer from orgpolicy\.googleapis\.com: asked for .+, answered projects\/424242\/policies\/compute\.vmExternalIpAccess/,
    ],
    [
      "enforce that is not a boolean",
      policies,
      { json: { spec: { rules: [{ enforce: "yes" }] } } },
      "org-policies",
      /spec\.rules\.0\.enforce: expected boolean, received string/,
    ],
    [
      "a sign-in page for IAM",
      "/iam/",
      "sign-in-page",
      "service-accounts",
      /malformed answer from iam\.googleapis\.com: an HTML page/,
    ],
    [
      "a group lookup without the group's name",
      "/cloudidentity/",
      { json: {} },
      "members",
      /malformed answer from cloudidentity\.googleapis\.com: name: expected string, received undefined/,
    ],
  ])("%s", async (_name, prefix, misbehaviour, check, message) => {
    const project = healthyProject(deployment);
    project.misbehave = { [prefix]: misbehaviour };
    const fake = await FakeGoogle.start(project);
    try {
      const clients = createGoogleClients({
        auth,
        apiRoot: fake.root,
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
        fetchImplementation: globalThis.fetch,
      });
      const report = await runPreflight(deployment, clients, {
        stack: "test",
        today: new Date("2026-06-01T00:00:00Z"),
      });
      const findings = report.findings.filter((f) => f.check === check);
      expect(findings.length).toBeGreaterThan(0);
      // Every finding of that check is "could not read", none is derived from the garbage.
      expect(findings.map((f) => f.severity)).toEqual(findings.map(() => "not-visible"));
      expect(findings.some((f) => message.test(f.problem))).toBe(true);
      expect(report.checks.find((c) => c.check === check)!.result).toBe("not-visible");
      expect(report.passed).toBe(false);
      expect(JSON.stringify(report)).not.toMatch(JS_INTERNALS);
      expect(renderPreflightTable(report)).not.toMatch(/Nothing blocks a deploy\.\n$/);
    } finally {
      await fake.close();
    }
  });

  test("a duplicate service in batchGet is malformed, not two states", async () => {
    const project = healthyProject(deployment);
    const service = (name: string) => ({
      name: `projects/424242/services/${name}`,
      config: { name },
      state: "ENABLED",
    });
    project.misbehave = {
      "/serviceusage/": {
        json: { services: [service("run.googleapis.com"), service("run.googleapis.com")] },
      },
    };
    const fake = await FakeGoogle.start(project);
    try {
      const report = await runPreflight(
        deployment,
        createGoogleClients({ auth, apiRoot: fake.root, fetchImplementation: globalThis.fetch }),
        { stack: "test", today: new Date("2026-06-01T00:00:00Z") },
      );
      expect(report.findings.filter((f) => f.check === "apis")).toEqual([
        expect.objectContaining({
          severity: "not-visible",
          problem: expect.stringContaining(
            "malformed answer from serviceusage.googleapis.com: service run.googleapis.com is listed twice",
          ),
        }),
      ]);
    } finally {
      await fake.close();
    }
  });
});

describe("audit: a malformed answer is 'not visible', never clean", () => {
  const list = (v: 1 | 2) =>
    `/cloudfunctions/v${v}/projects/${AUDIT_PROJECT}/locations/${AUDIT_REGION}/functions`;
  const someFunction = {
    name: `projects/${AUDIT_PROJECT}/locations/${AUDIT_REGION}/functions/alpha`,
    status: "ACTIVE",
  };
  test.each<[string, Record<string, Misbehaviour>, RegExp, RegExp]>([
    [
      "the 1st-gen listing is a sign-in page",
      { [list(1)]: "sign-in-page" },
      /^1st-gen functions in /,
      /malformed answer from cloudfunctions\.googleapis\.com: an HTML page/,
    ],
    [
      "the 2nd-gen listing repeats its page token",
      { [list(2)]: { json: { functions: [], nextPageToken: "again" } } },
      /^2nd-gen functions in /,
      /malformed answer from cloudfunctions\.googleapis\.com: page token "again" repeats/,
    ],
    [
      "the 1st-gen listing names a function twice",
      { [list(1)]: { json: { functions: [someFunction, someFunction] } } },
      /^1st-gen functions in /,
      /function projects\/.+\/functions\/alpha is listed twice/,
    ],
    [
      "a function's policy whose bindings are not a list",
      {
        [`/cloudfunctions/v1/${someFunction.name}:getIamPolicy`]: {
          json: { etag: "BwX=", bindings: "roles/owner" },
        },
      },
      /^IAM policy of function alpha$/,
      /malformed answer from cloudfunctions\.googleapis\.com: bindings: expected array, received string/,
    ],
    [
      "the project's policy is a sign-in page",
      { [`/cloudresourcemanager/v3/projects/${AUDIT_PROJECT}:getIamPolicy`]: "sign-in-page" },
      /^IAM policy of project /,
      /malformed answer from cloudresourcemanager\.googleapis\.com: an HTML page/,
    ],
    [
      "a Cloud Run service whose invokerIamDisabled is not a boolean",
      {
        "/run/v2/projects/audit-test/locations/europe-west1/services/gamma": {
          json: { name: "x", invokerIamDisabled: "no" },
        },
      },
      /^Cloud Run service gamma$/,
      /invokerIamDisabled: expected boolean, received string/,
    ],
    [
      "a caller account's policy is a sign-in page",
      { "/iam/v1/projects/-/serviceAccounts/fn-alpha@": "sign-in-page" },
      /^(IAM policy of service account|keys of) fn-alpha@/,
      /malformed answer from iam\.googleapis\.com: an HTML page/,
    ],
  ])("%s", async (_name, misbehave, subject, problem) => {
    const { result } = await auditEstate(declared, (e) => {
      e.misbehave = misbehave;
    });
    const hidden = result.notVisible.filter((n) => subject.test(n.subject));
    expect(hidden.length).toBeGreaterThan(0);
    for (const n of hidden) expect(n.problem).toMatch(problem);
    // What it hides is not called clean, and no finding is made up from it.
    const report = assessAudit(result, "test");
    expect(renderAuditTable(report)).not.toMatch(
      /^No drift: the live project grants what the declaration does\.$/m,
    );
    expect(JSON.stringify(report)).not.toMatch(JS_INTERNALS);
    expect(
      result.findings.filter((f) => f.kind === "missing-function" || f.kind === "missing-grant"),
    ).toEqual([]);
  });
});

describe("the checks themselves", () => {
  test.each<[string, unknown, string]>([
    [
      "an HTML page",
      "<html><title>Proxy error</title></html>",
      'an HTML page ("Proxy error"), not JSON: a sign-in page or a proxy answered instead of the API',
    ],
    ["an empty body", "", "an empty body, not JSON"],
    ["text", "Service Unavailable", "text that is not JSON"],
    ["null", null, "the answer: expected object, received null"],
    ["a wrong field", { items: 3 }, "items: expected array, received number"],
  ])("parseAnswer: %s", (_name, data, detail) => {
    const schema = z.looseObject({ items: z.array(z.string()).nullish() });
    expect(() => parseAnswer("x.googleapis.com", schema, data)).toThrow(
      new MalformedAnswerError("x.googleapis.com", detail),
    );
  });

  test("readAllPages: a token seen before ends the listing as malformed; a new token each time reads on", async () => {
    const tokens = ["a", "b", "a"];
    await expect(
      readAllPages("x.googleapis.com", async () => ({ nextPageToken: tokens.shift() ?? null })),
    ).rejects.toThrow('malformed answer from x.googleapis.com: page token "a" repeats');
    const pages = await readAllPages("x.googleapis.com", async (t) => ({ nextPageToken: t ? null : "1" }));
    expect(pages).toHaveLength(2);
  });

  test("a policy without its etag is not read as an empty policy", () => {
    expect(() => parseAnswer("x.googleapis.com", ANSWERS.policy, { name: "projects/p/services/s" })).toThrow(
      "malformed answer from x.googleapis.com: etag: expected string, received undefined",
    );
  });
});
