import { isPublicMember } from "../../iam";
import { ACTING_ROLES, actorsOf, type Actor } from "./acting-as";
import type { DeclaredAudit } from "./declared";
import type { AuditFinding, InvokerRow } from "./findings";
import type { LiveInvoker, LiveInvokers } from "./live-grants";
import type { LiveFunction, LiveSnapshot } from "./types";

const SOURCE = "https://cloud.google.com/iam/docs/service-account-permissions";

/** What acting as the invoking accounts adds to the audit. */
export interface IndirectInvokers {
  /** Function name -> the members that may invoke it by acting as an account that may. */
  readonly rows: ReadonlyMap<string, readonly InvokerRow[]>;
  readonly findings: readonly AuditFinding[];
  /** Functions an account may invoke whose own policy could not be read: who may act as it is not known. */
  readonly incomplete: ReadonlySet<string>;
}

/**
 * Who can act as a caller can invoke its callees. For every service account that may invoke a deployed function
 * (a grant on the function or its service, or on the project and above), the principals that hold an acting role
 * on it ({@link ACTING_ROLES}: on the account's own policy, or inherited) are effective invokers of every function
 * the account may invoke: a row on each, with the path, and a finding (`user:x -> token creator on fn-login ->
 * profiles`) when the declaration neither names the principal as an invoker of those functions nor grants it the
 * role on the account itself.
 */
export function indirectInvokers(
  live: Pick<LiveSnapshot, "policies" | "accountPolicies" | "project">,
  deployed: readonly LiveFunction[],
  invokers: LiveInvokers,
  declared: DeclaredAudit,
): IndirectInvokers {
  // account -> (function -> the account's invoking grants there)
  const reach = new Map<string, Map<string, LiveInvoker[]>>();
  const add = (account: string, fn: string, g: LiveInvoker) => {
    const byFn = reach.get(account) ?? new Map<string, LiveInvoker[]>();
    byFn.set(fn, [...(byFn.get(fn) ?? []), g]);
    reach.set(account, byFn);
  };
  for (const [fn, grants] of invokers.direct)
    for (const g of grants) if (g.serviceAccount) add(g.serviceAccount, fn, g);
  for (const g of invokers.inherited)
    if (g.serviceAccount) for (const f of deployed) add(g.serviceAccount, f.name, g);

  const accounts = [...reach.keys()].sort();
  const actors = actorsOf(live, accounts);
  const rows = new Map<string, InvokerRow[]>();
  const findings: AuditFinding[] = [];
  const incomplete = new Set<string>();
  const declaredByName = new Map(declared.functions.map((f) => [f.name, f]));
  const isDeclaredInvoker = (member: string, fn: string) =>
    declared.inheritedInvokers.some((i) => i.member === member) ||
    (declaredByName.get(fn)?.invokers.some((i) => i.member === member) ?? false);
  const isDeclaredGrant = (a: Actor) =>
    (declared.accountGrants ?? []).some(
      (g) => g.account === a.account && g.member === a.member && g.role === a.role,
    );

  for (const account of accounts) {
    const byFn = reach.get(account)!;
    const own = live.accountPolicies.get(account);
    if (own !== undefined && !own.visible) for (const fn of byFn.keys()) incomplete.add(fn);
    for (const actor of actors.get(account) ?? []) {
      const via = {
        account,
        role: actor.role,
        grantedOn: actor.grantedOn,
        ...(actor.condition ? { condition: actor.condition } : {}),
      };
      const undeclared: string[] = [];
      for (const [fn, grants] of byFn) {
        const declaredHere = isDeclaredGrant(actor) || isDeclaredInvoker(actor.member, fn);
        if (!declaredHere) undeclared.push(fn);
        const list = rows.get(fn) ?? [];
        for (const g of grants)
          list.push({
            member: actor.member,
            role: g.role,
            grantedOn: g.grantedOn,
            declared: declaredHere,
            live: true,
            public: isPublicMember(actor.member),
            ...(g.condition ? { condition: g.condition } : {}),
            via,
          });
        rows.set(fn, list);
      }
      if (undeclared.length === 0) continue;
      undeclared.sort();
      const short = ACTING_ROLES[actor.role]!.short;
      const target = undeclared.length > 3 ? `${undeclared.length} functions` : undeclared.join(", ");
      const path = `${actor.member} -> ${short} on ${account.split("@")[0]} -> ${target}`;
      const how = ACTING_ROLES[actor.role]!.mints
        ? `may mint ${account}'s tokens (ID tokens included) and call as it`
        : `may attach ${account} to code or jobs it deploys (iam.serviceAccounts.actAs) and, with the right to deploy, call as it`;
      findings.push({
        kind: "indirect-invoker",
        subject: path,
        member: actor.member,
        role: actor.role,
        account,
        via,
        reaches: undeclared,
        ...(actor.condition ? { condition: actor.condition } : {}),
        ...(undeclared.length === 1 ? { function: undeclared[0]! } : {}),
        problem:
          `${actor.member} holds ${actor.role} on ${actor.grantedOn}${actor.condition ? ` (conditional: ${actor.condition})` : ""}, so it ${how}; ` +
          `${account} may invoke ${undeclared.join(", ")}, which the declaration does not let ${actor.member} invoke.`,
        fix: `${actor.remove}; or, if ${actor.member} is meant to invoke ${undeclared.length === 1 ? "it" : "them"}, declare it (invokers: [${actor.member}])`,
        source: SOURCE,
      });
    }
  }
  return { rows, findings, incomplete };
}
