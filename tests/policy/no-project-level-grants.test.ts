import {
  BUILD_MEMBER,
  changed,
  COMPUTED,
  DEVELOPERS,
  email,
  happyStack,
  PROJECT,
  PROJECT_NUMBER,
  projectMember,
  REGION,
  sa,
  T,
  urnOf,
  withProp,
  type TestResource,
} from "./fixtures";
import { check } from "./harness";

const POLICY = "no-project-level-grants";
const BUILDS = 'the account that builds Cloud Functions "login", "profiles" and "reports"';
const ELSEWHERE =
  "grant the role on the individual resources the member needs instead (gcp.storage.BucketIAMMember on a bucket, " +
  "gcp.artifactregistry.RepositoryIamMember on a repository, an invoker grant on a function through callgraph:functions)";

describe(POLICY, () => {
  test("passes on exactly the build's two project grants: logWriter, and objectViewer on the staging buckets' objects", async () => {
    const logs = happyStack().find((r) => r.name === "callgraph-build-logs")!;
    expect(logs.props).toEqual({ project: PROJECT, role: "roles/logging.logWriter", member: BUILD_MEMBER });
    const sources = happyStack().find((r) => r.name === "callgraph-build-sources")!;
    expect(sources.props).toMatchObject({
      project: PROJECT,
      role: "roles/storage.objectViewer",
      member: BUILD_MEMBER,
    });
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  const sources = (condition: unknown) =>
    changed(happyStack(), "callgraph-build-sources", (r) => withProp(r, "condition", condition));
  const staging = (...buckets: string[]) =>
    'resource.type == "storage.googleapis.com/Object" && (' +
    buckets.map((b) => `resource.name.startsWith("projects/_/buckets/${b}/objects/")`).join(" || ") +
    ")";
  const SOURCES = `gcp.projects.IAMMember "callgraph-build-sources" grants roles/storage.objectViewer on the project to the account that builds`;

  test.each<[string, unknown, string]>([
    [
      "without a condition",
      undefined,
      `${SOURCES} Cloud Functions "login", "profiles" and "reports" without a condition: it reads every object of every bucket of the project`,
    ],
    [
      "under Google's wider example condition (every bucket whose name starts so)",
      {
        expression:
          'resource.type == "storage.googleapis.com/Object" && (resource.name.startsWith("projects/_/buckets/gcf-v2-sources-"))',
      },
      "which opens more than the objects of the buckets Cloud Functions builds from",
    ],
    [
      "under a condition that also opens another bucket",
      {
        expression: `${staging(`gcf-v2-sources-${PROJECT_NUMBER}-${REGION}`).slice(0, -1)} || resource.name.startsWith("projects/_/buckets/payroll/"))`,
      },
      "which opens more than the objects of the buckets Cloud Functions builds from",
    ],
    [
      "under a condition on buckets rather than objects",
      {
        expression: `resource.name.startsWith("projects/_/buckets/gcf-v2-sources-${PROJECT_NUMBER}-${REGION}")`,
      },
      "which opens more than the objects of the buckets Cloud Functions builds from",
    ],
    [
      "opening the staging bucket of a region no function is built in",
      { expression: staging(`gcf-v2-sources-${PROJECT_NUMBER}-us-east1`) },
      `opening gcf-v2-sources-${PROJECT_NUMBER}-us-east1, from which none of them is built (no 2nd-gen function in us-east1)`,
    ],
  ])("fails on the build account's read %s", async (_label, condition, message) => {
    const stack = sources(condition);
    const grant = stack.find((r) => r.name === "callgraph-build-sources")!;
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([{ urn: urnOf(grant), message: expect.stringContaining(message) }]);
  });

  test("a 1st-gen-only stack may not open the 2nd-gen staging bucket", async () => {
    const gen1Only = sources({
      expression: staging(
        `gcf-sources-${PROJECT_NUMBER}-${REGION}`,
        `gcf-v2-sources-${PROJECT_NUMBER}-${REGION}`,
      ),
    }).filter((r) => r.name !== "reports-v2" && r.name !== "reports-invoker-login");
    const run = await check(POLICY, gen1Only);
    expect(run.violations).toEqual([
      {
        urn: expect.stringContaining("callgraph-build-sources"),
        message: expect.stringContaining(
          `opening gcf-v2-sources-${PROJECT_NUMBER}-${REGION}, from which none of them is built`,
        ),
      },
    ]);
  });

  test("an unknown condition is undecided, not a violation", async () => {
    const run = await check(POLICY, sources(COMPUTED));
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(/condition can't be known during preview/);
  });

  test("with scope stack, fails on any other role at project level, whoever the member, saying how to fix", async () => {
    const grant = projectMember("viewers", "roles/viewer", DEVELOPERS);
    expect((await check(POLICY, [...happyStack(), grant], { scope: "stack" })).violations).toEqual([
      {
        urn: urnOf(grant),
        message:
          `gcp.projects.IAMMember "viewers" grants roles/viewer on project "${PROJECT}" to ${DEVELOPERS}: a grant on a whole ` +
          "project reaches every resource in it, present and future, not only the ones this stack manages; the only such " +
          "grants the stack may make are roles/logging.logWriter and a conditioned roles/storage.objectViewer on the " +
          "project, to its build account.\n" +
          `To fix: ${ELSEWHERE}; to accept it, list the member in allowedMembers.`,
      },
    ]);
  });

  test("fails on logWriter to an account that builds no function (a function's runtime account)", async () => {
    const grant = projectMember("login-logs", "roles/logging.logWriter", sa("login"));
    expect((await check(POLICY, [...happyStack(), grant])).violations).toEqual([
      {
        urn: urnOf(grant),
        message:
          `gcp.projects.IAMMember "login-logs" grants roles/logging.logWriter on project "${PROJECT}" to ${sa("login")}, ` +
          "which builds no function of this stack: the only project-level grants the stack may make are the build's, " +
          "to the account its functions name in buildServiceAccount (gen2: buildConfig.serviceAccount).\n" +
          `To fix: remove this grant; ${ELSEWHERE}; to accept it, list the member in allowedMembers.`,
      },
    ]);
  });

  test("fails on logWriter to the build account through an authoritative binding", async () => {
    const binding: TestResource = {
      type: T.projectBinding,
      name: "build-logs-binding",
      props: { project: PROJECT, role: "roles/logging.logWriter", members: [BUILD_MEMBER] },
    };
    expect((await check(POLICY, [...happyStack(), binding])).violations).toEqual([
      {
        urn: urnOf(binding),
        message:
          `gcp.projects.IAMBinding "build-logs-binding" grants roles/logging.logWriter on project "${PROJECT}" to ${BUILD_MEMBER}, ` +
          `${BUILDS}, through a binding, which is authoritative for roles/logging.logWriter: it would remove the role from ` +
          "every other member of the project (other workloads, Google's service agents).\n" +
          "To fix: grant it with gcp.projects.IAMMember, which adds this member and leaves the others.",
      },
    ]);
  });

  test.each<[string, TestResource, string]>([
    [
      "logWriter to the build account in a project IAM policy",
      {
        type: T.projectPolicy,
        name: "policy",
        props: {
          project: PROJECT,
          policyData: JSON.stringify({
            bindings: [{ role: "roles/logging.logWriter", members: [BUILD_MEMBER] }],
          }),
        },
      },
      `to ${BUILD_MEMBER}, ${BUILDS}, through an IAM policy, which replaces the project's whole policy:`,
    ],
    [
      "logWriter to the build account on a folder",
      {
        type: T.folderMember,
        name: "folder-logs",
        props: { folder: "folders/123", role: "roles/logging.logWriter", member: BUILD_MEMBER },
      },
      `grants roles/logging.logWriter on folder "folders/123" to ${BUILD_MEMBER}: builds run in their functions' own project`,
    ],
    [
      "logWriter to the build account on another project",
      projectMember("other-logs", "roles/logging.logWriter", BUILD_MEMBER),
      `on project "elsewhere" to ${BUILD_MEMBER}, ${BUILDS}, but those functions are in project "${PROJECT}"`,
    ],
    [
      "owner on the organization, in a binding",
      {
        type: T.orgBinding,
        name: "org-owners",
        props: { orgId: "42", role: "roles/owner", members: ["group:admins@example.com"] },
      },
      'grants roles/owner on organization "42" to group:admins@example.com: a grant on a whole organization reaches every resource',
    ],
    [
      "a role to a member not known until deployment (the role alone decides)",
      projectMember("unknown-editor", "roles/editor", COMPUTED),
      `grants roles/editor on project "${PROJECT}" to a member not known until deployment: a grant on a whole project`,
    ],
  ])("fails on %s", async (label, grant, message) => {
    const moved = label.includes("another project") ? withProp(grant, "project", "elsewhere") : grant;
    const run = await check(POLICY, [...happyStack(), moved]);
    expect(run.violations).toEqual([{ urn: urnOf(moved), message: expect.stringContaining(message) }]);
    expect(run.unknownError).toBeUndefined();
  });

  test("allowedMembers accepts a member's grants at those levels, whatever the role", async () => {
    const grants = [
      projectMember("viewers", "roles/viewer", DEVELOPERS),
      projectMember("dev-logs", "roles/logging.logWriter", DEVELOPERS),
    ];
    expect(await check(POLICY, [...happyStack(), ...grants], { allowedMembers: [DEVELOPERS] })).toEqual({
      violations: [],
    });
  });

  test("a function in the provider's default project may be built by an account granted logWriter on a named one", async () => {
    const stack = changed(happyStack(), "callgraph-login-function", (r) => withProp(r, "project", undefined));
    const moved = changed(stack, "callgraph-build-logs", (r) => withProp(r, "project", "elsewhere"));
    expect(await check(POLICY, moved)).toEqual({ violations: [] });
  });

  test("without any build account in the stack, even the build's grants on the project are refused", async () => {
    const stack = happyStack().map((r) =>
      r.type === T.fn1
        ? withProp(r, "buildServiceAccount", undefined)
        : r.type === T.fn2
          ? withProp(r, "buildConfig.serviceAccount", undefined)
          : r,
    );
    const grants = ["callgraph-build-logs", "callgraph-build-sources"].map((name) =>
      stack.find((r) => r.name === name)!,
    );
    expect((await check(POLICY, stack)).violations).toEqual(
      grants.map((grant) => ({
        urn: urnOf(grant),
        message: expect.stringContaining(`to ${BUILD_MEMBER}, which builds no function of this stack`),
      })),
    );
  });

  test.each<[string, (s: TestResource[]) => TestResource[], RegExp]>([
    [
      "logWriter to an unknown member",
      (s) => changed(s, "callgraph-build-logs", (r) => withProp(r, "member", COMPUTED)),
      /\.member can't be known during preview/,
    ],
    [
      "an unknown role",
      (s) => changed(s, "callgraph-build-logs", (r) => withProp(r, "role", COMPUTED)),
      /\.role can't be known during preview/,
    ],
    [
      "logWriter to an account while a function's build account is unknown",
      (s) =>
        changed(
          changed(s, "reports-v2", (r) => withProp(r, "buildConfig.serviceAccount", COMPUTED)),
          "callgraph-build-logs",
          (r) => withProp(r, "member", `serviceAccount:${email("ci")}`),
        ),
      /buildConfig\.serviceAccount can't be known during preview/,
    ],
  ])("%s is undecided, not a violation", async (_label, change, unknown) => {
    const run = await check(POLICY, change(happyStack()));
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(unknown);
  });
});
