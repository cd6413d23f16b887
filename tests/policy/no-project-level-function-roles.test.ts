import {
  COMPUTED,
  DEVELOPERS,
  email,
  happyStack,
  PROJECT,
  projectMember,
  sa,
  T,
  urnOf,
  type TestResource,
} from "./fixtures";
import { check } from "./harness";

const POLICY = "no-project-level-function-roles";

describe(POLICY, () => {
  test("passes when nothing is granted above the functions", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test("passes for unrelated project roles, and editor for a member that is not a function's account", async () => {
    const stack = [
      ...happyStack(),
      projectMember("logs", "roles/logging.logWriter", sa("login")),
      projectMember("admins", "roles/editor", "group:admins@example.com"),
    ];
    expect(await check(POLICY, stack)).toEqual({ violations: [] });
  });

  test("fails on a project-level invoker grant to a function's account", async () => {
    const grant = projectMember("rogue-project-invoker", "roles/cloudfunctions.invoker", sa("login"));
    const run = await check(POLICY, [...happyStack(), grant]);
    expect(run.violations).toEqual([
      {
        urn: urnOf(grant),
        message:
          `gcp.projects.IAMMember "rogue-project-invoker" grants roles/cloudfunctions.invoker on project "${PROJECT}" to ${sa("login")}, ` +
          'the account Cloud Function "login" runs as: that lets it invoke every function in the project, outside the declared call graph.\n' +
          "To fix: remove this grant; if the function must call another, declare the edge in callgraph:functions (calls: [...]) so it is " +
          "granted roles/cloudfunctions.invoker on that function only, and grant any other role on the individual resources it uses; " +
          "to accept it, list the function in exemptFunctions.",
      },
    ]);
  });

  test.each<[string, TestResource, RegExp]>([
    [
      "editor on the project",
      projectMember("editor", "roles/editor", sa("profiles")),
      /roles\/editor on project .* lets it invoke, change or delete almost anything/,
    ],
    [
      "run.admin on a folder",
      {
        type: T.folderMember,
        name: "folder",
        props: { folder: "folders/123", role: "roles/run.admin", member: sa("reports") },
      },
      /roles\/run\.admin on folder "folders\/123" to .*fn-reports@.* lets it invoke and redeploy every function in the folder/,
    ],
    [
      "owner on the organization, in a binding",
      {
        type: T.orgBinding,
        name: "org",
        props: { orgId: "42", role: "roles/owner", members: [DEVELOPERS, sa("login")] },
      },
      /roles\/owner on organization "42" to serviceAccount:fn-login@/,
    ],
    [
      "invoker in a project IAM policy",
      {
        type: T.projectPolicy,
        name: "policy",
        props: {
          project: PROJECT,
          policyData: JSON.stringify({ bindings: [{ role: "roles/run.invoker", members: [sa("reports")] }] }),
        },
      },
      /roles\/run\.invoker on project .* to serviceAccount:fn-reports@/,
    ],
    [
      "invoker for anyone at project level",
      projectMember("anyone", "roles/cloudfunctions.invoker", DEVELOPERS),
      /to group:developers@example\.com: that lets it invoke every function in the project, whatever each function declares/,
    ],
  ])("fails on %s", async (_label, grant, message) => {
    const run = await check(POLICY, [...happyStack(), grant]);
    expect(run.violations).toEqual([{ urn: urnOf(grant), message: expect.stringMatching(message) }]);
  });

  test("additionalRoles, exemptFunctions and allowedMembers are honored", async () => {
    const actAs = projectMember("act-as", "roles/iam.serviceAccountUser", sa("login"));
    expect(await check(POLICY, [...happyStack(), actAs])).toEqual({ violations: [] });
    expect(
      (await check(POLICY, [...happyStack(), actAs], { additionalRoles: ["roles/iam.serviceAccountUser"] }))
        .violations,
    ).toEqual([
      {
        urn: urnOf(actAs),
        message: expect.stringContaining(
          "grants it roles/iam.serviceAccountUser on everything in the project",
        ),
      },
    ]);
    const invoker = projectMember("invoker", "roles/cloudfunctions.invoker", sa("login"));
    expect(await check(POLICY, [...happyStack(), invoker], { exemptFunctions: ["login"] })).toEqual({
      violations: [],
    });
    const monitoring = projectMember(
      "monitoring",
      "roles/run.invoker",
      "serviceAccount:uptime@monitoring.iam.gserviceaccount.com",
    );
    expect(
      await check(POLICY, [...happyStack(), monitoring], {
        allowedMembers: ["serviceAccount:uptime@monitoring.iam.gserviceaccount.com"],
      }),
    ).toEqual({ violations: [] });
  });

  test("an invoker role at project level is a violation whoever the unknown member is; editor to an unknown member is undecided", async () => {
    const invoker = projectMember("invoker", "roles/cloudfunctions.invoker", COMPUTED);
    const editor = projectMember("editor", "roles/editor", COMPUTED);
    const run = await check(POLICY, [...happyStack(), invoker, editor]);
    expect(run.violations).toEqual([
      { urn: urnOf(invoker), message: expect.stringContaining("to a member not known until deployment") },
    ]);
    expect(run.unknownError?.message).toMatch(/\.member can't be known during preview/);
  });

  test("editor to a service account is undecided while some function's account is unknown", async () => {
    const stack = happyStack().map((r) =>
      r.name === "callgraph-profiles-function"
        ? { ...r, props: { ...r.props, serviceAccountEmail: COMPUTED } }
        : r,
    );
    const run = await check(POLICY, [
      ...stack,
      projectMember("editor", "roles/editor", `serviceAccount:${email("unknown")}`),
    ]);
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(/serviceAccountEmail can't be known during preview/);
  });
});
