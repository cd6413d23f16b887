import { ENV } from "../../../topology/environment";
import { CALLEES_ENV } from "../../../live/audit/declared";
import { isServiceDisabled, policyKey } from "../../../live/audit/read-asset-policies";
import { parseScope } from "../../../live/audit/scope";

test("the audit reads the callee variable the program writes", () => {
  expect(CALLEES_ENV).toBe(ENV.callees);
});

test("Asset names (project by number) and API names (project by id) find the same policy", () => {
  const ids = { id: "p", number: "42" };
  expect(policyKey("//cloudresourcemanager.googleapis.com/projects/42", ids)).toBe(
    policyKey("projects/p", ids),
  );
  expect(policyKey("//run.googleapis.com/projects/42/locations/r/services/s", ids)).toBe(
    "projects/p/locations/r/services/s",
  );
  expect(policyKey("//cloudresourcemanager.googleapis.com/folders/7", ids)).toBe("folders/7");
});

test.each([
  [{ status: 403, reason: "SERVICE_DISABLED", message: "x" }, true],
  [
    { status: 403, message: "Cloud Asset API has not been used in project 1 before or it is disabled." },
    true,
  ],
  [{ status: 403, reason: "IAM_PERMISSION_DENIED", message: "Permission denied" }, false],
  [{ status: 429, message: "quota" }, false],
])("isServiceDisabled(%o) is %s", (failure, expected) => {
  expect(isServiceDisabled(failure)).toBe(expected);
});

test.each(["projects/my-proj", "folders/123", "organizations/456"])("scope %s is accepted", (s) => {
  expect(parseScope(s)).toBe(s);
});
test.each(["project/x", "folders/abc", "organizations/", "buckets/x"])("scope %s is refused", (s) => {
  expect(() => parseScope(s)).toThrow(`--scope "${s}" is not a scope`);
});
