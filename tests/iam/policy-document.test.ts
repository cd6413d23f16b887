import { bindingsOf, bindingsOfJson, grantsOfPolicy, isUnknown, meaningOf, Unknown } from "../../iam";

/**
 * Policy documents as `getIamPolicy` answers them (https://cloud.google.com/iam/docs/reference/rest/v1/Policy):
 * `{ version, etag, bindings: [{ role, members, condition? }] }`, the same shape for Cloud Functions (v1 and v2),
 * Cloud Run, projects, folders and organizations.
 */
const UNTIL_2031 = {
  title: "until 2031",
  description: "temporary access",
  expression: 'request.time < timestamp("2031-01-01T00:00:00Z")',
};

test("bindings keep role, members and condition", () => {
  expect(
    bindingsOf({
      version: 3,
      etag: "BwYxyz=",
      bindings: [
        { role: "roles/cloudfunctions.invoker", members: ["serviceAccount:a@p.iam.gserviceaccount.com"] },
        { role: "roles/cloudfunctions.invoker", members: ["user:temp@example.com"], condition: UNTIL_2031 },
      ],
    }),
  ).toEqual([
    { role: "roles/cloudfunctions.invoker", members: ["serviceAccount:a@p.iam.gserviceaccount.com"] },
    { role: "roles/cloudfunctions.invoker", members: ["user:temp@example.com"], condition: UNTIL_2031 },
  ]);
});

test.each<[string, unknown]>([
  ["no policy", undefined],
  ["null", null],
  ["an empty policy (a resource nobody was granted anything on)", { version: 1, etag: "ACAB" }],
  ["bindings that are not a list", { bindings: { role: "roles/run.invoker" } }],
  ["a binding without a role", { bindings: [{ members: ["allUsers"] }] }],
  ["a binding without members", { bindings: [{ role: "roles/run.invoker" }] }],
  ["a binding that is not an object", { bindings: ["roles/run.invoker"] }],
])("%s grants nothing", (_, policy) => {
  expect(bindingsOf(policy)).toEqual([]);
});

test("members that are not strings are skipped, the others kept", () => {
  expect(bindingsOf({ bindings: [{ role: "roles/run.invoker", members: [42, "allUsers", null] }] })).toEqual([
    { role: "roles/run.invoker", members: ["allUsers"] },
  ]);
});

test("a version 1 answer hides conditions behind ROLE_withcond_HASH: the role is still recognized, conditional", () => {
  const [binding] = bindingsOf(
    {
      version: 1,
      bindings: [{ role: "roles/run.invoker_withcond_2b17cc25d2cd9e2c54d8", members: ["allUsers"] }],
    },
    "projects/p",
  );
  expect(binding.role).toBe("roles/run.invoker");
  expect(binding.members).toEqual(["allUsers"]);
  expect(isUnknown(binding.condition)).toBe(true);
  expect((binding.condition as Unknown).path).toBe("projects/p.bindings[0].condition");
});

test("JSON documents (a Pulumi policyData) read alike; text that does not parse grants nothing", () => {
  const policy = { bindings: [{ role: "roles/run.invoker", members: ["allUsers"], condition: UNTIL_2031 }] };
  expect(bindingsOfJson(JSON.stringify(policy))).toEqual(bindingsOf(policy));
  expect(bindingsOfJson("not json")).toEqual([]);
  expect(bindingsOfJson("null")).toEqual([]);
});

test("grantsOfPolicy places each (role, member) pair where the policy applies", () => {
  const where = "//cloudfunctions.googleapis.com/projects/p/locations/europe-west1/functions/login";
  const grants = grantsOfPolicy(
    {
      bindings: [
        { role: "roles/cloudfunctions.invoker", members: ["group:Dev@Example.com", "allUsers"] },
        { role: "roles/cloudfunctions.invoker", members: ["user:temp@example.com"], condition: UNTIL_2031 },
      ],
    },
    {
      resource: where,
      scope: "function",
      target: "login",
      generation: 1,
      project: "p",
      location: "europe-west1",
    },
  );
  const base = {
    resource: where,
    scope: "function",
    target: "login",
    generation: 1,
    project: "p",
    location: "europe-west1",
    role: "roles/cloudfunctions.invoker",
  };
  expect(grants).toEqual([
    { ...base, member: "group:Dev@Example.com" },
    { ...base, member: "allUsers" },
    { ...base, member: "user:temp@example.com", condition: UNTIL_2031 },
  ]);
});

test("a project policy's grants name the project as their project", () => {
  const [grant] = grantsOfPolicy(
    { bindings: [{ role: "roles/run.invoker", members: ["user:a@example.com"] }] },
    { resource: "projects/p", scope: "project", target: "p" },
  );
  expect(grant.project).toBe("p");
  expect(meaningOf(grant).inherited).toBe(true);
});

describe("what a grant means", () => {
  const at = { resource: "r", scope: "function", target: "login" } as const;
  const meaning = (binding: object, scope: "function" | "folder" = "function") =>
    grantsOfPolicy({ bindings: [binding] }, { ...at, scope }).map(meaningOf);

  test.each([
    [
      "an invoker",
      { role: "roles/cloudfunctions.invoker", members: ["serviceAccount:Fn-A@P.iam.gserviceaccount.com"] },
      {
        invokes: true,
        invokerOnly: true,
        inherited: false,
        public: false,
        member: "serviceAccount:fn-a@p.iam.gserviceaccount.com",
        serviceAccount: "fn-a@p.iam.gserviceaccount.com",
        conditional: false,
      },
    ],
    [
      "a broad role that contains invocation",
      { role: "roles/editor", members: ["allAuthenticatedUsers"] },
      {
        invokes: true,
        invokerOnly: false,
        inherited: false,
        public: true,
        member: "allAuthenticatedUsers",
        conditional: false,
      },
    ],
    [
      "a role that does not invoke",
      { role: "roles/viewer", members: ["allUsers"] },
      {
        invokes: false,
        invokerOnly: false,
        inherited: false,
        public: true,
        member: "allUsers",
        conditional: false,
      },
    ],
    [
      // A conditional binding grants its role only to requests for which the condition is true; no reader here
      // can evaluate it, so it still invokes (the member may be let in), and says it is conditional.
      "a conditional invoker",
      { role: "roles/run.invoker", members: ["user:temp@example.com"], condition: UNTIL_2031 },
      {
        invokes: true,
        invokerOnly: true,
        inherited: false,
        public: false,
        member: "user:temp@example.com",
        conditional: true,
      },
    ],
  ])("%s", (_, binding, expected) => {
    expect(meaning(binding)).toEqual([expected]);
  });

  test("a grant on a folder reaches every function below it", () => {
    expect(
      meaning({ role: "roles/run.invoker", members: ["user:a@example.com"] }, "folder")[0].inherited,
    ).toBe(true);
  });

  test("unknown role and member stay unknown", () => {
    const role = new Unknown("role");
    const member = new Unknown("member");
    const m = meaningOf({
      resource: "r",
      scope: "function",
      target: "f",
      project: "p",
      location: "l",
      role,
      member,
    });
    expect(m).toEqual({
      invokes: role,
      invokerOnly: role,
      inherited: false,
      public: member,
      member,
      conditional: false,
    });
  });
});
