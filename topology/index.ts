/**
 * The call-graph model: parse and validate the declaration, derive names, URLs, grants and environments.
 * Pure TypeScript with no Pulumi in it, so every rule is tested without mocks.
 */
export {
  BUILD_ROLES,
  buildProjectGrants,
  stagingBucket,
  stagingReadCondition,
  type BuildProjectGrant,
} from "./build-grants";
export {
  functionEnvironment,
  ENV,
  PLATFORM_VERIFIES_TOKENS_ENV,
  QUEUES_ENV,
  SOURCES_ENV,
} from "./environment";
export { CALLERS_KEY, parseCallers, type CallerContext, type WorkflowDocument } from "./callers";
export { CALLER_HTTP_METHODS, CALLER_KINDS, type CallerHttpMethod, type CallerKind } from "./caller-schema";
export { workflowHttpSteps, workflowUrlVariable, type WorkflowHttpStep } from "./workflow-steps";
export { formatPath, TopologyError, type TopologyIssue } from "./errors";
export { CALLGRAPH_CONFIG_KEYS, deploymentTargetIssues, unknownStackKeys } from "./stack-settings";
export {
  callersOf,
  edges,
  functionUrls,
  getFunction,
  hasSecondGen,
  invokerMembers,
  isPublic,
  sourcesOf,
  urlOf,
} from "./graph";
export { isPublicMember, memberProblem, PUBLIC_MEMBERS } from "./members";
export type {
  CallerSpec,
  Edge,
  EventarcCallerSpec,
  FunctionSpec,
  PushCallerSpec,
  QueueCallerSpec,
  SchedulerCallerSpec,
  SecretSpec,
  Topology,
  WorkflowCallerSpec,
} from "./model";
export {
  callerAccountEmail,
  callerAccountId,
  callerAccountMember,
  FUNCTION_NAME_PATTERN,
  functionUrl,
  serviceAccountEmail,
  serviceAccountId,
  serviceAccountMember,
  SERVICE_ACCOUNT_ID_PATTERN,
  BUILD_SERVICE_ACCOUNT_ID,
  buildServiceAccountEmail,
  type GcpTarget,
} from "./names";
export { checkTopology, CONFIG_KEY, parseTopology, type ParseOptions } from "./parse";
export {
  isPrincipalReference,
  parsePrincipals,
  principalWarnings,
  principalsInCode,
  PRINCIPALS_KEY,
  unsetPrincipals,
  type Principals,
} from "./principals";
export {
  checkStackDeclaration,
  DECLARATION_CONFIG_KEYS,
  keysOfDeclarationInCode,
  parseStackDeclaration,
  type DeclarationInCode,
  type StackDeclarationOptions,
} from "./stack-declaration";
export {
  sourceFolderChecks,
  sourcePathProblem,
  type SourceFileSystem,
  type SourceFolderChecks,
} from "./source-folders";
export {
  acceptedRuntimes,
  DEFAULT_RUNTIME,
  esbuildTarget,
  NODE_RUNTIMES,
  runtimeDeprecation,
  runtimeProblem,
  runtimeWarnings,
  type RuntimeSupport,
} from "./runtimes";
export {
  DEFAULTS,
  GENERATIONS,
  INGRESS_SETTINGS,
  MAX_CONCURRENCY,
  MEMORY_SIZES_MB,
  VPC_CONNECTOR_EGRESS_SETTINGS,
  type Generation,
  type Ingress,
  type VpcConnectorEgress,
} from "./schema";
export {
  distinctSecrets,
  hasSecrets,
  LATEST,
  mountOf,
  parseSecretName,
  SECRET_ACCESSOR_ROLE,
  SECRET_MANAGER_API,
  secretResourceName,
} from "./secrets";
export {
  connectorName,
  connectorRegionProblem,
  environmentNameProblem,
  MANAGED_LABEL,
  parseConnector,
  PROGRAM_ENV_PREFIX,
} from "./settings";
// The roles and service agents of the callers that are not functions, as the IAM model names them.
export { SOURCE_ROLES } from "../iam/roles";
export { serviceAgentEmail } from "../iam/service-agents";
export { sourceKindTitle } from "../iam/source-kinds";
