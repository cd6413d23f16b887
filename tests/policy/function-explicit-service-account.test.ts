import { changed, COMPUTED, happyStack, urnOf, withProp, type TestResource } from "./fixtures";
import { check } from "./harness";

const POLICY = "function-explicit-service-account";
const login = (stack: TestResource[]) => stack.find((r) => r.name === "callgraph-login-function")!;

describe(POLICY, () => {
  test("passes when every function (gen1 and gen2) runs as its own named account", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test.each([
    [
      "gen1 without serviceAccountEmail",
      "callgraph-login-function",
      "serviceAccountEmail",
      undefined,
      /sets no serviceAccountEmail, so it runs as the default account PROJECT_ID@appspot\.gserviceaccount\.com/,
    ],
    [
      "gen1 as the App Engine default",
      "callgraph-login-function",
      "serviceAccountEmail",
      "callgraph-test@appspot.gserviceaccount.com",
      /runs as callgraph-test@appspot\.gserviceaccount\.com, a default account that holds Editor/,
    ],
    [
      "gen2 without serviceConfig.serviceAccountEmail",
      "reports-v2",
      "serviceConfig.serviceAccountEmail",
      undefined,
      /sets no serviceConfig\.serviceAccountEmail, so it runs as the default account PROJECT_NUMBER-compute@developer\.gserviceaccount\.com/,
    ],
    [
      "gen2 as the Compute default",
      "reports-v2",
      "serviceConfig.serviceAccountEmail",
      "123456789-compute@developer.gserviceaccount.com",
      /runs as 123456789-compute@developer\.gserviceaccount\.com, a default account/,
    ],
  ])("fails for %s", async (_label, name, path, value, message) => {
    const stack = changed(happyStack(), name, (r) => withProp(r, path, value));
    const target = stack.find((r) => r.name === name)!;
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([{ urn: urnOf(target), message: expect.stringMatching(message) }]);
    expect(run.violations[0].message).toMatch(
      /To fix: create a gcp\.serviceaccount\.Account for this function alone/,
    );
  });

  test("an exempted function may run as a default account", async () => {
    const stack = changed(happyStack(), "callgraph-login-function", (r) =>
      withProp(r, "serviceAccountEmail", undefined),
    );
    expect(await check(POLICY, stack, { exemptFunctions: ["login"] })).toEqual({ violations: [] });
  });

  test("an account unknown until deployment is not a violation, but the check is left to `pulumi up`", async () => {
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "serviceConfig.serviceAccountEmail", COMPUTED),
    );
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(/serviceAccountEmail can't be known during preview/);
  });

  test("an unknown elsewhere in the resource does not hide a default account", async () => {
    const stack = changed(happyStack(), "callgraph-login-function", (r) =>
      withProp(withProp(r, "serviceAccountEmail", undefined), "sourceArchiveBucket", COMPUTED),
    );
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      { urn: urnOf(login(stack)), message: expect.stringMatching(/runs as the default account/) },
    ]);
    expect(run.unknownError).toBeUndefined();
  });
});
