import * as cloudfunctions from "@pulumi/gcp/cloudfunctions";
import * as cloudfunctionsv2 from "@pulumi/gcp/cloudfunctionsv2";
import * as storage from "@pulumi/gcp/storage";
import {
  validateResourceOfType,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { policyInfo, stackPolicy, validateWith } from "./crossguard";
import * as rules from "./rules";

/**
 * The pack's policies: one constant per rule, each the CrossGuard face of the rule of the same name in
 * `rules/`. The rule holds the logic and the settings; this file says which resources CrossGuard hands it.
 * A test checks that each resource policy covers exactly its rule's types.
 */

export const functionExplicitServiceAccount: ResourceValidationPolicy = {
  ...policyInfo(rules.functionExplicitServiceAccount),
  validateResource: [
    validateResourceOfType(cloudfunctions.Function, validateWith(rules.functionExplicitServiceAccount)),
    validateResourceOfType(cloudfunctionsv2.Function, validateWith(rules.functionExplicitServiceAccount)),
  ],
};

export const functionDedicatedServiceAccount: StackValidationPolicy = stackPolicy(
  rules.functionDedicatedServiceAccount,
);

export const functionExplicitBuildServiceAccount: ResourceValidationPolicy = {
  ...policyInfo(rules.functionExplicitBuildServiceAccount),
  validateResource: [
    validateResourceOfType(cloudfunctions.Function, validateWith(rules.functionExplicitBuildServiceAccount)),
    validateResourceOfType(
      cloudfunctionsv2.Function,
      validateWith(rules.functionExplicitBuildServiceAccount),
    ),
  ],
};

export const buildServiceAccountIsolated: StackValidationPolicy = stackPolicy(
  rules.buildServiceAccountIsolated,
);

export const functionInvokersMatchDeclaration: StackValidationPolicy = stackPolicy(
  rules.functionInvokersMatchDeclaration,
);

export const functionCallsDeclared: StackValidationPolicy = stackPolicy(rules.functionCallsDeclared);

export const functionGrantsUsed: StackValidationPolicy = stackPolicy(rules.functionGrantsUsed);

export const functionNoPublicInvoker: StackValidationPolicy = stackPolicy(rules.functionNoPublicInvoker);

export const functionTokenTrustMatchesGrants: StackValidationPolicy = stackPolicy(
  rules.functionTokenTrustMatchesGrants,
);

export const sourceDedicatedServiceAccount: StackValidationPolicy = stackPolicy(
  rules.sourceDedicatedServiceAccount,
);

export const accountImpersonationDeclared: StackValidationPolicy = stackPolicy(
  rules.accountImpersonationDeclared,
);

export const noProjectLevelFunctionRoles: StackValidationPolicy = stackPolicy(
  rules.noProjectLevelFunctionRoles,
);

export const noProjectLevelGrants: StackValidationPolicy = stackPolicy(rules.noProjectLevelGrants);

export const noServiceAccountKeys: StackValidationPolicy = stackPolicy(rules.noServiceAccountKeys);

export const storageBucketPrivate: ResourceValidationPolicy = {
  ...policyInfo(rules.storageBucketPrivate),
  validateResource: validateResourceOfType(storage.Bucket, validateWith(rules.storageBucketPrivate)),
};

export const storageBucketNoPublicAccess: StackValidationPolicy = stackPolicy(
  rules.storageBucketNoPublicAccess,
);

/** Every policy, in the order of `rules.RULES`. */
export const POLICIES: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
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
