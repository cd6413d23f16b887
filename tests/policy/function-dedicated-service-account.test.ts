import { changed, COMPUTED, email, happyStack, urnOf, withProp } from "./fixtures";
import { check } from "./harness";

const POLICY = "function-dedicated-service-account";

describe(POLICY, () => {
  test("passes when no two functions share an account", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test("fails on every function that shares an account, across generations, naming the others", async () => {
    // reports (gen2) runs as login's account; case differences do not make two accounts.
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "serviceConfig.serviceAccountEmail", email("login").toUpperCase()),
    );
    const run = await check(POLICY, stack);
    const urn = (name: string) => urnOf(stack.find((r) => r.name === name)!);
    expect(run.violations).toEqual([
      {
        urn: urn("callgraph-login-function"),
        message: expect.stringMatching(
          /Cloud Function "login"\) runs as fn-login@callgraph-test\.iam\.gserviceaccount\.com, as do "reports":/,
        ),
      },
      {
        urn: urn("reports-v2"),
        message: expect.stringMatching(/Cloud Function "reports"\) runs as fn-login@.*, as do "login"/),
      },
    ]);
    expect(run.violations[0].message).toMatch(
      /To fix: give each function its own gcp\.serviceaccount\.Account/,
    );
  });

  test("an account listed in allowedSharedAccounts may be shared", async () => {
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "serviceConfig.serviceAccountEmail", email("login")),
    );
    expect(await check(POLICY, stack, { allowedSharedAccounts: [email("login")] })).toEqual({
      violations: [],
    });
  });

  test("functions without an account are left to function-explicit-service-account", async () => {
    const noAccount = (name: string) => (s: ReturnType<typeof happyStack>) =>
      changed(s, name, (r) => withProp(r, "serviceAccountEmail", undefined));
    const stack = noAccount("callgraph-profiles-function")(
      noAccount("callgraph-login-function")(happyStack()),
    );
    expect(await check(POLICY, stack)).toEqual({ violations: [] });
  });

  test("an unknown account is undecided, and does not hide a definite share", async () => {
    let stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "serviceConfig.serviceAccountEmail", COMPUTED),
    );
    stack = changed(stack, "callgraph-profiles-function", (r) =>
      withProp(r, "serviceAccountEmail", email("login")),
    );
    const run = await check(POLICY, stack);
    expect(run.violations.map((v) => v.urn)).toEqual([
      urnOf(stack.find((r) => r.name === "callgraph-login-function")!),
      urnOf(stack.find((r) => r.name === "callgraph-profiles-function")!),
    ]);
    expect(run.unknownError?.message).toMatch(
      /serviceConfig\.serviceAccountEmail can't be known during preview/,
    );
  });
});
