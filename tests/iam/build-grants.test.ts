import fc from "fast-check";
import {
  buildProjectGrants,
  stagingBucket,
  stagingBucketsOf,
  stagingReadCondition,
  type StagingBucket,
} from "../../iam";

// The one list of what the build account may hold on a project: the component registers exactly this and the
// policy pack allows exactly this (https://cloud.google.com/functions/docs/building, "Grant Permissions").
describe("the build account's project-level grants", () => {
  test.each<[string, (1 | 2)[], string[]]>([
    ["1st gen", [1], ["gcf-sources-123456789012-us-central1"]],
    ["2nd gen", [2], ["gcf-v2-sources-123456789012-us-central1"]],
    ["both", [2, 1, 2], ["gcf-sources-123456789012-us-central1", "gcf-v2-sources-123456789012-us-central1"]],
  ])(
    "%s: logWriter unconditioned, objectViewer on the objects of the staging buckets only",
    (_label, gens, buckets) => {
      expect(buildProjectGrants(gens, "123456789012", "us-central1")).toEqual([
        { role: "roles/logging.logWriter" },
        {
          role: "roles/storage.objectViewer",
          condition: {
            title: "callgraph build sources",
            description: `Objects of ${buckets.join(", ")}, where Cloud Functions stages the sources it builds (managed by callgraph).`,
            expression:
              'resource.type == "storage.googleapis.com/Object" && (' +
              buckets
                .map((b) => `resource.name.startsWith("projects/_/buckets/${b}/objects/")`)
                .join(" || ") +
              ")",
          },
        },
      ]);
    },
  );

  test("the staging buckets are Cloud Functions' own names per generation (terraform-provider-google #18956, #20571)", () => {
    expect(stagingBucket(1, "653407317329", "us-central1")).toBe("gcf-sources-653407317329-us-central1");
    expect(stagingBucket(2, "594424405950", "us-central1")).toBe("gcf-v2-sources-594424405950-us-central1");
  });

  test("a condition needs at least one bucket", () => {
    expect(() => stagingReadCondition([])).toThrow("needs at least one bucket");
  });
});

describe("reading a staging condition back", () => {
  const bucket = fc.record<StagingBucket>({
    generation: fc.constantFrom(1 as const, 2 as const),
    projectNumber: fc.stringMatching(/^[1-9][0-9]{5,12}$/),
    region: fc.constantFrom(
      "us-central1",
      "europe-west1",
      "northamerica-northeast2",
      "me-central2",
      "asia-south1",
    ),
  });

  test("every condition the component writes reads back as exactly its buckets", () => {
    fc.assert(
      fc.property(fc.array(bucket, { minLength: 1, maxLength: 4 }), (buckets) => {
        const read = stagingBucketsOf(stagingReadCondition(buckets).expression);
        const key = (b: StagingBucket) => stagingBucket(b.generation, b.projectNumber, b.region);
        expect(read?.map(key).sort()).toEqual([...new Set(buckets.map(key))].sort());
      }),
      { numRuns: 200 },
    );
  });

  test.each([
    [
      "Google's own example, every bucket with the prefix",
      'resource.type == "storage.googleapis.com/Object" && (resource.name.startsWith("projects/_/buckets/gcf-v2-sources-"))',
    ],
    [
      "no object-type guard",
      'resource.name.startsWith("projects/_/buckets/gcf-sources-1-us-central1/objects/")',
    ],
    [
      "a bucket-level prefix that also matches longer bucket names",
      'resource.type == "storage.googleapis.com/Object" && (resource.name.startsWith("projects/_/buckets/gcf-sources-1-us-central1"))',
    ],
    [
      "another bucket beside the staging one",
      'resource.type == "storage.googleapis.com/Object" && (resource.name.startsWith("projects/_/buckets/gcf-sources-1-us-central1/objects/") || resource.name.startsWith("projects/_/buckets/payroll/objects/"))',
    ],
    [
      "a widening clause",
      'resource.type == "storage.googleapis.com/Object" && (resource.name.startsWith("projects/_/buckets/gcf-sources-1-us-central1/objects/")) || true',
    ],
    ["an empty expression", ""],
  ])("refuses %s: anything but the one form opens more than the build needs", (_label, expression) => {
    expect(stagingBucketsOf(expression)).toBeUndefined();
  });
});
