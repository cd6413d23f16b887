import type { DeclaredDeployment, DeclaredResource } from "./declared";

/** What the deployer needs to create and update resources of one type, and where that is documented. */
export interface TypePermissions {
  readonly permissions: readonly string[];
  readonly source: string;
}

const FUNCTIONS_PERMISSIONS = "https://cloud.google.com/functions/docs/reference/iam/permissions";
// The deployer must be able to act as the function's runtime account and as its build account:
// https://cloud.google.com/functions/docs/securing/function-identity#runtime_service_account and
// https://cloud.google.com/functions/docs/securing/build-custom-sa ("iam.serviceAccounts.actAs").
const FUNCTION: TypePermissions = {
  permissions: [
    "cloudfunctions.functions.create",
    "cloudfunctions.functions.get",
    "cloudfunctions.functions.update",
    "cloudfunctions.operations.get",
    "iam.serviceAccounts.actAs",
  ],
  source: `${FUNCTIONS_PERMISSIONS}; https://cloud.google.com/functions/docs/securing/function-identity`,
};
const FUNCTION_IAM: TypePermissions = {
  permissions: ["cloudfunctions.functions.getIamPolicy", "cloudfunctions.functions.setIamPolicy"],
  source: FUNCTIONS_PERMISSIONS,
};
const RUN_SERVICE_IAM: TypePermissions = {
  permissions: ["run.services.getIamPolicy", "run.services.setIamPolicy"],
  source: "https://cloud.google.com/run/docs/reference/iam/permissions",
};
const PROJECT_IAM: TypePermissions = {
  permissions: ["resourcemanager.projects.getIamPolicy", "resourcemanager.projects.setIamPolicy"],
  source: "https://cloud.google.com/resource-manager/docs/access-control-proj#permissions",
};
const BUCKET_IAM: TypePermissions = {
  permissions: ["storage.buckets.getIamPolicy", "storage.buckets.setIamPolicy"],
  source: "https://cloud.google.com/storage/docs/access-control/iam-permissions",
};
const SERVICE_ACCOUNT_IAM: TypePermissions = {
  permissions: ["iam.serviceAccounts.getIamPolicy", "iam.serviceAccounts.setIamPolicy"],
  source: "https://cloud.google.com/iam/docs/service-accounts-actas#permissions",
};
const REPOSITORY_IAM: TypePermissions = {
  permissions: ["artifactregistry.repositories.getIamPolicy", "artifactregistry.repositories.setIamPolicy"],
  source: "https://cloud.google.com/artifact-registry/docs/access-control#permissions",
};

// A source's token is minted for an account the deployer names: each product asks for actAs on it.
const SCHEDULER_JOB: TypePermissions = {
  permissions: [
    "cloudscheduler.jobs.create",
    "cloudscheduler.jobs.get",
    "cloudscheduler.jobs.update",
    "iam.serviceAccounts.actAs",
  ],
  source:
    "https://cloud.google.com/scheduler/docs/access-control; https://cloud.google.com/scheduler/docs/http-target-auth",
};
const PUSH_SUBSCRIPTION: TypePermissions = {
  permissions: [
    "pubsub.subscriptions.create",
    "pubsub.subscriptions.get",
    "pubsub.subscriptions.update",
    "pubsub.topics.attachSubscription",
    "iam.serviceAccounts.actAs",
  ],
  source:
    "https://cloud.google.com/pubsub/docs/access-control; https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions",
};
const QUEUE: TypePermissions = {
  permissions: [
    "cloudtasks.queues.create",
    "cloudtasks.queues.get",
    "cloudtasks.queues.update",
    "iam.serviceAccounts.actAs",
  ],
  source:
    "https://cloud.google.com/tasks/docs/reference-access-control; https://cloud.google.com/tasks/docs/reference/rest/v2/OidcToken",
};
const QUEUE_IAM: TypePermissions = {
  permissions: ["cloudtasks.queues.getIamPolicy", "cloudtasks.queues.setIamPolicy"],
  source: "https://cloud.google.com/tasks/docs/reference-access-control",
};
const WORKFLOW: TypePermissions = {
  permissions: [
    "workflows.workflows.create",
    "workflows.workflows.get",
    "workflows.workflows.update",
    "iam.serviceAccounts.actAs",
  ],
  source: "https://cloud.google.com/workflows/docs/access-control",
};
const TRIGGER: TypePermissions = {
  permissions: [
    "eventarc.triggers.create",
    "eventarc.triggers.get",
    "eventarc.triggers.update",
    "iam.serviceAccounts.actAs",
  ],
  source: "https://cloud.google.com/eventarc/docs/access-control",
};

