import { COMPUTED, email, happyStack, T, urnOf, type TestResource } from "./fixtures";
import { check } from "./harness";

const POLICY = "no-service-account-keys";
const key = (account: unknown): TestResource => ({
  type: T.key,
  name: "rogue-key",
  props: { serviceAccountId: account },
});

describe(POLICY, () => {
  test("passes when the stack creates no key", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test("fails on a service-account key", async () => {
    const k = key(`projects/callgraph-test/serviceAccounts/${email("login")}`);
    const run = await check(POLICY, [...happyStack(), k]);
    expect(run.violations).toEqual([
      {
        urn: urnOf(k),
        message:
          `gcp.serviceaccount.Key "rogue-key" creates a long-lived private key for ${email("login")}: it works from anywhere until ` +
          "someone deletes it, and Pulumi stores it in the stack's state.\n" +
          "To fix: remove the key; code on Google Cloud gets short-lived tokens for its own account from the metadata server, and " +
          "code elsewhere can use Workload Identity Federation or service-account impersonation; if a key is unavoidable, list the " +
          "account in allowedAccounts.",
      },
    ]);
  });

  test("fails on an HMAC key for a service account", async () => {
    const hmac: TestResource = {
      type: T.hmacKey,
      name: "hmac",
      props: { serviceAccountEmail: email("profiles") },
    };
    const run = await check(POLICY, [...happyStack(), hmac]);
    expect(run.violations).toEqual([
      { urn: urnOf(hmac), message: expect.stringContaining("creates a long-lived HMAC key") },
    ]);
  });

  test("a key for an account in allowedAccounts passes; one for another account still fails", async () => {
    const config = { allowedAccounts: [email("login")] };
    expect(await check(POLICY, [...happyStack(), key(email("login"))], config)).toEqual({ violations: [] });
    expect((await check(POLICY, [...happyStack(), key(email("profiles"))], config)).violations).toHaveLength(
      1,
    );
  });

  test("a key for an unknown account is undecided (it may be the call graph's); with scope stack, a violation unless an allow-list applies", async () => {
    const scoped = await check(POLICY, [...happyStack(), key(COMPUTED)]);
    expect(scoped.violations).toEqual([]);
    expect(scoped.unknownError?.message).toMatch(/serviceAccountId can't be known during preview/);
    const run = await check(POLICY, [...happyStack(), key(COMPUTED)], { scope: "stack" });
    expect(run.violations).toEqual([
      {
        urn: urnOf(key(COMPUTED)),
        message: expect.stringContaining("for a service account (not known until deployment)"),
      },
    ]);
    const allowed = await check(POLICY, [...happyStack(), key(COMPUTED)], {
      allowedAccounts: [email("login")],
      scope: "stack",
    });
    expect(allowed.violations).toEqual([]);
    expect(allowed.unknownError?.message).toMatch(/serviceAccountId can't be known during preview/);
  });
});
