/**
 * The call-graph model: parse and validate the declaration, derive names, URLs, grants and environments.
 * Pure TypeScript with no Pulumi in it, so every rule is tested without mocks.
 */
export { functionEnvironment, ENV } from "./environment";
export { TopologyError, type TopologyIssue } from "./errors";
export { callersOf, edges, functionUrls, getFunction, invokerMembers, isPublic } from "./graph";
export { isPublicMember, memberProblem, PUBLIC_MEMBERS } from "./members";
export type { Edge, FunctionSpec, Topology } from "./model";
export {
  FUNCTION_NAME_PATTERN,
  functionUrl,
  serviceAccountEmail,
  serviceAccountId,
  serviceAccountMember,
  SERVICE_ACCOUNT_ID_PATTERN,
  type GcpTarget,
} from "./names";
export { CONFIG_KEY, parseTopology, type ParseOptions } from "./parse";
export { DEFAULTS, INGRESS_SETTINGS, MEMORY_SIZES_MB, type Ingress } from "./schema";
