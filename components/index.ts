export { buildArchives, buildEveryArchive } from "./archives";
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
  SOURCE_APIS,
  type CallGraphArgs,
  type SourceCaller,
} from "./call-graph";
export { type CallerSourceArgs, type SourceCallee } from "./caller-source";
export { EventarcCaller, type EventarcCallerArgs } from "./eventarc-caller";
export { PushCaller, type PushCallerArgs } from "./push-caller";
export { QueueCaller, type QueueCallerArgs } from "./queue-caller";
export { SchedulerCaller, type SchedulerCallerArgs } from "./scheduler-caller";
export { WorkflowCaller, type WorkflowCallerArgs } from "./workflow-caller";
export { workflowDocuments } from "./workflow-documents";
export {
  ArchiveError,
  buildFunctionArchive,
  type FunctionArchive,
  type FunctionArchiveOptions,
} from "./function-archive";
export { ServiceFunction, type ServiceFunctionArgs } from "./service-function";
export { MIN_PULUMI_CLI_VERSION, requireCliVersion, type RequirePulumiVersion } from "./cli-version";
// The topology parser and its errors, as a program that parses a declaration itself (CallGraph's `topology`) uses them.
export {
  checkStackDeclaration,
  checkTopology,
  parseStackDeclaration,
  parseTopology,
  TopologyError,
  type FunctionSpec,
  type ParseOptions,
  type Topology,
  type TopologyIssue,
} from "../topology";
