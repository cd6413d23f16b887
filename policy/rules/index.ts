import type { Rule } from "../rule";
import { functionDedicatedServiceAccount } from "./function-dedicated-service-account";
import { functionExplicitServiceAccount } from "./function-explicit-service-account";
import { functionInvokersMatchDeclaration } from "./function-invokers-match-declaration";
import { functionNoPublicInvoker } from "./function-no-public-invoker";
import { noProjectLevelFunctionRoles } from "./no-project-level-function-roles";
import { noServiceAccountKeys } from "./no-service-account-keys";
import { storageBucketNoPublicAccess } from "./storage-bucket-no-public-access";
import { storageBucketPrivate } from "./storage-bucket-private";

export {
  functionDedicatedServiceAccount,
  functionExplicitServiceAccount,
  functionInvokersMatchDeclaration,
  functionNoPublicInvoker,
  noProjectLevelFunctionRoles,
  noServiceAccountKeys,
  storageBucketNoPublicAccess,
  storageBucketPrivate,
};

/** Every rule, in the order reports list them. The pack and `callgraph check` both run exactly these. */
export const RULES: readonly Rule[] = [
  functionExplicitServiceAccount,
  functionDedicatedServiceAccount,
  functionInvokersMatchDeclaration,
  functionNoPublicInvoker,
  noProjectLevelFunctionRoles,
  noServiceAccountKeys,
  storageBucketPrivate,
  storageBucketNoPublicAccess,
];
