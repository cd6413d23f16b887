import {
  BUILD_EMAIL,
  BUILD_MEMBER,
  changed,
  COMPUTED,
  email,
  happyStack,
  invokerMember,
  PROJECT,
  projectMember,
  REGION,
  T,
  urnOf,
  withProp,
  type TestResource,
} from "./fixtures";
import { check } from "./harness";

const POLICY = "build-service-account-isolated";
const BUILDS = 'the account that builds Cloud Functions "login", "profiles" and "reports"';

describe(POLICY, () => {
  test("passes when functions run as their own accounts and the build account holds only build roles", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test("fails on a function that runs as the build account", async () => {
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "serviceConfig.serviceAccountEmail", BUILD_EMAIL),
    );
    expect((await check(POLICY, stack)).violations).toEqual([
      {
        urn: urnOf(stack.find((r) => r.name === "reports-v2")!),
        message:
          `gcp.cloudfunctionsv2.Function "reports-v2" (Cloud Function "reports") runs as ${BUILD_EMAIL}, ${BUILDS}: ` +
          "the function's code holds the build's permissions (writing the images functions are deployed from, reading " +
          "their sources), and whatever runs during a build, a dependency's install script included, holds the function's.\n" +
          "To fix: run the function as its own gcp.serviceaccount.Account (serviceAccountEmail; gen2: " +
          "serviceConfig.serviceAccountEmail) and use the build account for builds only; the CallGraph component does both.",
      },
    ]);
  });

  test("fails on a function that runs as its own build account, whatever the others do", async () => {
    const own = `projects/${PROJECT}/serviceAccounts/${email("profiles")}`;
    const stack = changed(happyStack(), "callgraph-profiles-function", (r) =>
      withProp(r, "buildServiceAccount", own),
    );
    expect((await check(POLICY, stack)).violations).toEqual([
      {
        urn: urnOf(stack.find((r) => r.name === "callgraph-profiles-function")!),
        message: expect.stringContaining(
          `(Cloud Function "profiles") runs as ${email("profiles")}, the account that builds Cloud Function "profiles":`,
        ),
      },
    ]);
  });

  test("fails on an invoker grant to the build account on a function, with the exact message", async () => {
    const grant = invokerMember("build-calls-profiles", "profiles", BUILD_MEMBER);
    expect((await check(POLICY, [...happyStack(), grant])).violations).toEqual([
      {
        urn: urnOf(grant),
        message:
          `gcp.cloudfunctions.FunctionIamMember "build-calls-profiles" grants roles/cloudfunctions.invoker on function "profiles" ` +
          `to ${BUILD_MEMBER}, ${BUILDS}: whatever runs during a build, a dependency's install script included, could invoke ` +
          "what that role reaches, outside the declared call graph.\n" +
          "To fix: remove this grant: a build account needs no invoking role. Callers are declared in callgraph:functions " +
          "and call as the account their own function runs as.",
      },
    ]);
  });

  test.each<[string, TestResource, string]>([
    [
      "run.invoker on a gen2 function's Cloud Run service",
      {
        type: T.runMember,
        name: "build-run",
        props: {
          project: PROJECT,
          location: REGION,
          name: "reports",
          role: "roles/run.invoker",
          member: BUILD_MEMBER,
        },
      },
      'grants roles/run.invoker on Cloud Run service "reports"',
    ],
    [
      "cloudfunctions.developer on the project",
      projectMember("build-dev", "roles/cloudfunctions.developer", BUILD_MEMBER),
      `grants roles/cloudfunctions.developer on project "${PROJECT}"`,
    ],
    [
      "editor on a folder",
      {
        type: T.folderMember,
        name: "build-folder",
        props: { folder: "folders/123", role: "roles/editor", member: BUILD_MEMBER },
      },
      'grants roles/editor on folder "folders/123"',
    ],
    [
      "owner on the organization, in a binding",
      {
        type: T.orgBinding,
        name: "build-org",
        props: { orgId: "42", role: "roles/owner", members: ["group:admins@example.com", BUILD_MEMBER] },
      },
      'grants roles/owner on organization "42"',
    ],
    [
      "run.invoker in a project IAM policy, the build account's email in capitals",
      {
        type: T.projectPolicy,
        name: "build-policy",
        props: {
          project: PROJECT,
          policyData: JSON.stringify({
            bindings: [
              { role: "roles/run.invoker", members: [`serviceAccount:${BUILD_EMAIL.toUpperCase()}`] },
            ],
          }),
        },
      },
      `grants roles/run.invoker on project "${PROJECT}"`,
    ],
  ])("fails on %s", async (_label, grant, grants) => {
    const run = await check(POLICY, [...happyStack(), grant]);
    expect(run.violations).toEqual([
      { urn: urnOf(grant), message: expect.stringContaining(`${grants} to ${BUILD_MEMBER}, ${BUILDS}:`) },
    ]);
  });

  test("an exempt function may run as a build account, and its own build account is not one", async () => {
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "serviceConfig.serviceAccountEmail", BUILD_EMAIL),
    );
    expect(await check(POLICY, stack, { exemptFunctions: ["reports"] })).toEqual({ violations: [] });
    // Built only by an exempt function, an account is not a build account for this policy.
    const soleBuilder = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "buildConfig.serviceAccount", `projects/${PROJECT}/serviceAccounts/${email("ci")}`),
    );
    const grant = invokerMember("ci-calls-profiles", "profiles", `serviceAccount:${email("ci")}`);
    expect(await check(POLICY, [...soleBuilder, grant], { exemptFunctions: ["reports"] })).toEqual({
      violations: [],
    });
  });

  test("an invoking grant to an unknown member is undecided, not a violation", async () => {
    const grant = invokerMember("unknown-caller", "profiles", COMPUTED);
    const run = await check(POLICY, [...happyStack(), grant]);
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(/\.member can't be known during preview/);
  });

  test("while one build account is unknown, grants to and functions running as other accounts are undecided", async () => {
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "buildConfig.serviceAccount", COMPUTED),
    );
    const run = await check(POLICY, [
      ...stack,
      invokerMember("other", "profiles", `serviceAccount:${email("x")}`),
    ]);
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(/buildConfig\.serviceAccount can't be known during preview/);
  });

  test("an unknown runtime account does not hide a definite violation", async () => {
    let stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "serviceConfig.serviceAccountEmail", COMPUTED),
    );
    stack = changed(stack, "callgraph-profiles-function", (r) =>
      withProp(r, "serviceAccountEmail", BUILD_EMAIL),
    );
    const run = await check(POLICY, stack);
    expect(run.violations.map((v) => v.urn)).toEqual([
      urnOf(stack.find((r) => r.name === "callgraph-profiles-function")!),
    ]);
    expect(run.unknownError?.message).toMatch(
      /serviceConfig\.serviceAccountEmail can't be known during preview/,
    );
  });

  test("a stack whose functions name no build account has nothing to check here", async () => {
    const stack = happyStack().map((r) =>
      r.type === T.fn1
        ? withProp(r, "buildServiceAccount", undefined)
        : r.type === T.fn2
          ? withProp(r, "buildConfig.serviceAccount", undefined)
          : r,
    );
    const grant = invokerMember("former-build", "profiles", BUILD_MEMBER);
    expect(await check(POLICY, [...stack, grant])).toEqual({ violations: [] });
  });
});
