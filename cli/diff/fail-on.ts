import { UsageError } from "../errors";
import { INVOKE_ONLY_ROLES, isDefaultAccount } from "../review/members";
import { isUnusedEdgeAdded } from "./call-sites";
import { riskOrder } from "./risk";
import type { Change, GraphDiff, Risk } from "./types";

/** A class of change that `--fail-on` can make fatal. */
export interface FailOnClass {
  /** What the user writes after `--fail-on`. */
  readonly name: string;
  /** What it catches, for help, errors and docs/review.md alike. */
  readonly means: string;
  /** True for a change of this class; `diff` is there for classes that look at the whole change. */
  readonly matches: (change: Change, diff: GraphDiff) => boolean;
}

const atLeast = (risk: Risk) => (c: Change) => riskOrder(c.risk) <= riskOrder(risk);
const grantAdded = (c: Change) => c.kind === "grant-added";

/**
 * Every class `--fail-on` accepts, named after what the diff prints: its risk levels (docs/review.md, "Risk
 * labels") and its kinds of change (cli/render/change-labels.ts). One row per class: adding a class is adding a
 * row; help, the unknown-class error and the docs all list this table.
 */
export const FAIL_ON_CLASSES: readonly FailOnClass[] = [
  { name: "high", means: "any change rated high", matches: atLeast("high") },
  { name: "medium", means: "any change rated medium or high", matches: atLeast("medium") },
  { name: "low", means: "any change at all", matches: atLeast("low") },
  {
    name: "public",
    means: "a public invoker added (allUsers or allAuthenticatedUsers)",
    matches: (c) => c.kind === "grant-added" && c.invokerKind === "public",
  },
  {
    name: "external",
    means:
      "an invoker added that is none of the stack's functions or callers (user, group, domain, outside account)",
    matches: (c) => c.kind === "grant-added" && c.invokerKind === "external",
  },
  {
    name: "undeclared",
    means: "a grant the declaration does not account for, added or newly undeclared",
    matches: (c) => (c.kind === "grant-added" && c.undeclared.length > 0) || c.kind === "grant-undeclared",
  },
  {
    name: "project-level",
    means: "an invoking role granted on the whole project",
    matches: (c) => c.kind === "grant-added" && c.scope === "project",
  },
  {
    name: "broad-role",
    means: "a grant of a role beyond invoking, or of a role not known before deployment",
    matches: (c) => c.kind === "grant-added" && !INVOKE_ONLY_ROLES.includes(c.role),
  },
  {
    name: "default-account",
    means: "a function added or changed to run as a default or shared service account",
    matches: (c, diff) => {
      const runs = newAccount(c);
      return runs !== undefined && (isDefaultAccount(runs.account) || sharedAccount(runs, diff));
    },
  },
  {
    name: "new-grant",
    means: "any grant added (an edge, an invoker, a public invoker)",
    matches: grantAdded,
  },
  {
    name: "new-edge",
    means: "an edge added: one function may now invoke another",
    matches: (c) => c.kind === "grant-added" && c.invokerKind === "function",
  },
  {
    name: "new-source",
    means:
      "a caller that is not a function (Scheduler job, push subscription, queue, workflow, Eventarc trigger) added to a function",
    matches: (c) => c.kind === "grant-added" && c.invokerKind === "source",
  },
  {
    name: "unused",
    means: "an edge added that no code of the caller calls (no call site, no dynamic call)",
    matches: isUnusedEdgeAdded,
  },
  { name: "new-function", means: "a function added", matches: (c) => c.kind === "function-added" },
  {
    name: "removed-grant",
    means: "an edge or an invoker removed",
    matches: (c) => c.kind === "grant-removed",
  },
  {
    name: "removed-function",
    means: "a function removed",
    matches: (c) => c.kind === "function-removed",
  },
  { name: "renamed", means: "a function renamed", matches: (c) => c.kind === "function-renamed" },
  {
    name: "generation",
    means: "a function moved between generations",
    matches: (c) => c.kind === "generation-changed",
  },
  {
    name: "service-account",
    means: "a function's service account changed",
    matches: (c) => c.kind === "service-account-changed",
  },
  {
    name: "secret-access",
    means: "a function's service account may read a secret it could not read before",
    matches: (c) => c.kind === "secret-access-added",
  },
  {
    name: "settings",
    means: "a function's runtime settings changed: variables, secrets, instances, connector, labels, CPU",
    matches: (c) => c.kind === "settings-changed",
  },
];

/** The names `--fail-on` accepts, in table order, for help text and errors. */
export const FAIL_ON_NAMES: readonly string[] = FAIL_ON_CLASSES.map((c) => c.name);

/**
 * `--fail-on public,undeclared` and `--fail-on public --fail-on undeclared` alike, in table order without
 * repeats; an unknown class is a usage error that lists every class.
 */
export function parseFailOn(values: readonly string[]): FailOnClass[] {
  const names = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  // `--fail-on "$CLASSES"` with the variable unset would turn the gate off without a word: an empty value is a mistake.
  if (values.length > 0 && names.length === 0)
    throw new UsageError(
      `diff: --fail-on: no class given (the value is empty). Use one or more of ${FAIL_ON_NAMES.join(", ")} ` +
        "(comma-separated), or leave --fail-on out",
    );
  const unknown = [...new Set(names.filter((n) => !FAIL_ON_NAMES.includes(n)))];
  if (unknown.length > 0)
    throw new UsageError(
      `diff: --fail-on: unknown class ${unknown.map((u) => JSON.stringify(u)).join(", ")}. ` +
        `Use one or more of ${FAIL_ON_NAMES.join(", ")} (comma-separated; see callgraph diff --help)`,
    );
  return FAIL_ON_CLASSES.filter((c) => names.includes(c.name));
}

/** At most this many subjects are named per class; the rest are counted. */
const NAMED = 10;

/**
 * One line per requested class the change has, naming what it found (`public: allUsers → status`); empty when
 * the change passes.
 */
export function failOnViolations(diff: GraphDiff, classes: readonly FailOnClass[]): string[] {
  return classes.flatMap((cls) => {
    const found = diff.changes.filter((c) => cls.matches(c, diff)).map((c) => c.subject);
    if (found.length === 0) return [];
    const more = found.length > NAMED ? `, and ${found.length - NAMED} more` : "";
    return [`${cls.name}: ${found.slice(0, NAMED).join(", ")}${more}`];
  });
}

/** The account a function starts to run as with this change, if the change is about that. */
function newAccount(c: Change): { function: string; account: string } | undefined {
  switch (c.kind) {
    case "function-added":
      return { function: c.function, account: c.serviceAccount };
    case "service-account-changed":
      return { function: c.function, account: c.after };
    default:
      return undefined;
  }
}

/** True when another function at head runs as the same account (the policy pack refuses that). */
function sharedAccount(runs: { function: string; account: string }, diff: GraphDiff): boolean {
  return diff.functions.some(
    (f) =>
      f.name !== runs.function &&
      f.status !== "removed" &&
      runs.account !== "" &&
      f.serviceAccount === runs.account,
  );
}
