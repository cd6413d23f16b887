import { changed, COMPUTED, happyStack, urnOf, withProp } from "./fixtures";
import { check } from "./harness";

const POLICY = "storage-bucket-private";
const BUCKET = "callgraph-source";

describe(POLICY, () => {
  test("passes for a bucket with uniform access and public access prevention enforced", async () => {
    expect(await check(POLICY, happyStack())).toEqual({ violations: [] });
  });

  test.each([
    [
      "uniform access off",
      "uniformBucketLevelAccess",
      false,
      /uniform bucket-level access is off, so object ACLs can make single objects public\./,
    ],
    ["uniform access unset", "uniformBucketLevelAccess", undefined, /uniform bucket-level access is off/],
    [
      "public access prevention inherited",
      "publicAccessPrevention",
      "inherited",
      /public access prevention is "inherited", not "enforced"/,
    ],
    [
      "public access prevention unset",
      "publicAccessPrevention",
      undefined,
      /public access prevention is "inherited", not "enforced"/,
    ],
  ])("fails with %s", async (_label, path, value, message) => {
    const stack = changed(happyStack(), BUCKET, (r) => withProp(r, path, value));
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      { urn: urnOf(stack.find((r) => r.name === BUCKET)!), message: expect.stringMatching(message) },
    ]);
    expect(run.violations[0].message).toMatch(
      /To fix: set uniformBucketLevelAccess: true and publicAccessPrevention: "enforced"/,
    );
  });

  test("an exempted bucket (by logical or bucket name) may be public", async () => {
    const stack = changed(happyStack(), BUCKET, (r) => withProp(r, "publicAccessPrevention", "inherited"));
    expect(await check(POLICY, stack, { exemptBuckets: [BUCKET] })).toEqual({ violations: [] });
    expect(await check(POLICY, stack, { exemptBuckets: [`${BUCKET}-1a2b3c4`] })).toEqual({ violations: [] });
  });

  test("an unknown setting is undecided, and does not hide the other one being wrong", async () => {
    const stack = changed(happyStack(), BUCKET, (r) =>
      withProp(withProp(r, "uniformBucketLevelAccess", COMPUTED), "publicAccessPrevention", "inherited"),
    );
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      {
        urn: urnOf(stack.find((r) => r.name === BUCKET)!),
        message: expect.stringMatching(/^[^;]*public access prevention is "inherited"/),
      },
    ]);
    expect(run.unknownError?.message).toMatch(/uniformBucketLevelAccess can't be known during preview/);
  });
});
