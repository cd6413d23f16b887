/**
 * Type tokens (from @pulumi/gcp's `__pulumiType`) of the GCP resources that grant access, hold credentials or
 * are what a grant opens: the one place they are spelled out. The engine looks resources up by them and the
 * policy pack registers each CrossGuard policy for exactly the classes with these tokens
 * (`policy/crossguard.ts`, pinned by `tests/policy/policies.test.ts`).
 */
export const GCP = {
  functionV1: "gcp:cloudfunctions/function:Function",
  functionV2: "gcp:cloudfunctionsv2/function:Function",

  functionV1IamBinding: "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding",
  functionV1IamMember: "gcp:cloudfunctions/functionIamMember:FunctionIamMember",
  functionV1IamPolicy: "gcp:cloudfunctions/functionIamPolicy:FunctionIamPolicy",
  functionV2IamBinding: "gcp:cloudfunctionsv2/functionIamBinding:FunctionIamBinding",
  functionV2IamMember: "gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember",
  functionV2IamPolicy: "gcp:cloudfunctionsv2/functionIamPolicy:FunctionIamPolicy",
  // A gen2 function is served by a Cloud Run service; `roles/run.invoker` on that service is what lets a
  // caller in (terraform-provider-google #21674). Both the v2 and the v1 Cloud Run IAM resources can grant it.
  runServiceIamBinding: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
  runServiceIamMember: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  runServiceIamPolicy: "gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy",
  runV1IamBinding: "gcp:cloudrun/iamBinding:IamBinding",
  runV1IamMember: "gcp:cloudrun/iamMember:IamMember",
  runV1IamPolicy: "gcp:cloudrun/iamPolicy:IamPolicy",

  projectIamBinding: "gcp:projects/iAMBinding:IAMBinding",
  projectIamMember: "gcp:projects/iAMMember:IAMMember",
  projectIamPolicy: "gcp:projects/iAMPolicy:IAMPolicy",
  folderIamBinding: "gcp:folder/iAMBinding:IAMBinding",
  folderIamMember: "gcp:folder/iAMMember:IAMMember",
  folderIamPolicy: "gcp:folder/iAMPolicy:IAMPolicy",
  organizationIamBinding: "gcp:organizations/iAMBinding:IAMBinding",
  organizationIamMember: "gcp:organizations/iAMMember:IAMMember",
  organizationIamPolicy: "gcp:organizations/iAMPolicy:IAMPolicy",

  // Grants on a service account itself: who may act as it (mint its tokens, run something as it).
  serviceAccountIamBinding: "gcp:serviceaccount/iAMBinding:IAMBinding",
  serviceAccountIamMember: "gcp:serviceaccount/iAMMember:IAMMember",
  serviceAccountIamPolicy: "gcp:serviceaccount/iAMPolicy:IAMPolicy",
  // Grants on a Cloud Tasks queue: who may add tasks to it.
  queueIamBinding: "gcp:cloudtasks/queueIamBinding:QueueIamBinding",
  queueIamMember: "gcp:cloudtasks/queueIamMember:QueueIamMember",
  queueIamPolicy: "gcp:cloudtasks/queueIamPolicy:QueueIamPolicy",

  serviceAccountKey: "gcp:serviceaccount/key:Key",
  hmacKey: "gcp:storage/hmacKey:HmacKey",

  bucket: "gcp:storage/bucket:Bucket",
  bucketIamBinding: "gcp:storage/bucketIAMBinding:BucketIAMBinding",
  bucketIamMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
  bucketIamPolicy: "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
  bucketAcl: "gcp:storage/bucketACL:BucketACL",
  bucketAccessControl: "gcp:storage/bucketAccessControl:BucketAccessControl",
  defaultObjectAcl: "gcp:storage/defaultObjectACL:DefaultObjectACL",
  defaultObjectAccessControl: "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
  objectAcl: "gcp:storage/objectACL:ObjectACL",
  objectAccessControl: "gcp:storage/objectAccessControl:ObjectAccessControl",
} as const;

export type GcpType = (typeof GCP)[keyof typeof GCP];
