export { startFrontEnd, type FrontEnd, type FrontEndOptions } from "./front-end";
export { FunctionProcess, type FunctionProcessOptions } from "./function-process";
export { identityEmail, isInvoker, mintableMembers } from "./iam-members";
export {
  callFunction,
  fetchIdTokenFrom,
  type FunctionRequest,
  type FunctionResponse,
} from "./metadata-client";
export {
  DEMO_REQUESTS,
  planScenario,
  runScenario,
  type Check,
  type CheckResult,
  type Expectation,
} from "./scenario";
export {
  startLocalStack,
  type LocalFunction,
  type LocalStack,
  type LocalStackDescription,
  type LocalStackOptions,
} from "./stack";
export { GOOGLE_ISSUER, startTokenService, type TokenService } from "./token-service";
