import { isDefaultBuildAccount, isUnknown } from "../../iam";
import { buildAccountField, describeFunction, FUNCTION_TYPES, isListed, toFunction } from "../functions";
import { undecided, violation, type Finding } from "../model";
import { resourceRule } from "../rule";
import { describeResource } from "../values";

export interface FunctionExplicitBuildServiceAccountConfig {
  readonly exemptFunctions: readonly string[];
}

/** What a function build needs, from "Custom Service Account for Cloud Build" (see the rule's comment). */
const FIX =
  "create one gcp.serviceaccount.Account for the stack's builds, grant it only what a function build needs " +
  "(roles/logging.logWriter on the project, roles/artifactregistry.writer on the image repository, " +
  "roles/storage.objectViewer on the source bucket), and set the function's buildServiceAccount (gen2: " +
  "buildConfig.serviceAccount) to projects/PROJECT/serviceAccounts/EMAIL; the CallGraph component does this for " +
  "every declared function";

/**
 * Invariant 9: every function names the account its build runs as, and that account is not a default one.
 * Without one, Cloud Build uses the project's default build identity: since mid-2024 the Compute Engine default
 * account on new projects, which may lack the permissions a function build needs, and the legacy Cloud Build
 * account on older projects, whose permissions are broad. https://cloud.google.com/functions/docs/securing/build-custom-sa,
 * https://cloud.google.com/build/docs/cloud-build-service-account-updates
 */
export const functionExplicitBuildServiceAccount = resourceRule<FunctionExplicitBuildServiceAccountConfig>({
  name: "function-explicit-build-service-account",
  description:
    "Every Cloud Function (gen1 and gen2) names the service account its build runs as, as projects/PROJECT/serviceAccounts/EMAIL, and that account is not a default one.",
  remediation: `Give the stack's builds their own account: ${FIX}.`,
  fields: {
    exemptFunctions: {
      type: "string-list",
      default: [],
      description:
        "Functions (deployed or logical names) allowed to build as the project's default build identity.",
    },
  },
  types: FUNCTION_TYPES,
  check(resource, config): Finding[] {
    const fn = toFunction(resource);
    if (!fn || isListed(config.exemptFunctions, fn)) return [];
    const subject = `${describeResource(resource)} (Cloud Function ${describeFunction(fn)}, gen${fn.generation})`;
    const field = buildAccountField(fn);
    const reference = fn.buildAccountReference;
    if (isUnknown(reference)) {
      return [
        undecided(
          resource.urn,
          `${subject}: the account its build runs as is not known until deployment`,
          reference,
        ),
      ];
    }
    if (reference === undefined) {
      return [
        violation(
          resource.urn,
          `${subject} sets no ${field}, so Cloud Build builds it as the project's default build identity: on ` +
            "projects created since mid-2024 the Compute Engine default account " +
            "(PROJECT_NUMBER-compute@developer.gserviceaccount.com), which may lack the permissions a build needs, " +
            "and on older ones the legacy Cloud Build account (PROJECT_NUMBER@cloudbuild.gserviceaccount.com), " +
            "whose permissions on the project are broad.",
          `${FIX}.`,
        ),
      ];
    }
    const account = fn.buildAccount;
    if (account === undefined) {
      return [
        violation(
          resource.urn,
          `${subject} sets ${field} to ${JSON.stringify(reference)}, which is not of the form ` +
            "projects/PROJECT/serviceAccounts/EMAIL that the Cloud Functions API accepts: the deployment would fail.",
          `set ${field} to projects/PROJECT/serviceAccounts/EMAIL, with the email of the stack's build account.`,
        ),
      ];
    }
    if (isUnknown(account) || !isDefaultBuildAccount(account)) return [];
    return [
      violation(
        resource.urn,
        `${subject} builds as ${account}, a default account shared with everything else in the project that ` +
          "builds or runs as it, with permissions far beyond what a function build needs.",
        `${FIX}.`,
      ),
    ];
  },
});
