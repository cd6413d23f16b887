import { grantsOf, isInvokingRole, isPublicMember, isUnknown, normalizeMember } from "../../iam";
import {
  describeFunction,
  functionsOf,
  isListed,
  INVOKERS_ENV,
  targetOf,
  type CloudFunction,
} from "../functions";
import { undecided, violation, type Finding } from "../model";
import { stackRule } from "../rule";
import { describeResource } from "../values";

export interface FunctionNoPublicInvokerConfig {
  readonly forbidPublic: boolean;
  readonly allowedPublicFunctions: readonly string[];
}

const PUBLIC =
  "anyone on the internet (allAuthenticatedUsers: anyone with a Google account, which is as public)";

/**
 * `allUsers` / `allAuthenticatedUsers` may invoke a function only if that function declares it (so it knows it
 * is public and treats every request as untrusted); production stacks can forbid public functions outright.
 */
export const functionNoPublicInvoker = stackRule<FunctionNoPublicInvokerConfig>({
  name: "function-no-public-invoker",
  description: `No Cloud Function is invocable by allUsers or allAuthenticatedUsers unless it declares that member in ${INVOKERS_ENV} (and public functions are allowed at all).`,
  remediation:
    'Remove public grants; a function meant to be public declares it in callgraph:functions (invokers: ["allUsers"]).',
  fields: {
    forbidPublic: {
      type: "boolean",
      default: false,
      description:
        "Forbid public functions entirely (for production stacks), even declared ones, except allowedPublicFunctions.",
    },
    allowedPublicFunctions: {
      type: "string-list",
      default: [],
      description:
        "With forbidPublic: functions (deployed or logical names) that may still be public, if they declare it.",
    },
  },
  check(resources, config): Finding[] {
    const functions = functionsOf(resources);
    const mayBePublic = (fn: CloudFunction) =>
      !config.forbidPublic || isListed(config.allowedPublicFunctions, fn);
    const reported = new Set<CloudFunction>();
    const findings: Finding[] = [];

    for (const grant of resources.flatMap(grantsOf)) {
      if (grant.scope !== "function" && grant.scope !== "run-service") continue;
      if (!isUnknown(grant.role) && !isInvokingRole(grant.role)) continue;
      const subject = describeResource(grant.resource);
      if (isUnknown(grant.member)) {
        findings.push(
          undecided(
            grant.resource.urn,
            `${subject}: whether it grants to a public member is not known until deployment`,
            grant.member,
          ),
        );
        continue;
      }
      const member = normalizeMember(grant.member);
      if (!isPublicMember(member)) continue;
      if (isUnknown(grant.role)) {
        findings.push(
          undecided(
            grant.resource.urn,
            `${subject}: the role it grants ${member} is not known until deployment`,
            grant.role,
          ),
        );
        continue;
      }
      const target = targetOf(grant, functions);
      if (target.kind === "unknown") {
        findings.push(
          undecided(
            grant.resource.urn,
            `${subject} grants ${grant.role} to ${member} on a function not known until deployment`,
            target.unknown,
          ),
        );
        continue;
      }
      const on =
        target.kind === "function"
          ? `Cloud Function ${describeFunction(target.fn)}`
          : `function "${grant.target}" (not defined in this stack)`;
      const grants = `${subject} grants ${grant.role} on ${on} to ${member}: ${PUBLIC} may invoke it`;
      if (target.kind === "outside") {
        findings.push(
          violation(
            grant.resource.urn,
            `${grants}, and no declaration in this stack says it should be public.`,
            "remove this grant.",
          ),
        );
        continue;
      }
      const fn = target.fn;
      if (!mayBePublic(fn)) {
        reported.add(fn);
        findings.push(
          violation(
            grant.resource.urn,
            `${grants}, and this stack forbids public functions (forbidPublic).`,
            `remove the grant and "${member}" from the function's invokers in callgraph:functions; if this function must be public, list it in allowedPublicFunctions.`,
          ),
        );
        continue;
      }
      const declaration = fn.declaration;
      if (declaration.kind === "members" && declaration.members.includes(member)) continue;
      if (declaration.kind === "unknown") {
        findings.push(
          undecided(
            grant.resource.urn,
            `${grants}; whether it declares that is not known until deployment`,
            declaration.unknown,
          ),
        );
        continue;
      }
      findings.push(
        violation(
          grant.resource.urn,
          `${grants}, but ${describeFunction(fn)} does not declare "${member}" in ${INVOKERS_ENV}: it was not designed to be public.`,
          `remove this grant; if the function is meant to be public, declare it in callgraph:functions (invokers: ["${member}"]), so the program grants it and the function knows.`,
        ),
      );
    }

    // A forbidden public declaration is a finding even before anything grants it.
    for (const fn of functions) {
      if (mayBePublic(fn) || reported.has(fn) || fn.declaration.kind !== "members") continue;
      const declared = fn.declaration.members.filter(isPublicMember);
      if (declared.length === 0) continue;
      findings.push(
        violation(
          fn.resource.urn,
          `${describeResource(fn.resource)} (Cloud Function ${describeFunction(fn)}) declares ${declared.join(", ")} in ${INVOKERS_ENV}, ` +
            "but this stack forbids public functions (forbidPublic).",
          `remove "${declared[0]}" from the function's invokers in callgraph:functions, or list the function in allowedPublicFunctions.`,
        ),
      );
    }
    return findings;
  },
});
