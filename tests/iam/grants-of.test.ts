import { GCP, grantsOf, iamTypes, Unknown, type Grant, type StackResource } from "../../iam";

function resource(type: string, props: Record<string, unknown>): StackResource {
  return { type, urn: `urn:pulumi:test::p::${type}::r`, name: "r", props };
}

/** A grant without its resource, for comparison. */
function pairs(r: StackResource): Omit<Grant, "resource">[] {
  return grantsOf(r).map(({ resource, ...rest }) => {
    expect(resource).toBe(r);
    return rest;
  });
}

const FN = { project: "p", region: "europe-west1", cloudFunction: "login" };
const FN_GRANT = {
  scope: "function",
  target: "login",
  generation: 1,
  project: "p",
  location: "europe-west1",
} as const;
const INVOKER = "roles/cloudfunctions.invoker";
const ALICE = "user:alice@example.com";
const BOB = "user:bob@example.com";
const CONDITION = { title: "until 2031", expression: 'request.time < timestamp("2031-01-01T00:00:00Z")' };

test.each<[string, string, Record<string, unknown>, Omit<Grant, "resource">[]]>([
  [
    "binding: one grant per member",
    GCP.functionV1IamBinding,
    { ...FN, role: INVOKER, members: [ALICE, BOB] },
    [
      { ...FN_GRANT, role: INVOKER, member: ALICE },
      { ...FN_GRANT, role: INVOKER, member: BOB },
    ],
  ],
  [
    "member",
    GCP.functionV1IamMember,
    { ...FN, role: INVOKER, member: ALICE },
    [{ ...FN_GRANT, role: INVOKER, member: ALICE }],
  ],
  [
    "policy: every binding of its document",
    GCP.functionV1IamPolicy,
    {
      ...FN,
      policyData: JSON.stringify({
        bindings: [
          { role: INVOKER, members: [ALICE] },
          { role: "roles/viewer", members: [BOB] },
        ],
      }),
    },
    [
      { ...FN_GRANT, role: INVOKER, member: ALICE },
      { ...FN_GRANT, role: "roles/viewer", member: BOB },
    ],
  ],
  [
    "a full function id names the function by its last segment",
    GCP.functionV1IamMember,
    {
      ...FN,
      cloudFunction: "projects/p/locations/europe-west1/functions/login",
      role: INVOKER,
      member: ALICE,
    },
    [{ ...FN_GRANT, role: INVOKER, member: ALICE }],
  ],
  [
    "gen2 function: its location property",
    GCP.functionV2IamMember,
    { project: "p", location: "europe-west1", cloudFunction: "reports", role: INVOKER, member: ALICE },
    [{ ...FN_GRANT, generation: 2, target: "reports", role: INVOKER, member: ALICE }],
  ],
  [
    "Cloud Run v2 service (what a gen2 function is invoked through)",
    GCP.runServiceIamMember,
    { project: "p", location: "europe-west1", name: "reports", role: "roles/run.invoker", member: ALICE },
    [
      {
        scope: "run-service",
        target: "reports",
        generation: 2,
        project: "p",
        location: "europe-west1",
        role: "roles/run.invoker",
        member: ALICE,
      },
    ],
  ],
  [
    "Cloud Run v1 service",
    GCP.runV1IamBinding,
    {
      location: "europe-west1",
      service: "locations/europe-west1/namespaces/p/services/reports",
      role: "roles/run.invoker",
      members: [ALICE],
    },
    [
      {
        scope: "run-service",
        target: "reports",
        generation: 2,
        project: undefined,
        location: "europe-west1",
        role: "roles/run.invoker",
        member: ALICE,
      },
    ],
  ],
  [
    "project: the project is the target",
    GCP.projectIamMember,
    { project: "p", role: "roles/run.invoker", member: ALICE },
    [
      {
        scope: "project",
        target: "p",
        generation: undefined,
        project: "p",
        location: undefined,
        role: "roles/run.invoker",
        member: ALICE,
      },
    ],
  ],
  [
    "folder: its full name is kept",
    GCP.folderIamBinding,
    { folder: "folders/123", role: INVOKER, members: [ALICE] },
    [
      {
        scope: "folder",
        target: "folders/123",
        generation: undefined,
        project: undefined,
        location: undefined,
        role: INVOKER,
        member: ALICE,
      },
    ],
  ],
  [
    "organization",
    GCP.organizationIamMember,
    { orgId: "456", role: "roles/owner", member: ALICE },
    [
      {
        scope: "organization",
        target: "456",
        generation: undefined,
        project: undefined,
        location: undefined,
        role: "roles/owner",
        member: ALICE,
      },
    ],
  ],
  [
    "bucket",
    GCP.bucketIamMember,
    { bucket: "b/x", role: "roles/storage.objectViewer", member: "allUsers" },
    [
      {
        scope: "bucket",
        target: "x",
        generation: undefined,
        project: undefined,
        location: undefined,
        role: "roles/storage.objectViewer",
        member: "allUsers",
      },
    ],
  ],
  [
    "a conditional member keeps its condition",
    GCP.functionV1IamMember,
    { ...FN, role: INVOKER, member: ALICE, condition: { ...CONDITION, description: "temporary" } },
    [{ ...FN_GRANT, role: INVOKER, member: ALICE, condition: { ...CONDITION, description: "temporary" } }],
  ],
  [
    "a conditional binding: each member's grant is conditional",
    GCP.projectIamBinding,
    { project: "p", role: "roles/run.invoker", members: [ALICE], condition: CONDITION },
    [
      {
        scope: "project",
        target: "p",
        generation: undefined,
        project: "p",
        location: undefined,
        role: "roles/run.invoker",
        member: ALICE,
        condition: CONDITION,
      },
    ],
  ],
  [
    "a condition without an expression limits nothing",
    GCP.functionV1IamMember,
    { ...FN, role: INVOKER, member: ALICE, condition: { title: "empty", expression: "" } },
    [{ ...FN_GRANT, role: INVOKER, member: ALICE }],
  ],
  [
    "no role: the provider refuses it, nothing is granted",
    GCP.functionV1IamMember,
    { ...FN, member: ALICE },
    [],
  ],
  ["empty members", GCP.functionV1IamBinding, { ...FN, role: INVOKER, members: [] }, []],
  ["policy text that does not parse grants nothing", GCP.functionV1IamPolicy, { ...FN, policyData: "{" }, []],
  ["not an IAM resource", GCP.functionV1, { ...FN, name: "login" }, []],
])("%s", (_, type, props, expected) => {
  expect(pairs(resource(type, props))).toEqual(expected);
});

