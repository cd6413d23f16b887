import {
  changed,
  COMPUTED,
  DEVELOPERS,
  happyStack,
  invokerMember,
  PROJECT,
  REGION,
  sa,
  T,
  urnOf,
  withProp,
  type TestResource,
} from "./fixtures";
import { check } from "./harness";

const POLICY = "function-invokers-match-declaration";
const MALLORY = "user:mallory@example.com";
const urn = (stack: readonly TestResource[], name: string) => urnOf(stack.find((r) => r.name === name)!);

describe(POLICY, () => {
  test("passes when every function's grants are exactly its declared invokers (gen1 bindings, gen2 Cloud Run grant)", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test("fails on a rogue FunctionIamMember for an undeclared member, naming what the function declares", async () => {
    const stack = [...happyStack(), invokerMember("rogue", "profiles", MALLORY)];
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      {
        urn: urn(stack, "rogue"),
        message:
          `gcp.cloudfunctions.FunctionIamMember "rogue" grants roles/cloudfunctions.invoker on Cloud Function "profiles" to ${MALLORY}, ` +
          `which "profiles" does not declare in CALLGRAPH_INVOKERS (it declares "${sa("login")}"): IAM lets this member in although ` +
          "the declared call graph does not, and the function's own caller check disagrees with IAM.\n" +
          "To fix: remove this grant, or declare the caller in the stack's callgraph:functions (a `calls` edge from the calling " +
          "function, or an `invokers` entry), so the CallGraph component grants it and tells the function; to allow the member " +
          "everywhere without declaring it, list it in allowedMembers.",
      },
    ]);
  });

  test.each<[string, (s: TestResource[]) => TestResource[], string]>([
    [
      "an extra member in the program's binding",
      (s) => changed(s, "callgraph-profiles-invokers", (r) => withProp(r, "members", [sa("login"), MALLORY])),
      "callgraph-profiles-invokers",
    ],
    [
      "a developer role, which can invoke too",
      (s) => [...s, invokerMember("dev-role", "login", MALLORY, "roles/cloudfunctions.developer")],
      "dev-role",
    ],
    [
      "the function named by its full id",
      (s) => [
        ...s,
        invokerMember("by-id", `projects/${PROJECT}/locations/${REGION}/functions/profiles`, MALLORY),
      ],
      "by-id",
    ],
    [
      "a FunctionIamPolicy",
      (s) => [
        ...s,
        {
          type: T.fn1Policy,
          name: "policy",
          props: {
            cloudFunction: "login",
            policyData: JSON.stringify({
              bindings: [{ role: "roles/cloudfunctions.invoker", members: [DEVELOPERS, MALLORY] }],
            }),
          },
        },
      ],
      "policy",
    ],
    [
      "a gen2 function IAM member",
      (s) => [
        ...s,
        {
          type: T.fn2Member,
          name: "v2-member",
          props: {
            cloudFunction: "reports",
            location: REGION,
            role: "roles/cloudfunctions.invoker",
            member: MALLORY,
          },
        },
      ],
      "v2-member",
    ],
    [
      "a Cloud Run v1 binding on a gen2 function's service",
      (s) => [
        ...s,
        {
          type: T.runV1Binding,
          name: "run-v1",
          props: {
            service: "reports",
            location: REGION,
            role: "roles/run.invoker",
            members: [sa("login"), MALLORY],
          },
        },
      ],
      "run-v1",
    ],
  ])("fails on %s", async (_label, change, culprit) => {
    const stack = change(happyStack());
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      { urn: urn(stack, culprit), message: expect.stringContaining(`to ${MALLORY}, which`) },
    ]);
  });

  test("fails on a declared member that no grant names: IAM would refuse a caller the function accepts", async () => {
    const stack = changed(happyStack(), "reports-invoker-login", () => undefined);
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      {
        urn: urn(stack, "reports-v2"),
        message: expect.stringMatching(
          /Cloud Function "reports"\) declares serviceAccount:fn-login@.* in CALLGRAPH_INVOKERS, but no grant of an invoker role on the function names it[\s\S]*To fix: grant serviceAccount:fn-login@\S+ roles\/run\.invoker on the function's Cloud Run service/,
        ),
      },
    ]);
  });

  test("fails on a grant to a function that declares no CALLGRAPH_INVOKERS, or an invalid one", async () => {
    const undeclared = changed(happyStack(), "callgraph-profiles-function", (r) =>
      withProp(r, "environmentVariables", {}),
    );
    expect((await check(POLICY, undeclared)).violations).toEqual([
      {
        urn: urn(undeclared, "callgraph-profiles-invokers"),
        message: expect.stringContaining('but "profiles" declares no CALLGRAPH_INVOKERS'),
      },
    ]);
    const invalid = changed(happyStack(), "callgraph-profiles-function", (r) =>
      withProp(r, "environmentVariables.CALLGRAPH_INVOKERS", "login"),
    );
    expect((await check(POLICY, invalid)).violations).toEqual([
      {
        urn: urn(invalid, "callgraph-profiles-invokers"),
        message: expect.stringContaining("CALLGRAPH_INVOKERS is not a JSON array of members"),
      },
    ]);
  });

  test.each<[string, TestResource]>([
    [
      "a role that cannot invoke",
      invokerMember("viewer", "profiles", MALLORY, "roles/cloudfunctions.viewer"),
    ],
    [
      "a function of another project (not in this stack)",
      {
        ...invokerMember("elsewhere", "profiles", MALLORY),
        props: {
          project: "other",
          region: REGION,
          cloudFunction: "profiles",
          role: "roles/cloudfunctions.invoker",
          member: MALLORY,
        },
      },
    ],
    [
      "a public member (function-no-public-invoker's to judge)",
      invokerMember("public", "profiles", "allUsers"),
    ],
  ])("ignores %s", async (_label, extra) => {
    expect(await check(POLICY, [...happyStack(), extra])).toEqual({ violations: [] });
  });

  test("allowedMembers and exemptFunctions let undeclared grants through", async () => {
    const stack = [...happyStack(), invokerMember("rogue", "profiles", MALLORY)];
    expect(await check(POLICY, stack, { allowedMembers: [MALLORY] })).toEqual({ violations: [] });
    expect(await check(POLICY, stack, { exemptFunctions: ["profiles"] })).toEqual({ violations: [] });
  });

  test("an unknown member is undecided, and does not hide a definite violation elsewhere", async () => {
    const stack = [
      ...happyStack(),
      invokerMember("computed", "login", COMPUTED),
      invokerMember("rogue", "profiles", MALLORY),
    ];
    const run = await check(POLICY, stack);
    expect(run.violations.map((v) => v.urn)).toEqual([urn(stack, "rogue")]);
    expect(run.unknownError?.message).toMatch(/\.member can't be known during preview/);
  });

  test("a missing grant is undecided while a grant on that function is unknown", async () => {
    const stack = changed(happyStack(), "callgraph-profiles-invokers", (r) =>
      withProp(r, "members", COMPUTED),
    );
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(/\.members can't be known during preview/);
  });
});
