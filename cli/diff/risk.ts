import { sourceKindWords } from "../../iam/source-kinds";
import { UNKNOWN } from "../../engine/types";
import { possessive } from "../render/words";
import { INVOKE_ONLY_ROLES, isDefaultAccount } from "../review/members";
import type { Assessment, GrantFacts, Risk } from "./types";

/**
 * The risk rules, one function per kind of change, so docs/review.md and the tests can name each. A change is
 * as risky as its worst reason; the headline reason comes first.
 */

/** Who may invoke a function, in words. */
function accessWords(g: GrantFacts): string {
  const target = g.scope === "project" ? "every function of the project" : g.function;
  switch (g.invokerKind) {
    case "public":
      return g.member === "allUsers"
        ? `anyone on the internet may invoke ${target}`
        : `any Google account may invoke ${target}`;
    case "external":
      return `${g.member} may invoke ${target}`;
    case "function":
      return `${possessive(g.invoker)} service account may invoke ${target}`;
    case "source":
      return `the ${g.invoker} ${sourceKindWords(g.sourceKind) ?? "caller"} may invoke ${target}`;
  }
}

export function grantAdded(g: GrantFacts): Assessment {
  const reasons: [Risk, string][] = [];
  if (g.invokerKind === "public") reasons.push(["high", `new public invoker: ${accessWords(g)}`]);
  else if (g.invokerKind === "external") reasons.push(["high", `new external member: ${accessWords(g)}`]);
  else if (g.invokerKind === "source") reasons.push(["medium", `new source: ${accessWords(g)}`]);
  else reasons.push(["medium", `new edge: ${accessWords(g)}`]);
  if (g.undeclared.length > 0) reasons.push(["high", `undeclared grant: ${g.undeclared.join("; ")}`]);
  // In a preview a grant's role or member may be computed: what cannot be read cannot be waved through.
  if (g.member === UNKNOWN)
    reasons.push(["high", "member not known before deployment: check who it will be"]);
  if (g.role === UNKNOWN)
    reasons.push(["high", "role not known before deployment: it may be more than invoking"]);
  else if (!INVOKE_ONLY_ROLES.includes(g.role)) {
    reasons.push(["high", `broad role ${g.role}: more than invoking (it can change or delete the function)`]);
  }
  return assess(reasons);
}

export function grantRemoved(g: GrantFacts): Assessment {
  const what =
    g.invokerKind === "function"
      ? `edge removed: ${g.invoker} may no longer invoke`
      : g.invokerKind === "source"
        ? `source removed: the ${g.invoker} ${sourceKindWords(g.sourceKind) ?? "caller"} may no longer invoke`
        : `${g.member} may no longer invoke`;
  return assess([["low", `${what} ${g.scope === "project" ? "every function of the project" : g.function}`]]);
}

/** A grant that both revisions make, which the declaration accounted for at base and no longer does. */
export function grantUndeclared(g: GrantFacts): Assessment {
  return assess([["high", `undeclared grant: ${g.undeclared.join("; ")}`]]);
}

/** A move between generations: same account and grants, but a new function, URL and invoker role. */
export function generationChanged(before: 1 | 2, after: 1 | 2): Assessment {
  return assess([
    [
      "medium",
      `generation ${before} → ${after}: the function is replaced and gets a new URL; its account and grants carry over (the invoker role becomes ${after === 2 ? "roles/run.invoker on its Cloud Run service" : "roles/cloudfunctions.invoker on the function"})`,
    ],
  ]);
}

export function functionAdded(serviceAccount: string, sharedWith: readonly string[]): Assessment {
  return assess([
    ["low", "new function: nobody may invoke it but the grants listed for it"],
    ...accountRisks(serviceAccount, sharedWith),
  ]);
}

export function functionRemoved(): Assessment {
  return assess([["low", "function removed, with its service account and grants"]]);
}

export function functionRenamed(from: string, to: string): Assessment {
  return assess([
    [
      "medium",
      `renamed: ${from} is replaced by ${to} (same code, entry point and edges); its URL and service account change, so clients of the old URL break`,
    ],
  ]);
}

export function serviceAccountChanged(
  before: string,
  after: string,
  sharedWith: readonly string[],
): Assessment {
  return assess([
    ["medium", `runs as ${after || "the default account"} instead of ${before || "the default account"}`],
    ...accountRisks(after, sharedWith),
  ]);
}

/** A default account holds Editor (gen1); an account shared by functions gives each the other's access. */
function accountRisks(account: string, sharedWith: readonly string[]): [Risk, string][] {
  const risks: [Risk, string][] = [];
  if (isDefaultAccount(account))
    risks.push([
      "high",
      `runs as ${account || "the platform's default account"}, which holds Editor on the project`,
    ]);
  else if (sharedWith.length > 0)
    risks.push([
      "high",
      `shares its service account with ${sharedWith.join(", ")}: each gets the other's access`,
    ]);
  return risks;
}

const ORDER: Record<Risk, number> = { high: 0, medium: 1, low: 2 };

export function riskOrder(risk: Risk): number {
  return ORDER[risk];
}

/** The worst risk among the reasons; the headline stays first, the rest follow worst first. */
function assess(reasons: readonly [Risk, string][]): Assessment {
  const [headline, ...rest] = reasons;
  const risk = reasons.reduce<Risk>((worst, [r]) => (ORDER[r] < ORDER[worst] ? r : worst), "low");
  const others = [...rest].sort((a, b) => ORDER[a[0]] - ORDER[b[0]]);
  return { risk, reasons: [headline, ...others].map(([, text]) => text) };
}
