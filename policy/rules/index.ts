import type { Rule } from "../rule";
import { accountImpersonationDeclared } from "./account-impersonation-declared";
import { sourceDedicatedServiceAccount } from "./source-dedicated-service-account";
import { buildServiceAccountIsolated } from "./build-service-account-isolated";
import { functionCallsDeclared } from "./function-calls-declared";
import { functionDedicatedServiceAccount } from "./function-dedicated-service-account";
import { functionExplicitBuildServiceAccount } from "./function-explicit-build-service-account";
import { functionExplicitServiceAccount } from "./function-explicit-service-account";
import { functionGrantsUsed } from "./function-grants-used";
import { functionInvokersMatchDeclaration } from "./function-invokers-match-declaration";
import { functionNoPublicInvoker } from "./function-no-public-invoker";
import { functionTokenTrustMatchesGrants } from "./function-token-trust-matches-grants";
import { noProjectLevelFunctionRoles } from "./no-project-level-function-roles";
import { noProjectLevelGrants } from "./no-project-level-grants";
import { noServiceAccountKeys } from "./no-service-account-keys";
import { storageBucketNoPublicAccess } from "./storage-bucket-no-public-access";
import { storageBucketPrivate } from "./storage-bucket-private";

export {
  accountImpersonationDeclared,
  sourceDedicatedServiceAccount,
  buildServiceAccountIsolated,
  functionCallsDeclared,
  functionDedicatedServiceAccount,
  functionExplicitBuildServiceAccount,
  functionExplicitServiceAccount,
  functionGrantsUsed,
  functionInvokersMatchDeclaration,
  functionNoPublicInvoker,
  functionTokenTrustMatchesGrants,
  noProjectLevelFunctionRoles,
  noProjectLevelGrants,
  noServiceAccountKeys,
  storageBucketNoPublicAccess,
  storageBucketPrivate,
};

/** Every rule, in the order reports list them. The pack and `callgraph check` both run exactly these. */
export const RULES: readonly Rule[] = [
  functionExplicitServiceAccount,
  functionDedicatedServiceAccount,
  functionExplicitBuildServiceAccount,
  buildServiceAccountIsolated,
  functionInvokersMatchDeclaration,
  functionCallsDeclared,
  functionGrantsUsed,
  functionNoPublicInvoker,
  functionTokenTrustMatchesGrants,
  sourceDedicatedServiceAccount,
  accountImpersonationDeclared,
  noProjectLevelFunctionRoles,
  noProjectLevelGrants,
  noServiceAccountKeys,
  storageBucketPrivate,
  storageBucketNoPublicAccess,
];
