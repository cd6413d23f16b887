import {
  isDefaultAccount,
  isDefaultBuildAccount,
  isInheritedScope,
  isInvokerRole,
  isInvokingRole,
  isPublicMember,
  normalizeMember,
  serviceAccountOf,
  type GrantScope,
} from "../../iam";

// Each row is a GCP fact the model relies on; the source is cited next to the constant in iam/.
test.each([
  // role, invokes, does nothing but invoke
  ["roles/cloudfunctions.invoker", true, true],
  ["roles/run.invoker", true, true],
  ["roles/run.servicesInvoker", true, true],
  ["roles/cloudfunctions.developer", true, false],
  ["roles/cloudfunctions.admin", true, false],
  ["roles/run.developer", true, false],
  ["roles/run.admin", true, false],
  ["roles/editor", true, false],
  ["roles/owner", true, false],
  ["roles/viewer", false, false],
  ["roles/cloudfunctions.viewer", false, false],
  ["roles/logging.logWriter", false, false],
  ["roles/run.invoker_suffix", false, false],
])("role %s: invokes %s, invoker only %s", (role, invokes, invokerOnly) => {
  expect(isInvokingRole(role)).toBe(invokes);
  expect(isInvokerRole(role)).toBe(invokerOnly);
});

test.each([
  ["allUsers", true],
  ["allAuthenticatedUsers", true],
  ["user:alice@example.com", false],
  ["domain:example.com", false],
  ["group:allusers@example.com", false],
])("member %s is public: %s", (member, isPublic) => {
  expect(isPublicMember(member)).toBe(isPublic);
});

test.each([
  ["serviceAccount:Fn-Login@P.iam.gserviceaccount.com", "serviceAccount:fn-login@p.iam.gserviceaccount.com"],
  ["group:Developers@Example.COM", "group:developers@example.com"],
  ["allUsers", "allUsers"],
])("member %s is compared as %s", (member, normalized) => {
  expect(normalizeMember(member)).toBe(normalized);
});

test.each([
  ["serviceAccount:Fn-Login@P.iam.gserviceaccount.com", "fn-login@p.iam.gserviceaccount.com"],
  ["user:fn-login@p.iam.gserviceaccount.com", undefined],
  ["allUsers", undefined],
])("the service account of %s is %s", (member, email) => {
  expect(serviceAccountOf(member)).toBe(email);
});

test.each([
  // email, default runtime account, default build account
  ["my-project@appspot.gserviceaccount.com", true, true],
  ["123456789-compute@developer.gserviceaccount.com", true, true],
  ["123456789@cloudbuild.gserviceaccount.com", false, true],
  ["123456789-COMPUTE@DEVELOPER.gserviceaccount.com", true, true],
  ["fn-login@my-project.iam.gserviceaccount.com", false, false],
  ["appspot.gserviceaccount.com@example.com", false, false],
])("%s: default runtime account %s, default build account %s", (email, runtime, build) => {
  expect(isDefaultAccount(email)).toBe(runtime);
  expect(isDefaultBuildAccount(email)).toBe(build);
});

test.each<[GrantScope, boolean]>([
  ["function", false],
  ["run-service", false],
  ["bucket", false],
  ["project", true],
  ["folder", true],
  ["organization", true],
])("a grant on a %s reaches every function below it: %s", (scope, inherited) => {
  expect(isInheritedScope(scope)).toBe(inherited);
});
