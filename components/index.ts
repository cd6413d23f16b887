export { buildArchives } from "./archives";
export { checkCallSites, type CheckedCallSites, type RecordedCallSites } from "./call-sites";
export { type CallGraphDeclaration, type CallGraphInputs } from "./call-graph-inputs";
export {
  BUILD_ROLES,
  CallGraph,
  IMAGE_REPOSITORY_ID,
  INVOKER_ROLE,
  REQUIRED_APIS,
  RUN_INVOKER_ROLE,
  SECOND_GEN_APIS,
  type CallGraphArgs,
} from "./call-graph";
export {
  ArchiveError,
  buildFunctionArchive,
  type FunctionArchive,
  type FunctionArchiveOptions,
} from "./function-archive";
export { ServiceFunction, type ServiceFunctionArgs } from "./service-function";
export { MIN_PULUMI_CLI_VERSION, requireCliVersion, type RequirePulumiVersion } from "./cli-version";
