import { possessive } from "../../iam";

test.each([
  ["login", "login's"],
  ["profiles", "profiles'"],
  ["STATUS", "STATUS'"],
  ["api-gateway", "api-gateway's"],
])("possessive(%s) is %s", (name, expected) => {
  expect(possessive(name)).toBe(expected);
});
