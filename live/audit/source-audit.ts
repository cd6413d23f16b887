import { SOURCE_KIND_WORDS } from "../../iam";
import { describeRefusal } from "../preflight/check-apis";
import type { Observed } from "../preflight/types";
import type { Policy } from "../answers";
import type { AuditFinding, NotVisible } from "./findings";
import { SOURCE_LISTINGS, type LiveSource, type SourceKind } from "./read-sources";

/** The role Pub/Sub's service agent needs on a push (or trigger) account to mint its tokens. */
const TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator";
const PUSH_AUTH = "https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions";

/** A caller that is not a function, as the program would deploy it (the engine's `GraphSource`, and its grants). */
export interface DeclaredSource {
  readonly name: string;
  readonly kind: SourceKind;
  /** The account it calls as, lower case. */
  readonly account: string;
  /** The functions it calls. */
  readonly targets: readonly string[];
  /** Members the program lets mint the account's tokens (Pub/Sub's agent, for a push subscription or a trigger). */
  readonly tokenMinters: readonly string[];
}

/** What the audit knows of the stack's functions, to name a live source's targets. */
export interface SourceContext {
  /** Function URL (a token's audience) -> name; a trigger names the function's service, which is its name. */
  readonly functionByUrl: ReadonlyMap<string, string>;
  readonly functionNames: ReadonlySet<string>;
  readonly stack: string;
}

/**
 * Holds the live callers that are not functions against the declaration. Pure, like `audit`: a listing or a policy
 * that could not be read only adds to `notVisible`.
 * - `missing-source`: declared, not deployed (its callee hears nothing from it);
 * - `source-differs`: deployed, but it calls as another account, or its tokens go to other functions;
 * - `agent-grant-missing`: Pub/Sub's agent may not mint the push (or trigger) account's tokens: nothing is delivered,
 *   and only the subscription's metrics show it;
 * - `undeclared-source`: a live source of a declared kind that calls one of the stack's functions, which the
 *   declaration does not name (what it may call is what its account may).
 */
