export { evaluate, type EvaluateOptions } from "./evaluate";
export { EvaluationError } from "./evaluation-error";
export { eachWarningOnce } from "./warnings-once";
export { effectiveGraph } from "./effective-graph";
export { functionSettings } from "./function-settings";
export { SECRET_IAM_TYPES, SECRET_READING_ROLES, secretGrants } from "./secret-grants";
export { propagationWaits, type PropagationWait } from "./propagation-waits";
export { fromEngine } from "./from-engine";
export { INVOKING_ROLES, isInvokingRole, TYPES } from "./resource-types";
export { readStackConfig, type StackConfig } from "./stack-config";
/** The stack-config key of the named principals, for the local stack's demo identities. */
export { PRINCIPALS_KEY } from "../topology";
export { sourceKindWords } from "../iam/source-kinds";
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
