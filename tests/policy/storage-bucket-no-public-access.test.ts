import { COMPUTED, happyStack, sa, T, urnOf, type TestResource } from "./fixtures";
import { check } from "./harness";

const POLICY = "storage-bucket-no-public-access";
const BUCKET = "callgraph-source-1a2b3c4";

describe(POLICY, () => {
  test("passes with bucket grants to specific members only", async () => {
    const grant: TestResource = {
      type: T.bucketMember,
      name: "reader",
      props: { bucket: BUCKET, role: "roles/storage.objectViewer", member: sa("login") },
    };
    expect(await check(POLICY, [...happyStack(), grant])).toEqual({ violations: [] });
  });

  test.each<[string, TestResource, string]>([
    [
      "an allUsers bucket IAM member",
      {
        type: T.bucketMember,
        name: "m",
        props: { bucket: BUCKET, role: "roles/storage.objectViewer", member: "allUsers" },
      },
      `grants roles/storage.objectViewer on bucket "${BUCKET}" to allUsers`,
    ],
    [
      "an allAuthenticatedUsers binding (bucket given as b/NAME)",
      {
        type: T.bucketBinding,
        name: "b",
        props: {
          bucket: `b/${BUCKET}`,
          role: "roles/storage.objectViewer",
          members: [sa("login"), "allAuthenticatedUsers"],
        },
      },
      `on bucket "${BUCKET}" to allAuthenticatedUsers`,
    ],
    [
      "a public role entity in a bucket ACL",
      {
        type: T.bucketAcl,
        name: "acl",
        props: { bucket: BUCKET, roleEntities: ["OWNER:project-owners-1", "READER:allUsers"] },
      },
      `gives allUsers access to bucket "${BUCKET}"`,
    ],
    [
      "a public predefined ACL",
      { type: T.bucketAcl, name: "acl", props: { bucket: BUCKET, predefinedAcl: "publicRead" } },
      `applies the predefined ACL "publicRead" on bucket "${BUCKET}"`,
    ],
    [
      "a public object access control",
      {
        type: T.objectAccessControl,
        name: "oac",
        props: { bucket: BUCKET, object: "login/x.zip", entity: "allUsers", role: "READER" },
      },
      "gives allUsers access",
    ],
  ])("fails on %s", async (_label, grant, message) => {
    const run = await check(POLICY, [...happyStack(), grant]);
    expect(run.violations).toEqual([{ urn: urnOf(grant), message: expect.stringContaining(message) }]);
    expect(run.violations[0].message).toContain(
      "To fix: remove it and grant access to the specific members that need it",
    );
  });

  test("an exempted bucket may be public", async () => {
    const grant: TestResource = {
      type: T.bucketMember,
      name: "m",
      props: { bucket: "website", role: "roles/storage.objectViewer", member: "allUsers" },
    };
    expect(await check(POLICY, [...happyStack(), grant], { exemptBuckets: ["website"] })).toEqual({
      violations: [],
    });
  });

  test("an unknown member is undecided; a public one on an unknown bucket is undecided too, but reported with scope stack", async () => {
    const unknownMember: TestResource = {
      type: T.bucketMember,
      name: "u",
      props: { bucket: BUCKET, role: "roles/storage.objectViewer", member: COMPUTED },
    };
    const unknownBucket: TestResource = {
      type: T.bucketMember,
      name: "p",
      props: { bucket: COMPUTED, role: "roles/storage.objectViewer", member: "allUsers" },
    };
    // Which bucket it opens is not known, so neither is whether that is the call graph's.
    const scoped = await check(POLICY, [...happyStack(), unknownMember, unknownBucket]);
    expect(scoped.violations).toEqual([]);
    expect(scoped.unknownError?.message).toMatch(/\.member can't be known during preview/);
    const run = await check(POLICY, [...happyStack(), unknownMember, unknownBucket], { scope: "stack" });
    expect(run.violations).toEqual([
      {
        urn: urnOf(unknownBucket),
        message: expect.stringContaining("on bucket (not known until deployment) to allUsers"),
      },
    ]);
    expect(run.unknownError?.message).toMatch(/\.member can't be known during preview/);
  });
});