export function auditSources(
  declared: readonly DeclaredSource[],
  listings: readonly { readonly kind: SourceKind; readonly observed: Observed<readonly LiveSource[]> }[],
  minters: ReadonlyMap<string, Observed<Policy>>,
  context: SourceContext,
): { findings: AuditFinding[]; notVisible: NotVisible[] } {
  const findings: AuditFinding[] = [];
  const notVisible: NotVisible[] = [];
  const targetsOf = (s: LiveSource) =>
    [
      ...new Set(
        s.targets.flatMap((t) => {
          const byUrl = context.functionByUrl.get(t.replace(/\/+$/, ""));
          if (byUrl) return [byUrl];
          return s.kind === "eventarc" && context.functionNames.has(t) ? [t] : [];
        }),
      ),
    ].sort();
  for (const { kind, observed } of listings) {
    const listing = SOURCE_LISTINGS[kind];
    if (!observed.visible) {
      notVisible.push({
        subject: `${listing.what} of the stack's project`,
        problem: `could not list them (${describeRefusal(observed)}): the declared ${SOURCE_KIND_WORDS[kind]}s are not known to be deployed as declared, and undeclared ones are not seen.`,
        fix: `grant the auditor ${listing.role}`,
        source: listing.source,
      });
      continue;
    }
    const live = new Map(observed.value.map((s) => [s.name, s]));
    const mine = declared.filter((d) => d.kind === kind);
    for (const d of mine) {
      const s = live.get(d.name);
      const subject = `${d.name} (${SOURCE_KIND_WORDS[kind]})`;
      if (!s) {
        findings.push({
          kind: "missing-source",
          subject,
          account: d.account,
          problem: `declared but not deployed: ${d.targets.join(", ")} hear${d.targets.length === 1 ? "s" : ""} nothing from it.`,
          fix: `pulumi up --stack ${context.stack}`,
        });
        continue;
      }
      if (s.account !== d.account)
        findings.push({
          kind: "source-differs",
          subject,
          field: "sourceAccount",
          expected: d.account,
          actual: s.account ?? "",
          account: d.account,
          problem: s.account
            ? `calls as ${s.account}, declared ${d.account}: the callee's invoker binding admits the declared account only, so its calls are refused (403), or succeed through a grant nobody declared.`
            : `sends no ID token (declared: as ${d.account}): every private function refuses its calls.`,
          fix: `pulumi up --stack ${context.stack} (the program sets the token's account)`,
        });
      const actual = targetsOf(s);
      const expected = [...d.targets].sort();
      if (actual.join(",") !== expected.join(","))
        findings.push({
          kind: "source-differs",
          subject,
          field: "sourceTargets",
          expected: expected.join(", "),
          actual: actual.join(", ") || s.targets.join(", "),
          problem: `its tokens go to ${actual.join(", ") || `${s.targets.join(", ") || "nowhere"} (no function of the stack)`}, declared ${expected.join(", ")}.`,
          fix: `pulumi up --stack ${context.stack}`,
        });
      for (const member of d.tokenMinters) {
        const policy = minters.get(d.account);
        if (!policy) continue;
        if (!policy.visible) {
          notVisible.push({
            subject: `IAM policy of ${d.account} (${subject})`,
            problem: `not visible (${describeRefusal(policy)}): whether ${member} may mint its tokens, and so whether it delivers at all, is not known.`,
            fix: "grant the auditor iam.serviceAccounts.getIamPolicy (roles/iam.securityReviewer)",
          });
          continue;
        }
        const held = (policy.value.bindings ?? []).some(
          (b) => b.role === TOKEN_CREATOR && (b.members ?? []).includes(member),
        );
        if (!held)
          findings.push({
            kind: "agent-grant-missing",
            subject,
            member,
            role: TOKEN_CREATOR,
            account: d.account,
            problem: `${member} does not hold ${TOKEN_CREATOR} on ${d.account}: it cannot mint the account's tokens, so nothing is delivered, and only the subscription's metrics show it.`,
            fix: `pulumi up --stack ${context.stack} (the program grants it on this account alone)`,
            source: PUSH_AUTH,
          });
      }
    }
    const names = new Set(mine.map((d) => d.name));
    for (const s of observed.value) {
      if (names.has(s.name)) continue;
      const reached = targetsOf(s);
      if (reached.length === 0) continue;
      findings.push({
        kind: "undeclared-source",
        subject: `${s.name} (${SOURCE_KIND_WORDS[kind]}) → ${reached.join(", ")}`,
        ...(s.account ? { account: s.account } : {}),
        problem: `calls ${reached.join(", ")}${s.account ? ` as ${s.account}` : " with no token"}, and the declaration does not name it: nobody reviews it, and it calls whatever its account may.`,
        fix: `declare it under callgraph:callers (with calls: [${reached.join(", ")}]), or delete it`,
      });
    }
  }
  return { findings, notVisible };
}

/** What the declared sources need of the engine's evaluation (structurally its `GraphSource` and resources). */
export interface DeclaredSourceGraph {
  readonly sources: readonly {
    readonly name: string;
    readonly kind: SourceKind;
    readonly serviceAccount: string;
    readonly targets: readonly string[];
    readonly managed: boolean;
  }[];
}

/**
 * The callers that are not functions the program would deploy, each with the members its grants let mint its
 * account's tokens (`gcp.serviceaccount.IAMMember` of the token creator role on that account). Only those the
 * callgraph components make: a hand-written one is the policy pack's business before it is the audit's.
 */
export function declaredSources(
  graph: DeclaredSourceGraph,
  resources: readonly { readonly type: string; readonly inputs: Readonly<Record<string, unknown>> }[],
): DeclaredSource[] {
  const minters = new Map<string, string[]>();
  for (const r of resources) {
    if (r.type !== "gcp:serviceaccount/iAMMember:IAMMember" || r.inputs.role !== TOKEN_CREATOR) continue;
    const target = String(r.inputs.serviceAccountId ?? "");
    const account = target.slice(target.lastIndexOf("/") + 1).toLowerCase();
    minters.set(account, [...(minters.get(account) ?? []), String(r.inputs.member ?? "")]);
  }
  return graph.sources
    .filter((s) => s.managed && s.serviceAccount !== "")
    .map((s) => {
      const account = s.serviceAccount.toLowerCase();
      return {
        name: s.name,
        kind: s.kind,
        account,
        targets: s.targets,
        tokenMinters: [...new Set(minters.get(account) ?? [])].sort(),
      };
    });
}
