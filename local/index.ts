export { bundleInputs } from "./bundle-inputs";
export {
  deliver,
  deliveryOf,
  NotDelivered,
  type Delivery,
  type DeliveryInput,
  type DeliveryTarget,
} from "./deliveries";
export { declaredSample, declaredSourceFolders } from "./declared-sample";
export { demoMember, localConfig, localPrincipals } from "./demo-principals";
export { startDevLoop, type DevLoop, type DevLoopOptions } from "./dev-loop";
export { coverageLines, coverageSummary, EdgeCoverage, type EdgeCount } from "./edge-coverage";
export {
  FRONT_END_HEADER,
  LOCAL_FRONT_END_KEY_ENV,
  startFrontEnd,
  type FrontEnd,
  type FrontEndOptions,
  type SeenRequest,
} from "./front-end";
export {
  FunctionProcess,
  killFunctionProcesses,
  type FunctionProcessOptions,
  type LogSource,
} from "./function-process";
export { identityEmail, isInvoker, mintableMembers } from "./iam-members";
export {
  localFunctionSecrets,
  LocalSecretsError,
  localSecretsFile,
  readLocalSecrets,
  type LocalFunctionSecrets,
  type MissingSecret,
} from "./local-secrets";
export {
  callFunction,
  callTimeoutMs,
  DEFAULT_CALL_TIMEOUT_MS,
  FRONT_END_ANSWER_HEADER,
  fetchIdTokenFrom,
  tokenHeadersFor,
  type CallOptions,
  type FunctionRequest,
  type FunctionResponse,
} from "./metadata-client";
export {
  planScenario,
  readSamples,
  runScenario,
  type Check,
  type CheckResult,
  type Expectation,
} from "./scenario";
export { formatRequest, isNotable, PROBE_HEADER, type Decision, type RequestRecord } from "./request-log";
export { createRunFolder, type RunFolder } from "./run-folder";
export {
  nextRun,
  REAL_CLOCK,
  ScheduleError,
  scheduledJobs,
  startSchedules,
  type RunningSchedules,
  type ScheduleClock,
  type ScheduledJob,
  type ScheduleOptions,
} from "./schedules";
export { readSample, SampleError, type Sample } from "./samples";
export {
  acquireServingLock,
  isAlive,
  lockHolder,
  processStart,
  readLock,
  servingPaths,
  StackAlreadyServing,
  type LockRecord,
  type ServingLock,
} from "./serving-lock";
export {
  startLocalStack,
  type LocalFunction,
  type LocalSource,
  type LocalStack,
  type LocalStackDescription,
  type LocalStackOptions,
} from "./stack";
export {
  GOOGLE_ISSUER,
  startTokenService,
  type TokenService,
  type TokenServiceOptions,
} from "./token-service";