/** Where each source type names the account its tokens are minted for: what the deployer must act as. */
const SOURCE_ACCOUNTS: Readonly<Record<string, readonly string[]>> = {
  "gcp:cloudscheduler/job:Job": ["httpTarget", "oidcToken", "serviceAccountEmail"],
  "gcp:pubsub/subscription:Subscription": ["pushConfig", "oidcToken", "serviceAccountEmail"],
  "gcp:cloudtasks/queue:Queue": ["httpTarget", "oidcToken", "serviceAccountEmail"],
  "gcp:workflows/workflow:Workflow": ["serviceAccount"],
  "gcp:eventarc/trigger:Trigger": ["serviceAccount"],
};

/**
 * Type token (as @pulumi/gcp spells it) -> the permissions to create, read and update a resource of that type.
 * Permissions to delete are left out: preflight guards a deploy, not a teardown. Every token the program
 * registers must be here; one that is not is reported, so a new resource type cannot slip past the check.
 */
export const DEPLOY_PERMISSIONS: Readonly<Record<string, TypePermissions>> = {
  // The provider enables APIs through Service Usage and reads the project through Resource Manager first
  // (terraform-provider-google #6101, #11435).
  "gcp:projects/service:Service": {
    permissions: [
      "serviceusage.services.enable",
      "serviceusage.services.get",
      "resourcemanager.projects.get",
    ],
    source: "https://cloud.google.com/service-usage/docs/access-control#permissions",
  },
  "gcp:serviceaccount/account:Account": {
    permissions: ["iam.serviceAccounts.create", "iam.serviceAccounts.get", "iam.serviceAccounts.update"],
    source: "https://cloud.google.com/iam/docs/service-accounts-create#permissions",
  },
  "gcp:storage/bucket:Bucket": {
    permissions: ["storage.buckets.create", "storage.buckets.get", "storage.buckets.update"],
    source: "https://cloud.google.com/storage/docs/access-control/iam-permissions",
  },
  // Archives are content-addressed: new code is a new object, and the old one is deleted.
  "gcp:storage/bucketObject:BucketObject": {
    permissions: ["storage.objects.create", "storage.objects.get", "storage.objects.delete"],
    source: "https://cloud.google.com/storage/docs/access-control/iam-permissions",
  },
  "gcp:artifactregistry/repository:Repository": {
    permissions: [
      "artifactregistry.repositories.create",
      "artifactregistry.repositories.get",
      "artifactregistry.repositories.update",
    ],
    source: "https://cloud.google.com/artifact-registry/docs/access-control#permissions",
  },
  "gcp:cloudfunctions/function:Function": FUNCTION,
  "gcp:cloudfunctionsv2/function:Function": FUNCTION,
  "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding": FUNCTION_IAM,
  "gcp:cloudfunctions/functionIamMember:FunctionIamMember": FUNCTION_IAM,
  "gcp:cloudfunctions/functionIamPolicy:FunctionIamPolicy": FUNCTION_IAM,
  "gcp:cloudfunctionsv2/functionIamBinding:FunctionIamBinding": FUNCTION_IAM,
  "gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember": FUNCTION_IAM,
  "gcp:cloudfunctionsv2/functionIamPolicy:FunctionIamPolicy": FUNCTION_IAM,
  // A 2nd-gen function is invoked through its Cloud Run service (terraform-provider-google #21674).
  "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding": RUN_SERVICE_IAM,
  "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": RUN_SERVICE_IAM,
  "gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy": RUN_SERVICE_IAM,
  "gcp:cloudrun/iamBinding:IamBinding": RUN_SERVICE_IAM,
  "gcp:cloudrun/iamMember:IamMember": RUN_SERVICE_IAM,
  "gcp:cloudrun/iamPolicy:IamPolicy": RUN_SERVICE_IAM,
  "gcp:projects/iAMBinding:IAMBinding": PROJECT_IAM,
  "gcp:projects/iAMMember:IAMMember": PROJECT_IAM,
  "gcp:projects/iAMPolicy:IAMPolicy": PROJECT_IAM,
  "gcp:storage/bucketIAMBinding:BucketIAMBinding": BUCKET_IAM,
  "gcp:storage/bucketIAMMember:BucketIAMMember": BUCKET_IAM,
  "gcp:storage/bucketIAMPolicy:BucketIAMPolicy": BUCKET_IAM,
  "gcp:serviceaccount/iAMBinding:IAMBinding": SERVICE_ACCOUNT_IAM,
  "gcp:serviceaccount/iAMMember:IAMMember": SERVICE_ACCOUNT_IAM,
  "gcp:serviceaccount/iAMPolicy:IAMPolicy": SERVICE_ACCOUNT_IAM,
  "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding": REPOSITORY_IAM,
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": REPOSITORY_IAM,
  "gcp:artifactregistry/repositoryIamPolicy:RepositoryIamPolicy": REPOSITORY_IAM,
  // `@pulumiverse/time`'s Sleep waits on the deployer's machine (the program's waits for IAM propagation): it
  // calls no Google API. https://www.pulumi.com/registry/packages/time/api-docs/sleep/
  "gcp:cloudscheduler/job:Job": SCHEDULER_JOB,
  "gcp:pubsub/topic:Topic": {
    permissions: ["pubsub.topics.create", "pubsub.topics.get", "pubsub.topics.update"],
    source: "https://cloud.google.com/pubsub/docs/access-control",
  },
  "gcp:pubsub/subscription:Subscription": PUSH_SUBSCRIPTION,
  "gcp:cloudtasks/queue:Queue": QUEUE,
  "gcp:cloudtasks/queueIamBinding:QueueIamBinding": QUEUE_IAM,
  "gcp:cloudtasks/queueIamMember:QueueIamMember": QUEUE_IAM,
  "gcp:cloudtasks/queueIamPolicy:QueueIamPolicy": QUEUE_IAM,
  "gcp:workflows/workflow:Workflow": WORKFLOW,
  "gcp:eventarc/trigger:Trigger": TRIGGER,
  "time:index/sleep:Sleep": {
    permissions: [],
    source: "https://www.pulumi.com/registry/packages/time/api-docs/sleep/",
  },
};

