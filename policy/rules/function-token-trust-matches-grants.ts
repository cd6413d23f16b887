import {
  grantsOf,
  isInvokingScope,
  isInheritedScope,
  isInvokingRole,
  isPublicMember,
  isUnknown,
  normalizeMember,
  SIGNATURE_REMOVED,
  type Grant,
  type Unknown,
} from "../../iam";
import { describeGrantTarget } from "../describe-grant";
import {
  allOf,
  describeFunction,
  equalUnlessDefault,
  functionsOf,
  PLATFORM_VERIFIES_TOKENS_ENV,
  targetOf,
  type CloudFunction,
  type Verdict,
} from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource } from "../values";

const TRUSTS = `${PLATFORM_VERIFIES_TOKENS_ENV}=true`;

/**
 * Invariant 13, the deployment side. A function whose environment says {@link TRUSTS} believes a user's token whose
 * signature was replaced by SIGNATURE_REMOVED_BY_GOOGLE on its claims alone, because Google's front end checked the
 * token and the function's invoker grant before the request reached the code. That holds only while the function is
 * not public: `allUsers` or `allAuthenticatedUsers` on an invoking role lets every request through unchecked, and
 * anyone can then hand the code a token made up without a key, naming any user it admits. Whether it is public is
 * decided from every grant the stack registers (on the function, on a gen2 function's Cloud Run service, on its
 * project, folder or organization), never from the declaration (`CALLGRAPH_INVOKERS`), which a grant added beside
 * the CallGraph component does not change.
 */
export const functionTokenTrustMatchesGrants = stackRule<Record<string, never>>({
  name: "function-token-trust-matches-grants",
  description: `A Cloud Function says ${TRUSTS} (its code then believes a token whose signature Google's front end removed) only when no grant of the stack makes it public: allUsers or allAuthenticatedUsers holding an invoking role on the function, its Cloud Run service, its project, folder or organization.`,
  remediation: `Remove the public grant, or leave ${PLATFORM_VERIFIES_TOKENS_ENV} out of a public function's environment: declare the function public in callgraph:functions (invokers: ["allUsers"]) and the CallGraph component does.`,
  fields: {},
  check(resources): Finding[] {
    const functions = functionsOf(resources);
    const trusting = functions.filter((fn) => fn.trustsPlatform !== false);
    if (trusting.length === 0) return [];
    const exposed = new Map<CloudFunction, Grant[]>();
    const unsure = new Map<CloudFunction, Unknown>();

    for (const grant of resources.flatMap(grantsOf)) {
      if (!isInvokingScope(grant.scope)) continue;
      const invokes: Verdict = isUnknown(grant.role) ? grant.role : isInvokingRole(grant.role);
      const open: Verdict = isUnknown(grant.member)
        ? grant.member
        : isPublicMember(normalizeMember(grant.member));
      if (invokes === false || open === false) continue;
      for (const [fn, reaches] of reached(grant, trusting, functions)) {
        const verdict = allOf([invokes, open, reaches]);
        if (verdict === true) exposed.set(fn, [...(exposed.get(fn) ?? []), grant]);
        else if (isUnknown(verdict) && !unsure.has(fn)) unsure.set(fn, verdict);
      }
    }

    const findings: Finding[] = [];
    for (const fn of trusting) {
      const subject = `${describeResource(fn.resource)} (Cloud Function ${describeFunction(fn)})`;
      const grants = exposed.get(fn);
      if (grants && isUnknown(fn.trustsPlatform)) {
        findings.push(
          undecided(
            fn.resource.urn,
            `${subject} is public (${grants.map(describeGrant).join("; ")}); whether it says ${TRUSTS} is not known until deployment`,
            fn.trustsPlatform,
          ),
        );
      } else if (grants) {
        findings.push(
          violation(
            fn.resource.urn,
            `${subject} says ${TRUSTS}, so its code believes a user's token whose signature is ${SIGNATURE_REMOVED} on its claims alone, ` +
              `as one Google's front end checked; but the function is public (${grants.map(describeGrant).join("; ")}): ` +
              "Google checks no token before its code runs, so anyone can send it a token made up without a key, naming any user it admits.",
            `remove ${grants.length === 1 ? "that grant" : "those grants"}; if the function is meant to be public, declare it in callgraph:functions ` +
              `(invokers: ["allUsers"]), and the CallGraph component grants it and leaves ${PLATFORM_VERIFIES_TOKENS_ENV} out of its environment.`,
          ),
        );
      } else {
        const unknown = unsure.get(fn);
        if (unknown)
          findings.push(
            undecided(
              fn.resource.urn,
              `${subject}: whether a grant makes it public, while it may say ${TRUSTS}, is not known until deployment`,
              unknown,
            ),
          );
      }
    }
    return findings;
  },
});

/**
 * The trusting functions a grant may reach, each with whether it does: a function-level or Cloud Run grant reaches
 * the one function it is on (every one of its generation while that is unknown); a project grant every function of
 * that project; a folder or organization grant any function (which folder a project sits in is not in the stack).
 */
function reached(
  grant: Grant,
  trusting: readonly CloudFunction[],
  functions: readonly CloudFunction[],
): [CloudFunction, Verdict][] {
  if (grant.scope === "function" || grant.scope === "run-service") {
    const target = targetOf(grant, functions);
    if (target.kind === "function") return trusting.includes(target.fn) ? [[target.fn, true]] : [];
    if (target.kind === "outside") return [];
    return trusting.filter((fn) => fn.generation === grant.generation).map((fn) => [fn, target.unknown]);
  }
  if (!isInheritedScope(grant.scope)) return [];
  if (grant.scope !== "project") return trusting.map((fn) => [fn, true]);
  return trusting.map((fn) => [fn, equalUnlessDefault(fn.project, grant.target)]);
}

/** `gcp.cloudrunv2.ServiceIamMember "open" grants roles/run.invoker to allUsers on Cloud Run service "reports"`. */
function describeGrant(grant: Grant): string {
  const role = isUnknown(grant.role) ? "a role not known until deployment" : grant.role;
  const member = isUnknown(grant.member) ? "a member not known until deployment" : grant.member;
  return `${describeResource(grant.resource)} grants ${role} to ${member} on ${describeGrantTarget(grant)}`;
}
