import {
  GCP,
  grantsOf,
  iamTypes,
  isPublicMember,
  isUnknown,
  lastSegment,
  type StackResource,
  stringAt,
  stringListAt,
} from "../../iam";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource, listed } from "../values";

export interface StorageBucketNoPublicAccessConfig {
  readonly exemptBuckets: readonly string[];
}

/** Predefined ACLs that open objects to everyone (authenticatedRead: any Google account). */
const PUBLIC_ACLS = ["publicRead", "publicReadWrite", "authenticatedRead"];

/** ACL resources: which property holds what. https://cloud.google.com/storage/docs/access-control/lists */
const ACL_TYPES: readonly string[] = [
  GCP.bucketAcl,
  GCP.bucketAccessControl,
  GCP.defaultObjectAcl,
  GCP.defaultObjectAccessControl,
  GCP.objectAcl,
  GCP.objectAccessControl,
];

const FIX =
  "remove it and grant access to the specific members that need it; a bucket that must be public (and holds no " +
  "function archives) can be listed in exemptBuckets.";

/** Entities an ACL resource gives access to, and predefined ACLs it applies. */
function aclFindings(resource: StackResource, subject: string, bucket: string): Finding[] {
  const findings: Finding[] = [];
  const entities: unknown[] = [];
  const entity = stringAt(resource.props, "entity");
  if (entity !== undefined) entities.push(entity);
  const roleEntities = stringListAt(resource.props, "roleEntities");
  if (isUnknown(roleEntities)) entities.push(roleEntities);
  else for (const re of roleEntities ?? []) entities.push(isUnknown(re) ? re : re.slice(re.indexOf(":") + 1));
  for (const e of entities) {
    if (isUnknown(e))
      findings.push(
        undecided(resource.urn, `${subject}: who it gives access to is not known until deployment`, e),
      );
    else if (typeof e === "string" && isPublicMember(e)) {
      findings.push(
        violation(
          resource.urn,
          `${subject} gives ${e} access to bucket ${bucket}: its objects become readable by anyone.`,
          FIX,
        ),
      );
    }
  }
  for (const key of ["predefinedAcl", "defaultAcl"]) {
    const acl = stringAt(resource.props, key);
    if (isUnknown(acl))
      findings.push(undecided(resource.urn, `${subject}: its ${key} is not known until deployment`, acl));
    else if (acl !== undefined && PUBLIC_ACLS.includes(acl)) {
      findings.push(
        violation(
          resource.urn,
          `${subject} applies the predefined ACL "${acl}" on bucket ${bucket}: its objects become readable by anyone.`,
          FIX,
        ),
      );
    }
  }
  return findings;
}

const TYPES: readonly string[] = [...iamTypes("bucket"), ...ACL_TYPES];

/**
 * No IAM grant or ACL makes a bucket's contents public. A stack rule, although it judges each grant alone: with
 * scope "call-graph" a grant on the call graph's bucket is caught wherever in the stack it is declared, and which
 * bucket that is only the rest of the stack says (policy/scope.ts).
 */
export const storageBucketNoPublicAccess = stackRule<StorageBucketNoPublicAccessConfig>({
  name: "storage-bucket-no-public-access",
  description:
    "No bucket IAM grant or ACL gives allUsers or allAuthenticatedUsers access to a Cloud Storage bucket or its objects.",
  remediation: "Grant bucket access to specific members only.",
  fields: {
    exemptBuckets: {
      type: "string-list",
      default: [],
      description: "Buckets (bucket names) that may be public; never one that holds function archives.",
    },
  },
  check(resources, config): Finding[] {
    return resources.filter((r) => TYPES.includes(r.type)).flatMap((r) => accessFindings(r, config));
  },
});

function accessFindings(resource: StackResource, config: StorageBucketNoPublicAccessConfig): Finding[] {
  const rawBucket = stringAt(resource.props, "bucket");
  const bucketName = typeof rawBucket === "string" ? lastSegment(rawBucket) : undefined;
  if (listed(config.exemptBuckets, bucketName)) return [];
  const bucket = bucketName ? `"${bucketName}"` : "(not known until deployment)";
  const subject = describeResource(resource);
  if (ACL_TYPES.includes(resource.type)) return aclFindings(resource, subject, bucket);
  const findings: Finding[] = [];
  for (const grant of grantsOf(resource)) {
    if (isUnknown(grant.member)) {
      findings.push(
        undecided(
          resource.urn,
          `${subject}: whether it grants to a public member is not known until deployment`,
          grant.member,
        ),
      );
    } else if (isPublicMember(grant.member)) {
      const role = isUnknown(grant.role) ? "a role not known until deployment" : grant.role;
      findings.push(
        violation(
          resource.urn,
          `${subject} grants ${role} on bucket ${bucket} to ${grant.member}: anyone on the internet gets that access to its objects.`,
          FIX,
        ),
      );
    }
  }
  return findings;
}
