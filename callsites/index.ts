export { BundleInputsError } from "./bundle-inputs";
export { ClientApiError, DEFAULT_CLIENT_API, type ClientApi } from "./client-api";
export { extractCallSites, type ExtractOptions, type FunctionSource } from "./extract";
export {
  compareCallSites,
  edgeUses,
  formatFinding,
  type CallSiteEvidence,
  type CallSiteFinding,
  type CallSiteFindingKind,
  type EdgeUse,
} from "./findings";
export {
  CALLEE_TYPES_FILE,
  commonCallees,
  renderCalleeTypes,
  staleCalleeTypes,
  type CalleeTypesFunction,
  type StaleCalleeTypes,
} from "./callee-types";
export { siteLocation, type CallSite, type CallSiteReport, type DynamicCallSite } from "./report";
