import { isDefaultAccount, isUnknown } from "../../iam";
import { describeFunction, FUNCTION_TYPES, isListed, toFunction } from "../functions";
import { undecided, violation, type Finding } from "../model";
import { resourceRule } from "../rule";
import { describeResource } from "../values";

export interface FunctionExplicitServiceAccountConfig {
  readonly exemptFunctions: readonly string[];
}

const FIX =
  "create a gcp.serviceaccount.Account for this function alone and set the function's serviceAccountEmail " +
  "(gen2: serviceConfig.serviceAccountEmail) to its email; the CallGraph component does this for every declared function";

/**
 * Invariant 1: a function never runs as a default account. Those hold Editor on the project, so any flaw in any
 * function would be a project-wide compromise. https://cloud.google.com/functions/docs/securing/function-identity
 */
export const functionExplicitServiceAccount = resourceRule<FunctionExplicitServiceAccountConfig>({
  name: "function-explicit-service-account",
  description:
    "Every Cloud Function (gen1 and gen2) names the service account it runs as, and that account is not a default one.",
  remediation: `Give each function its own account: ${FIX}.`,
  fields: {
    exemptFunctions: {
      type: "string-list",
      default: [],
      description: "Functions (deployed or logical names) allowed to run as a default account.",
    },
  },
  types: FUNCTION_TYPES,
  check(resource, config): Finding[] {
    const fn = toFunction(resource);
    if (!fn || isListed(config.exemptFunctions, fn)) return [];
    const subject = `${describeResource(resource)} (Cloud Function ${describeFunction(fn)}, gen${fn.generation})`;
    const field = fn.generation === 1 ? "serviceAccountEmail" : "serviceConfig.serviceAccountEmail";
    if (isUnknown(fn.account)) {
      return [
        undecided(
          resource.urn,
          `${subject}: the account it runs as is not known until deployment`,
          fn.account,
        ),
      ];
    }
    if (fn.account === undefined) {
      const fallback =
        fn.generation === 1
          ? "PROJECT_ID@appspot.gserviceaccount.com"
          : "PROJECT_NUMBER-compute@developer.gserviceaccount.com";
      return [
        violation(
          resource.urn,
          `${subject} sets no ${field}, so it runs as the default account ${fallback}, which holds Editor on the ` +
            "whole project: any flaw in this function becomes a project-wide compromise.",
          `${FIX}.`,
        ),
      ];
    }
    if (isDefaultAccount(fn.account)) {
      return [
        violation(
          resource.urn,
          `${subject} runs as ${fn.account}, a default account that holds Editor on the whole project and is ` +
            "shared with everything else that uses the default.",
          `${FIX}.`,
        ),
      ];
    }
    return [];
  },
});