test("values not known until deployment stay unknown, where they are", () => {
  const role = new Unknown("role");
  const member = new Unknown("member");
  const members = new Unknown("members");
  const policy = new Unknown("policyData");
  const condition = new Unknown("condition");
  const fn = new Unknown("cloudFunction");

  expect(pairs(resource(GCP.functionV1IamMember, { ...FN, role, member }))).toEqual([
    { ...FN_GRANT, role, member },
  ]);
  // A whole list unknown: one grant whose member is that unknown, so a reader cannot take it for "no member".
  expect(pairs(resource(GCP.functionV1IamBinding, { ...FN, role: INVOKER, members }))).toEqual([
    { ...FN_GRANT, role: INVOKER, member: members },
  ]);
  expect(pairs(resource(GCP.functionV1IamPolicy, { ...FN, policyData: policy }))).toEqual([
    { ...FN_GRANT, role: policy, member: policy },
  ]);
  expect(
    pairs(resource(GCP.functionV1IamMember, { ...FN, role: INVOKER, member: ALICE, condition })),
  ).toEqual([{ ...FN_GRANT, role: INVOKER, member: ALICE, condition }]);
  expect(
    pairs(resource(GCP.functionV1IamMember, { ...FN, cloudFunction: fn, role: INVOKER, member: ALICE })),
  ).toEqual([{ ...FN_GRANT, target: fn, role: INVOKER, member: ALICE }]);
});

test("iamTypes lists the three shapes of every family of a scope", () => {
  expect(iamTypes("project").sort()).toEqual(
    [GCP.projectIamBinding, GCP.projectIamMember, GCP.projectIamPolicy].sort(),
  );
  expect(iamTypes("function", "run-service")).toHaveLength(12);
  // Every listed type is read: a member resource of each yields its grant.
  for (const type of iamTypes("function", "run-service", "project", "folder", "organization", "bucket")) {
    if (!type.endsWith("Member")) continue;
    expect(grantsOf(resource(type, { role: INVOKER, member: ALICE }))).toHaveLength(1);
  }
});
