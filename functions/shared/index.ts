export { ADMISSION, bodyRefusal, checkHead, tooLarge, type Admission, type RequestHead } from "./admission";
export { backoffDelay, DEFAULT_BACKOFF, retryAfterDelay, type BackoffPolicy } from "./backoff";
export {
  DownstreamClient,
  LOOP_DETECTED,
  type CallRequest,
  type CallResponse,
  type DownstreamClientOptions,
  type HttpMethod,
} from "./downstream-client";
export {
  DEFAULT_CALL_RETRIES,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_JWKS_URL,
  DEFAULT_MAX_HOPS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_TOKEN_ISSUERS,
  DEFAULT_USER_AUDIENCES,
  ENV,
  FunctionEnvError,
  OPTIONAL_ENV,
  readFunctionEnv,
  SOURCE_KINDS,
  type FunctionEnv,
  type SourceIdentity,
} from "./env";
export { pushMessage, type PushMessage } from "./push-message";
export {
  CalleeError,
  CalleeRejectedError,
  CalleeTimeoutError,
  CalleeTokenError,
  CalleeUnavailableError,
  CallerVerificationError,
  HopLimitError,
  UndeclaredCalleeError,
} from "./errors";
export { HOPS_HEADER, incomingHops } from "./hops";
export { HttpError, queryString, requireMethod, sendJson } from "./http";
export {
  DEFAULT_REFRESH,
  MetadataIdTokenSource,
  type IdTokenSource,
  type MetadataIdTokenSourceOptions,
  type RefreshPolicy,
  type TokenSourceStats,
} from "./id-token-source";
export { log, type Severity } from "./log";
export { isAllowedInvoker, isPublic, isServiceAccountEmail } from "./members";
export {
  createFunctionRuntime,
  functionRuntime,
  resetFunctionRuntime,
  type FunctionRuntime,
} from "./runtime";
export {
  errorAnswer,
  secured,
  type ErrorAnswer,
  type HandlerContext,
  type SecuredHandler,
  type SecuredFunction,
  type SecuredOptions,
} from "./secured";
export { classifyTokenFailure, type TokenFailure } from "./token-failure";
export { maxAgeMs, tokenSignatures, TokenSignatures, type TokenSignaturesOptions } from "./token-signatures";
export {
  CLOCK_SKEW_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  SIGNATURE_REMOVED,
  tokenHeadersOf,
  verifyCaller,
  verifyRequest,
  type Caller,
  type VerifyCallerOptions,
} from "./verify-caller";
