import { booleanAt, GCP, isUnknown, stringAt } from "../../iam";
import { undecided, violation, type Finding } from "../model";
import { resourceRule } from "../rule";
import { describeResource, listed } from "../values";

export interface StorageBucketPrivateConfig {
  readonly exemptBuckets: readonly string[];
}

/**
 * Invariant 8: the bucket holding function archives is private. The rule covers every bucket of the call graph
 * (with scope "stack": of the stack) rather than guessing which ones hold archives (a bucket's name is often
 * unknown before deployment, and a bucket added later may start holding them): a bucket that must be public is
 * exempted by name.
 * Uniform access turns off object ACLs; public access prevention makes GCP refuse any public grant.
 * https://cloud.google.com/storage/docs/uniform-bucket-level-access, https://cloud.google.com/storage/docs/public-access-prevention
 */
export const storageBucketPrivate = resourceRule<StorageBucketPrivateConfig>({
  name: "storage-bucket-private",
  description:
    'Every Cloud Storage bucket has uniform bucket-level access and public access prevention "enforced".',
  remediation: 'Set uniformBucketLevelAccess: true and publicAccessPrevention: "enforced" on the bucket.',
  fields: {
    exemptBuckets: {
      type: "string-list",
      default: [],
      description:
        "Buckets (bucket or logical names) that may be public; never one that holds function archives.",
    },
  },
  types: [GCP.bucket],
  check(resource, config): Finding[] {
    const name = stringAt(resource.props, "name");
    if (listed(config.exemptBuckets, typeof name === "string" ? name : undefined, resource.name)) return [];
    const subject = describeResource(resource);
    const uniform = booleanAt(resource.props, "uniformBucketLevelAccess");
    const prevention = stringAt(resource.props, "publicAccessPrevention");
    const problems: string[] = [];
    const findings: Finding[] = [];
    if (isUnknown(uniform))
      findings.push(
        undecided(
          resource.urn,
          `${subject}: uniform bucket-level access is not known until deployment`,
          uniform,
        ),
      );
    else if (uniform !== true)
      problems.push("uniform bucket-level access is off, so object ACLs can make single objects public");
    if (isUnknown(prevention))
      findings.push(
        undecided(
          resource.urn,
          `${subject}: public access prevention is not known until deployment`,
          prevention,
        ),
      );
    else if (prevention !== "enforced") {
      problems.push(
        `public access prevention is "${prevention ?? "inherited"}", not "enforced", so one grant to allUsers would publish every object`,
      );
    }
    if (problems.length > 0) {
      findings.push(
        violation(
          resource.urn,
          `${subject}: ${problems.join("; ")}. Function archives are code and must be readable only by the deployer and GCP.`,
          'set uniformBucketLevelAccess: true and publicAccessPrevention: "enforced"; a bucket that must be public (and holds no function archives) can be listed in exemptBuckets.',
        ),
      );
    }
    return findings;
  },
});
