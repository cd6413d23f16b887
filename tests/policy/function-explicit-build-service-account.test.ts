import { BUILD_EMAIL, changed, COMPUTED, happyStack, PROJECT, urnOf, withProp } from "./fixtures";
import { check } from "./harness";

const POLICY = "function-explicit-build-service-account";

const FIX =
  "To fix: create one gcp.serviceaccount.Account for the stack's builds, grant it only what a function build needs " +
  "(roles/logging.logWriter on the project, roles/artifactregistry.writer on the image repository, " +
  "roles/storage.objectViewer on the source bucket), and set the function's buildServiceAccount (gen2: " +
  "buildConfig.serviceAccount) to projects/PROJECT/serviceAccounts/EMAIL; the CallGraph component does this for " +
  "every declared function.";

// The default build identities, from https://cloud.google.com/build/docs/cloud-build-service-account-updates
// (Compute Engine default since mid-2024, the legacy Cloud Build account before) and the App Engine default.
const LEGACY_BUILD = "123456789@cloudbuild.gserviceaccount.com";
const COMPUTE_DEFAULT = "123456789-compute@developer.gserviceaccount.com";
const APP_ENGINE_DEFAULT = `${PROJECT}@appspot.gserviceaccount.com`;
const ref = (email: string) => `projects/${PROJECT}/serviceAccounts/${email}`;

describe(POLICY, () => {
  test("passes when every function (gen1 and gen2) names the stack's build account", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test("fails for a gen1 function without buildServiceAccount, naming both default build identities", async () => {
    const stack = changed(happyStack(), "callgraph-login-function", (r) =>
      withProp(r, "buildServiceAccount", undefined),
    );
    const login = stack.find((r) => r.name === "callgraph-login-function")!;
    expect((await check(POLICY, stack)).violations).toEqual([
      {
        urn: urnOf(login),
        message:
          'gcp.cloudfunctions.Function "callgraph-login-function" (Cloud Function "login", gen1) sets no buildServiceAccount, ' +
          "so Cloud Build builds it as the project's default build identity: on projects created since mid-2024 the " +
          "Compute Engine default account (PROJECT_NUMBER-compute@developer.gserviceaccount.com), which may lack the " +
          "permissions a build needs, and on older ones the legacy Cloud Build account " +
          "(PROJECT_NUMBER@cloudbuild.gserviceaccount.com), whose permissions on the project are broad.\n" +
          FIX,
      },
    ]);
  });

  test.each([
    [
      "gen1 as the legacy Cloud Build account",
      "callgraph-login-function",
      "buildServiceAccount",
      LEGACY_BUILD,
    ],
    [
      "gen1 as the App Engine default",
      "callgraph-profiles-function",
      "buildServiceAccount",
      APP_ENGINE_DEFAULT,
    ],
    ["gen2 as the Compute Engine default", "reports-v2", "buildConfig.serviceAccount", COMPUTE_DEFAULT],
  ])("fails for %s", async (_label, name, path, email) => {
    const stack = changed(happyStack(), name, (r) => withProp(r, path, ref(email.toUpperCase())));
    const target = stack.find((r) => r.name === name)!;
    const fn = name === "reports-v2" ? '"reports", gen2' : `"${name.split("-")[1]}", gen1`;
    const type = name === "reports-v2" ? "gcp.cloudfunctionsv2.Function" : "gcp.cloudfunctions.Function";
    expect((await check(POLICY, stack)).violations).toEqual([
      {
        urn: urnOf(target),
        message:
          `${type} "${name}" (Cloud Function ${fn}) builds as ${email.toLowerCase()}, a default account shared with ` +
          "everything else in the project that builds or runs as it, with permissions far beyond what a function build needs.\n" +
          FIX,
      },
    ]);
  });

  test.each([
    ["a bare email", BUILD_EMAIL],
    ["a resource name without the email", `projects/${PROJECT}/serviceAccounts/callgraph-build`],
    ["an extra segment", `projects/${PROJECT}/locations/x/serviceAccounts/${BUILD_EMAIL}`],
  ])("fails for a gen2 build account given as %s, the form the API refuses", async (_label, value) => {
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "buildConfig.serviceAccount", value),
    );
    expect((await check(POLICY, stack)).violations).toEqual([
      {
        urn: urnOf(stack.find((r) => r.name === "reports-v2")!),
        message:
          `gcp.cloudfunctionsv2.Function "reports-v2" (Cloud Function "reports", gen2) sets buildConfig.serviceAccount to ${JSON.stringify(value)}, ` +
          "which is not of the form projects/PROJECT/serviceAccounts/EMAIL that the Cloud Functions API accepts: the deployment would fail.\n" +
          "To fix: set buildConfig.serviceAccount to projects/PROJECT/serviceAccounts/EMAIL, with the email of the stack's build account.",
      },
    ]);
  });

  test("an exempted function may build as the default identity", async () => {
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "buildConfig.serviceAccount", undefined),
    );
    expect(await check(POLICY, stack, { exemptFunctions: ["reports"] })).toEqual({ violations: [] });
  });

  test("a build account unknown until deployment is undecided, not a violation", async () => {
    const stack = changed(happyStack(), "reports-v2", (r) =>
      withProp(r, "buildConfig.serviceAccount", COMPUTED),
    );
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(/buildConfig\.serviceAccount can't be known during preview/);
  });

  test("an unknown elsewhere in the resource does not hide a missing build account", async () => {
    const stack = changed(happyStack(), "callgraph-login-function", (r) =>
      withProp(withProp(r, "buildServiceAccount", undefined), "serviceAccountEmail", COMPUTED),
    );
    const run = await check(POLICY, stack);
    expect(run.violations.map((v) => v.message)).toEqual([
      expect.stringMatching(/sets no buildServiceAccount/),
    ]);
    expect(run.unknownError).toBeUndefined();
  });
});