/** One permission the deploy needs, with the resources that need it. */
export interface RequiredPermission {
  readonly permission: string;
  /** E.g. `gcp:storage/bucket:Bucket callgraph-source`, or for actAs `run login as fn-login@…`. */
  readonly neededFor: readonly string[];
  readonly source: string;
}

export interface RequiredPermissions {
  /** Sorted by permission. */
  readonly permissions: readonly RequiredPermission[];
  /** Registered types the table does not know, with their resources: not checked, and reported. */
  readonly unknownTypes: readonly { readonly type: string; readonly resources: readonly string[] }[];
}

/**
 * The permissions the deployer needs for everything the program registers, derived from the resources'
 * types through {@link DEPLOY_PERMISSIONS} (not a hand-kept list of the example's resources).
 */
export function requiredPermissions(
  deployment: Pick<DeclaredDeployment, "resources" | "functions">,
): RequiredPermissions {
  const needs = new Map<string, { neededFor: string[]; source: string }>();
  const unknown = new Map<string, string[]>();
  const add = (permission: string, why: string, source: string) => {
    const entry = needs.get(permission) ?? { neededFor: [], source };
    if (!entry.neededFor.includes(why)) entry.neededFor.push(why);
    needs.set(permission, entry);
  };
  for (const r of deployment.resources) {
    const known = DEPLOY_PERMISSIONS[r.type];
    if (!known) {
      unknown.set(r.type, [...(unknown.get(r.type) ?? []), r.name]);
      continue;
    }
    for (const permission of known.permissions) {
      if (permission !== "iam.serviceAccounts.actAs") add(permission, describe(r), known.source);
    }
    const account = accountOf(r);
    if (account) add("iam.serviceAccounts.actAs", `call from ${r.name} as ${account}`, known.source);
  }
  // actAs names the accounts acted as: that is what the user grants it on.
  for (const f of deployment.functions) {
    const source =
      DEPLOY_PERMISSIONS[
        f.generation === 2 ? "gcp:cloudfunctionsv2/function:Function" : "gcp:cloudfunctions/function:Function"
      ]!.source;
    if (f.serviceAccount) add("iam.serviceAccounts.actAs", `run ${f.name} as ${f.serviceAccount}`, source);
    if (f.buildServiceAccount)
      add("iam.serviceAccounts.actAs", `build ${f.name} as ${f.buildServiceAccount}`, source);
  }
  return {
    permissions: [...needs]
      .map(([permission, e]) => ({ permission, neededFor: e.neededFor, source: e.source }))
      .sort((a, b) => a.permission.localeCompare(b.permission)),
    unknownTypes: [...unknown]
      .map(([type, resources]) => ({ type, resources }))
      .sort((a, b) => a.type.localeCompare(b.type)),
  };
}

/** The account a source's tokens are minted for, from its inputs; undefined for any other resource. */
function accountOf(r: DeclaredResource): string | undefined {
  const path = SOURCE_ACCOUNTS[r.type];
  if (!path) return undefined;
  let value: unknown = r.inputs;
  for (const key of path)
    value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" && value.includes("@") ? value : undefined;
}

function describe(r: DeclaredResource): string {
  return `${r.type} ${r.name}`;
}
