export { evaluate, EvaluationError, type EvaluateOptions } from "./evaluate";
export { effectiveGraph } from "./effective-graph";
export { fromEngine } from "./from-engine";
export { INVOKING_ROLES, isInvokingRole, TYPES } from "./resource-types";
export { readStackConfig, type StackConfig } from "./stack-config";
export * from "./types";
