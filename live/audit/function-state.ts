import { lastSegment } from "../../iam";
import type { DeclaredFunction } from "./declared";
import type { AuditFinding, InvokerRow } from "./findings";
import type { LiveFunction, LiveService, Observed } from "./types";

/**
 * States that mean the last deployment failed, per generation, with Google's words for them:
 * v1 `CloudFunctionStatus` (https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions#CloudFunctionStatus),
 * v2 `Function.State` (https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions#State).
 */
export const FAILED_STATES: Readonly<Record<1 | 2, Readonly<Record<string, string>>>> = {
  1: {
    OFFLINE: "function deployment failed and the function isn't serving",
    UNKNOWN: "function deployment failed and the function serving state is undefined",
  },
  2: {
    FAILED: "function deployment failed and the function is not serving",
    UNKNOWN: "function deployment failed and the function serving state is undefined",
  },
};

const STATE_SOURCE = {
  1: "https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions#CloudFunctionStatus",
  2: "https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions#State",
} as const;

/**
 * A declared function whose last deployment failed. A failed build leaves the function in the stack's state with
 * the inputs it was given, so the next `pulumi up` sees no change and does not try again (the same trap as
 * terraform-provider-google #13535, #15143, #16274): the fix is to replace exactly that resource, by its URN.
 */
export function failedDeployment(
  d: DeclaredFunction,
  f: LiveFunction,
  stack: string,
): AuditFinding | undefined {
  const meaning = f.state === undefined ? undefined : FAILED_STATES[f.generation][f.state];
  if (meaning === undefined) return undefined;
  const field = f.generation === 1 ? "status" : "state";
  return {
    kind: "failed-deployment",
    subject: `${d.name}: ${field} ${f.state}`,
    function: d.name,
    state: f.state!,
    ...(d.urn ? { urn: d.urn } : {}),
    problem:
      `its last deployment failed: the Cloud Functions API reports ${field} ${f.state} (${meaning})${f.stateMessage ? `: ${f.stateMessage}` : ""}. ` +
      "The function stays in the stack's state as deployed, so another `pulumi up` sees no change and does not redeploy it; its callers' calls fail meanwhile.",
    fix: d.urn
      ? `pulumi up --stack ${stack} --target-replace '${d.urn}'`
      : `pulumi up --stack ${stack} --target-replace URN (the URN of ${d.name}'s function resource: \`pulumi stack --stack ${stack} --show-urns\`)`,
    source: STATE_SOURCE[f.generation],
  };
}

/**
 * A 2nd-gen function whose Cloud Run service has its invoker IAM check off: "Disables IAM permission check for
 * run.routes.invoke for callers of this service" (Cloud Run Admin v2 `Service.invokerIamDisabled`), so anyone can
 * invoke it, whatever its IAM policy says (https://cloud.google.com/run/docs/authenticating/public). Critical: it is
 * reported whatever the declaration says, since the program never turns the check off.
 */
export function invokerCheckDisabled(
  f: LiveFunction,
  service: Observed<LiveService> | undefined,
  declaredPublic: boolean,
): { finding: AuditFinding; row: InvokerRow } | undefined {
  if (f.generation !== 2 || !f.service || !service?.visible || !service.value.invokerIamDisabled)
    return undefined;
  const ref = { scope: "run-service" as const, name: f.service };
  const location = /\/locations\/([^/]+)\//.exec(f.service)?.[1] ?? f.region;
  const project = /^projects\/([^/]+)/.exec(f.service)?.[1] ?? "";
  return {
    finding: {
      kind: "invoker-check-disabled",
      subject: `${f.name}: invoker IAM check off`,
      function: f.name,
      grantedOn: ref,
      problem:
        `CRITICAL: the invoker IAM check of Cloud Run service ${lastSegment(f.service)} is off (invokerIamDisabled: true): anyone on the internet ` +
        `can invoke ${f.name}, whatever its IAM policy says${declaredPublic ? "" : ", and the declaration does not make it public"}.`,
      fix:
        `gcloud run services update ${lastSegment(f.service)} --region=${location} --project=${project} --invoker-iam-check; ` +
        "then enforce constraints/run.managed.requireInvokerIam so that no one can switch it off again",
      source: "https://cloud.google.com/run/docs/securing/managing-access#invoker_check",
    },
    row: {
      member: "allUsers",
      role: "run.routes.invoke (invoker IAM check off)",
      grantedOn: ref,
      declared: false,
      live: true,
      public: true,
    },
  };
}
