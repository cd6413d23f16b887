import {
  grantsOf,
  isInvokingRole,
  isPublicMember,
  isUnknown,
  normalizeMember,
  type Unknown,
} from "../../iam";
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
import { describeResource, quoteList } from "../values";

export interface FunctionInvokersMatchDeclarationConfig {
  readonly exemptFunctions: readonly string[];
  readonly allowedMembers: readonly string[];
}

const DECLARE =
  "declare the caller in the stack's callgraph:functions (a `calls` edge from the calling function, or an " +
  "`invokers` entry), so the CallGraph component grants it and tells the function";

/**
 * Invariant 2, checked from both sides: the members IAM lets invoke a function are exactly the members the
 * function declares in CALLGRAPH_INVOKERS (its in-code allowed-callers list). A grant beyond the declaration
 * opens a path the graph does not show; a declared member without a grant is refused by IAM (403) although
 * the function would accept it. Public members are function-no-public-invoker's to judge.
 */
export const functionInvokersMatchDeclaration = stackRule<FunctionInvokersMatchDeclarationConfig>({
  name: "function-invokers-match-declaration",
  description: `Every invoker grant on a Cloud Function names a member the function declares in ${INVOKERS_ENV}, and every declared member has one.`,
  remediation: `Change the declaration (callgraph:functions), not IAM: ${DECLARE}; remove grants made by hand.`,
  fields: {
    exemptFunctions: {
      type: "string-list",
      default: [],
      description: `Functions (deployed or logical names) whose grants are not compared with ${INVOKERS_ENV}, e.g. functions managed by another tool.`,
    },
    allowedMembers: {
      type: "string-list",
      default: [],
      description: `Members that may hold an invoker grant on any function without being declared in ${INVOKERS_ENV}.`,
    },
  },
  check(resources, config): Finding[] {
    const functions = functionsOf(resources).filter((fn) => !isListed(config.exemptFunctions, fn));
    const allowed = new Set(config.allowedMembers.map(normalizeMember));
    const granted = new Map<CloudFunction, Set<string>>(functions.map((fn) => [fn, new Set<string>()]));
    // A grant we could not place or read may be the one a declared member is missing.
    const unsure = new Map<CloudFunction | "any", Unknown>();
    const findings: Finding[] = [];

    for (const grant of resources.flatMap(grantsOf)) {
      if (grant.scope !== "function" && grant.scope !== "run-service") continue;
      if (!isUnknown(grant.role) && !isInvokingRole(grant.role)) continue;
      const subject = describeResource(grant.resource);
      const target = targetOf(grant, functions);
      if (target.kind === "outside") continue; // a function of another stack: its declaration is not visible here
      if (target.kind === "unknown") {
        unsure.set("any", target.unknown);
        findings.push(
          undecided(
            grant.resource.urn,
            `${subject}: the function it grants on is not known until deployment`,
            target.unknown,
          ),
        );
        continue;
      }
      const fn = target.fn;
      const on = `Cloud Function ${describeFunction(fn)}`;
      if (isUnknown(grant.role) || isUnknown(grant.member)) {
        const unknown = isUnknown(grant.role) ? grant.role : (grant.member as Unknown);
        unsure.set(fn, unknown);
        findings.push(
          undecided(
            grant.resource.urn,
            `${subject}: what it grants on ${on} is not known until deployment`,
            unknown,
          ),
        );
        continue;
      }
      const member = normalizeMember(grant.member);
      granted.get(fn)?.add(member);
      if (isPublicMember(member) || allowed.has(member)) continue;
      const declaration = fn.declaration;
      const grants = `${subject} grants ${grant.role} on ${on} to ${member}`;
      switch (declaration.kind) {
        case "members":
          if (declaration.members.includes(member)) break;
          findings.push(
            violation(
              grant.resource.urn,
              `${grants}, which ${describeFunction(fn)} does not declare in ${INVOKERS_ENV} (it declares ${quoteList(declaration.members)}): ` +
                "IAM lets this member in although the declared call graph does not, and the function's own caller " +
                "check disagrees with IAM.",
              `remove this grant, or ${DECLARE}; to allow the member everywhere without declaring it, list it in allowedMembers.`,
            ),
          );
          break;
        case "none":
          findings.push(
            violation(
              grant.resource.urn,
              `${grants}, but ${describeFunction(fn)} declares no ${INVOKERS_ENV}, so no grant on it is part of a declared call graph.`,
              `deploy the function through the CallGraph component (which sets ${INVOKERS_ENV} to exactly its grants), ` +
                "or exempt it with exemptFunctions if another tool manages it.",
            ),
          );
          break;
        case "invalid":
          findings.push(
            violation(
              grant.resource.urn,
              `${grants}, but ${describeFunction(fn)}'s ${INVOKERS_ENV} is not a JSON array of members (${JSON.stringify(declaration.raw)}), so the grant cannot match a declaration.`,
              `set ${INVOKERS_ENV} to a JSON array of IAM members, as the CallGraph component does.`,
            ),
          );
          break;
        case "unknown":
          findings.push(
            undecided(
              grant.resource.urn,
              `${grants}; whether ${describeFunction(fn)} declares it is not known until deployment`,
              declaration.unknown,
            ),
          );
          break;
      }
    }

    for (const fn of functions) {
      if (fn.declaration.kind !== "members") continue;
      const have = granted.get(fn) ?? new Set<string>();
      for (const member of fn.declaration.members) {
        if (have.has(member)) continue;
        const unknown = unsure.get(fn) ?? unsure.get("any");
        const subject = `${describeResource(fn.resource)} (Cloud Function ${describeFunction(fn)})`;
        findings.push(
          unknown
            ? undecided(
                fn.resource.urn,
                `${subject}: whether declared invoker ${member} is granted is not known until deployment`,
                unknown,
              )
            : violation(
                fn.resource.urn,
                `${subject} declares ${member} in ${INVOKERS_ENV}, but no grant of an invoker role on the function names it: ` +
                  "IAM refuses this caller (403) although the function's own check would accept it.",
                `grant ${member} ${fn.generation === 1 ? "roles/cloudfunctions.invoker on the function" : "roles/run.invoker on the function's Cloud Run service"} ` +
                  `(the CallGraph component does, from callgraph:functions), or remove it from ${INVOKERS_ENV}.`,
              ),
        );
      }
    }
    return findings;
  },
});
