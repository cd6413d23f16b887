import { isInvoker } from "../../local";

// The local front end admits callers as IAM does, and as the function's own check does: addresses without case.

test.each([
  ["user:Dev@Example.com", "dev@example.com"],
  ["user:dev@example.com", "DEV@EXAMPLE.COM"],
  ["serviceAccount:fn-a@P.iam.gserviceaccount.com", "fn-a@p.iam.gserviceaccount.com"],
  ["group:Team@example.com", "team@EXAMPLE.com"],
  ["domain:Example.com", "someone@example.COM"],
])("%s admits %s", (member, email) => {
  expect(isInvoker(email, [member])).toBe(true);
});

test.each([
  ["user:dev@example.com", "dev@example.org"],
  ["domain:example.com", "someone@sub.example.com"],
  ["serviceAccount:fn-a@p.iam.gserviceaccount.com", "fn-b@p.iam.gserviceaccount.com"],
])("%s does not admit %s", (member, email) => {
  expect(isInvoker(email, [member])).toBe(false);
});
