export { evaluate, EvaluationError, type EvaluateOptions } from "./evaluate";
export { effectiveGraph } from "./effective-graph";
export { fromEngine } from "./from-engine";
export { INVOKING_ROLES, isInvokingRole, TYPES } from "./resource-types";
export { readStackConfig, type StackConfig } from "./stack-config";
export * from "./types";
export {
  callSitesOf,
  callSiteFindings,
  CallSitesRecordError,
  edgeCallSites,
  SERVICE_FUNCTION_TYPE,
  type RecordedFunctionCallSites,
} from "./call-sites";
export { calleeTypesOf, SharedSourceError, staleCalleeTypesIn, writeCalleeTypes } from "./callee-types";
