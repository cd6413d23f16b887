import {
  changed,
  COMPUTED,
  DEVELOPERS,
  gen1Function,
  happyStack,
  invokerBinding,
  invokerMember,
  REGION,
  T,
  urnOf,
  type TestResource,
} from "./fixtures";
import { check } from "./harness";

const POLICY = "function-no-public-invoker";
const urn = (stack: readonly TestResource[], name: string) => urnOf(stack.find((r) => r.name === name)!);

/** The happy stack where login is declared public (`invokers: [developers, allUsers]`) and granted so. */
function publicLogin(): TestResource[] {
  let stack = changed(happyStack(), "callgraph-login-function", () =>
    gen1Function("login", [DEVELOPERS, "allUsers"]),
  );
  stack = changed(stack, "callgraph-login-invokers", () => invokerBinding("login", [DEVELOPERS, "allUsers"]));
  return stack;
}

describe(POLICY, () => {
  test("passes when no function is public", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test("passes for a function that declares itself public", async () => {
    expect(await check(POLICY, publicLogin())).toEqual({ violations: [] });
  });

  test.each(["allUsers", "allAuthenticatedUsers"])(
    "fails on a %s grant the function does not declare",
    async (member) => {
      const stack = [...happyStack(), invokerMember("public", "profiles", member)];
      const run = await check(POLICY, stack);
      expect(run.violations).toEqual([
        {
          urn: urn(stack, "public"),
          message:
            `gcp.cloudfunctions.FunctionIamMember "public" grants roles/cloudfunctions.invoker on Cloud Function "profiles" to ${member}: ` +
            "anyone on the internet (allAuthenticatedUsers: anyone with a Google account, which is as public) may invoke it, but " +
            `"profiles" does not declare "${member}" in CALLGRAPH_INVOKERS: it was not designed to be public.\n` +
            "To fix: remove this grant; if the function is meant to be public, declare it in callgraph:functions " +
            `(invokers: ["${member}"]), so the program grants it and the function knows.`,
        },
      ]);
    },
  );

  test("fails on a public grant on a gen2 function's Cloud Run service", async () => {
    const grant: TestResource = {
      type: T.runMember,
      name: "run-public",
      props: { name: "reports", location: REGION, role: "roles/run.invoker", member: "allUsers" },
    };
    const run = await check(POLICY, [...happyStack(), grant]);
    expect(run.violations).toEqual([
      { urn: urnOf(grant), message: expect.stringContaining('on Cloud Function "reports" to allUsers') },
    ]);
  });

  test("a public grant on a function this stack does not define is the call graph's business only with scope stack", async () => {
    const grant = invokerMember("public-elsewhere", "legacy", "allUsers");
    expect(await check(POLICY, [...happyStack(), grant])).toEqual({ violations: [] });
    const run = await check(POLICY, [...happyStack(), grant], { scope: "stack" });
    expect(run.violations).toEqual([
      {
        urn: urnOf(grant),
        message: expect.stringContaining('function "legacy" (not defined in this stack) to allUsers'),
      },
    ]);
  });

  test("with forbidPublic, fails on the grant of a declared public function, once", async () => {
    const stack = publicLogin();
    const run = await check(POLICY, stack, { forbidPublic: true });
    expect(run.violations).toEqual([
      {
        urn: urn(stack, "callgraph-login-invokers"),
        message: expect.stringMatching(
          /to allUsers: .* and this stack forbids public functions \(forbidPublic\)/,
        ),
      },
    ]);
  });

  test("with forbidPublic, fails on a public declaration even before anything grants it", async () => {
    const stack = changed(publicLogin(), "callgraph-login-invokers", () =>
      invokerBinding("login", [DEVELOPERS]),
    );
    const run = await check(POLICY, stack, { forbidPublic: true });
    expect(run.violations).toEqual([
      {
        urn: urn(stack, "callgraph-login-function"),
        message: expect.stringContaining(
          "declares allUsers in CALLGRAPH_INVOKERS, but this stack forbids public functions",
        ),
      },
    ]);
  });

  test("with forbidPublic, a function in allowedPublicFunctions may be public", async () => {
    expect(
      await check(POLICY, publicLogin(), { forbidPublic: true, allowedPublicFunctions: ["login"] }),
    ).toEqual({ violations: [] });
  });

  test("an unknown member is undecided; a definite public grant is still reported", async () => {
    const stack = [
      ...happyStack(),
      invokerMember("computed", "login", COMPUTED),
      invokerMember("public", "profiles", "allUsers"),
    ];
    const run = await check(POLICY, stack);
    expect(run.violations.map((v) => v.urn)).toEqual([urn(stack, "public")]);
    expect(run.unknownError?.message).toMatch(/\.member can't be known during preview/);
  });
});
