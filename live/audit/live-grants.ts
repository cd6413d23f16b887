import { grantsOfPolicy, lastSegment, meaningOf } from "../../iam";
import type { LiveFunction, LiveSnapshot, PolicyRef } from "./types";

/** One live grant that lets its member invoke: the classification is `iam/`'s, the same as the engine's and the pack's. */
export interface LiveInvoker {
  /** As IAM compares it (email in lower case). */
  readonly member: string;
  readonly role: string;
  /** The policy that grants it. */
  readonly grantedOn: PolicyRef;
  readonly public: boolean;
  /** The service-account email of the member, when it is one. */
  readonly serviceAccount?: string;
  /** The CEL expression of a conditional grant (it still counts: it may let the member in). */
  readonly condition?: string;
}

/** Invoking grants of the visible policies: on each function (its own policy and its service's), and inherited. */
export interface LiveInvokers {
  /** Function name -> grants on the function itself or its Cloud Run service. */
  readonly direct: ReadonlyMap<string, readonly LiveInvoker[]>;
  /** Grants on the project, its folders and organization: they reach every function below. */
  readonly inherited: readonly LiveInvoker[];
}

export function liveInvokers(
  snapshot: Pick<LiveSnapshot, "policies">,
  functions: readonly LiveFunction[],
): LiveInvokers {
  const byRef = new Map<string, string>();
  for (const f of functions) {
    byRef.set(`function ${f.resourceName}`, f.name);
    if (f.service) byRef.set(`run-service ${f.service}`, f.name);
  }
  const direct = new Map<string, LiveInvoker[]>();
  const inherited: LiveInvoker[] = [];
  for (const { ref, observed } of snapshot.policies) {
    if (!observed.visible) continue;
    const grants = grantsOfPolicy(observed.value, {
      resource: ref,
      scope: ref.scope,
      target: lastSegment(ref.name),
    });
    for (const grant of grants) {
      const meaning = meaningOf(grant);
      // Live policies always name role and member: an Unknown here would be a hidden condition, still a grant.
      if (meaning.invokes !== true || typeof meaning.member !== "string" || typeof grant.role !== "string")
        continue;
      const condition =
        grant.condition === undefined
          ? undefined
          : "expression" in grant.condition
            ? grant.condition.expression
            : "hidden (version 1 policy)";
      const invoker: LiveInvoker = {
        member: meaning.member,
        role: grant.role,
        grantedOn: ref,
        public: meaning.public === true,
        ...(meaning.serviceAccount ? { serviceAccount: meaning.serviceAccount } : {}),
        ...(condition === undefined ? {} : { condition }),
      };
      if (meaning.inherited) inherited.push(invoker);
      else {
        const name = byRef.get(`${ref.scope} ${ref.name}`);
        if (name === undefined) continue;
        direct.set(name, [...(direct.get(name) ?? []), invoker]);
      }
    }
  }
  return { direct, inherited };
}
