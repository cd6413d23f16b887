import { GCP, INVOKING_ROLES } from "../iam";

/**
 * Type tokens the engine and its users look resources up by. GCP's come from the policy pack's list, the one
 * place they are spelled out.
 */
export const TYPES = {
  function: GCP.functionV1,
  functionV2: GCP.functionV2,
  functionIamBinding: GCP.functionV1IamBinding,
  functionIamMember: GCP.functionV1IamMember,
  functionIamPolicy: GCP.functionV1IamPolicy,
  runServiceIamBinding: GCP.runServiceIamBinding,
  projectIamBinding: GCP.projectIamBinding,
  projectIamMember: GCP.projectIamMember,
  projectIamPolicy: GCP.projectIamPolicy,
  serviceAccountKey: GCP.serviceAccountKey,
  bucket: GCP.bucket,
  bucketIamMember: GCP.bucketIamMember,
  artifactRepository: "gcp:artifactregistry/repository:Repository",
  artifactRepositoryIamMember: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
  serviceAccount: "gcp:serviceaccount/account:Account",
  bucketObject: "gcp:storage/bucketObject:BucketObject",
  projectService: "gcp:projects/service:Service",
  /** `@pulumiverse/time`'s Sleep: the waits for IAM and API propagation (`components/call-graph.ts`). */
  sleep: "time:index/sleep:Sleep",
  schedulerJob: "gcp:cloudscheduler/job:Job",
  pubsubTopic: "gcp:pubsub/topic:Topic",
  pubsubSubscription: "gcp:pubsub/subscription:Subscription",
  tasksQueue: "gcp:cloudtasks/queue:Queue",
  workflow: "gcp:workflows/workflow:Workflow",
  eventarcTrigger: "gcp:eventarc/trigger:Trigger",
  serviceAccountIamMember: GCP.serviceAccountIamMember,
  queueIamMember: GCP.queueIamMember,
  callGraph: "callgraph:index:CallGraph",
  serviceFunction: "callgraph:index:ServiceFunction",
} as const;

export { INVOKING_ROLES };

/** Whether `role` lets its members invoke functions (the invoker roles and the broader ones containing it). */
export function isInvokingRole(role: string): boolean {
  return INVOKING_ROLES.includes(role);
}
