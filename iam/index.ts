/**
 * What an IAM binding, member or policy means, for every source: the resources a Pulumi program registers (the
 * engine), the props the Pulumi CLI sends a policy pack (CrossGuard) and the policies the live project returns.
 * Pure and dependency-free (function code bundles parts of it), and it imports nothing else of the project.
 */
export {
  BUILD_ROLES,
  buildProjectGrants,
  STAGING_READ_TITLE,
  stagingBucket,
  stagingBucketsOf,
  stagingReadCondition,
  type BuildProjectGrant,
  type StagingBucket,
} from "./build-grants";
export { conditionOf, type IamCondition } from "./condition";
export { isDefaultAccount, isDefaultBuildAccount } from "./default-accounts";
export {
  grantsOf,
  grantsOfPolicy,
  iamTypes,
  INHERITED_SCOPES,
  isInheritedScope,
  isInvokingScope,
  type Grant,
  type GrantScope,
  type PolicyTarget,
} from "./grants";
export { meaningOf, type GrantMeaning } from "./meaning";
export {
  isPublicMember,
  isServiceAccountEmail,
  normalizeMember,
  PUBLIC_MEMBERS,
  serviceAccountOf,
} from "./members";
export {
  checkClaims,
  claimsOf,
  CLOCK_SKEW_SECONDS,
  decodeClaims,
  GCLOUD_USER_AUDIENCES,
  GOOGLE_TOKEN_ISSUERS,
  MAX_TOKEN_LIFETIME_SECONDS,
  platformCheckedCopy,
  presentedToken,
  SERVERLESS_AUTHORIZATION,
  SIGNATURE_REMOVED,
  tokenHeadersOf,
  withoutSignature,
  type ClaimRules,
  type PresentedToken,
  type TokenCaller,
  type TokenCopy,
  type TokenHeader,
  type TokenHeaders,
} from "./id-token";
export { bindingsOf, bindingsOfJson, type PolicyBinding } from "./policy-document";
export { possessive } from "./possessive";
export { booleanAt, lastSegment, stringAt, stringListAt, valueAt } from "./props";
export { GCP, type GcpType } from "./resource-types";
export {
  IMPERSONATING_ROLES,
  INVOKER_ROLES,
  INVOKING_ROLES,
  isImpersonatingRole,
  isInvokerRole,
  isInvokingRole,
  SOURCE_ROLES,
} from "./roles";
export type { Props, StackResource } from "./stack-resource";
export { isUnknown, Unknown, type Maybe } from "./unknown";
export {
  SOURCE_KINDS,
  SOURCE_KIND_WORDS,
  sourceKindTitle,
  sourceKindWords,
  type SourceKind,
} from "./source-kinds";
export {
  SERVICE_AGENT_APIS,
  SERVICE_AGENT_DOMAINS,
  SERVICE_AGENT_ROLES,
  serviceAgentEmail,
  serviceAgentProduct,
  type ServiceAgentProduct,
} from "./service-agents";
