import type { EffectiveGraph } from "../../engine";
import { compare, reviewGraph, type ReviewGrant, type ReviewGraph } from "../review/review-graph";
import { detectRenames } from "./renames";
import * as rules from "./risk";
import { secretAccessChanges, settingsChanges } from "./settings";
import type { Change, DiffFunction, DiffInvocation, GrantChange, GrantFacts, GraphDiff, Risk } from "./types";

/**
 * What a change does to who may invoke whom: the two revisions' effective graphs (from the engine, the one
 * extractor) in, a typed diff out. Pure, so it is tested on hand-made graphs without git or the engine.
 */
export function computeDiff(baseGraph: EffectiveGraph, headGraph: EffectiveGraph): GraphDiff {
  const base = reviewGraph(baseGraph);
  const head = reviewGraph(headGraph);
  const renames = detectRenames(base, head);
  const asHead = (name: string) => renames.get(name) ?? name;

  const headByName = new Map(head.functions.map((f) => [f.name, f]));
  const baseByHeadName = new Map(base.functions.map((f) => [asHead(f.name), f]));
  const removedNames = new Set(
    base.functions.filter((f) => !headByName.has(asHead(f.name))).map((f) => f.name),
  );
  const sharing = (name: string, account: string) =>
    head.functions
      .filter((f) => f.name !== name && f.serviceAccount === account && account !== "")
      .map((f) => f.name);

  const changes: Change[] = [];
  const functions: DiffFunction[] = [];
  for (const [from, to] of renames) {
    changes.push({
      kind: "function-renamed",
      from,
      to,
      subject: `${from} → ${to}`,
      ...rules.functionRenamed(from, to),
    });
  }
  for (const f of base.functions.filter((f) => removedNames.has(f.name))) {
    changes.push({
      kind: "function-removed",
      function: f.name,
      serviceAccount: f.serviceAccount,
      subject: f.name,
      ...rules.functionRemoved(),
    });
    functions.push({ name: f.name, status: "removed", serviceAccount: f.serviceAccount });
  }
  for (const f of head.functions) {
    const before = baseByHeadName.get(f.name);
    const previousName = before && before.name !== f.name ? before.name : undefined;
    functions.push({
      name: f.name,
      status: !before ? "added" : previousName ? "renamed" : "kept",
      previousName,
      serviceAccount: f.serviceAccount,
    });
    if (!before) {
      changes.push({
        kind: "function-added",
        function: f.name,
        serviceAccount: f.serviceAccount,
        subject: f.name,
        ...rules.functionAdded(f.serviceAccount, sharing(f.name, f.serviceAccount)),
      });
    }
    if (before && before.generation !== f.generation) {
      changes.push({
        kind: "generation-changed",
        function: f.name,
        before: before.generation,
        after: f.generation,
        subject: f.name,
        ...rules.generationChanged(before.generation, f.generation),
      });
    }
    if (before && !previousName && before.serviceAccount !== f.serviceAccount) {
      changes.push({
        kind: "service-account-changed",
        function: f.name,
        before: before.serviceAccount,
        after: f.serviceAccount,
        subject: f.name,
        ...rules.serviceAccountChanged(
          before.serviceAccount,
          f.serviceAccount,
          sharing(f.name, f.serviceAccount),
        ),
      });
    }
  }

  const baseGrants = grantsByKey(base, asHead);
  const headGrants = grantsByKey(head, (n) => n);
  const standingUndeclared: GrantFacts[] = [];
  for (const [key, g] of headGrants) {
    const before = baseGrants.get(key);
    if (!before) {
      changes.push({ kind: "grant-added", subject: grantSubject(g), ...g, ...rules.grantAdded(g) });
    } else if (g.undeclared.length > 0 && before.undeclared.length === 0) {
      changes.push({ kind: "grant-undeclared", subject: grantSubject(g), ...g, ...rules.grantUndeclared(g) });
    } else if (g.undeclared.length > 0) {
      standingUndeclared.push(g);
    }
  }
  for (const [key, g] of baseGrants) {
    // A removed function's grants, and its own account's grants on others, go with it: its row says so.
    const impliedByRemoval =
      removedNames.has(g.function) || (g.invokerKind === "function" && removedNames.has(g.invoker));
    if (!headGrants.has(key) && !impliedByRemoval) {
      changes.push({ kind: "grant-removed", subject: grantSubject(g), ...g, ...rules.grantRemoved(g) });
    }
  }

  // Which secrets each function may read, and its runtime settings (./settings.ts).
  changes.push(...secretAccessChanges(baseGraph, headGraph, asHead, removedNames));
  changes.push(...settingsChanges(baseGraph, headGraph, baseByHeadName));

  changes.sort(byRiskThenKind);
  const counts: Record<Risk, number> = { high: 0, medium: 0, low: 0 };
  for (const c of changes) counts[c.risk]++;
  functions.sort((a, b) => compare(a.name, b.name));
  return {
    changes,
    counts,
    functions,
    invocations: invocationStatuses(base, head, asHead),
    standingUndeclared,
  };
}

/** Grants by identity across revisions, with function names as at head; several resources may make one grant. */
function grantsByKey(graph: ReviewGraph, asHead: (name: string) => string): Map<string, GrantFacts> {
  const byKey = new Map<string, GrantFacts>();
  for (const g of graph.grants) {
    const facts = toFacts(g, asHead);
    const key = [
      facts.scope,
      facts.function,
      facts.invokerKind,
      facts.invoker,
      roleKey(facts),
      facts.managed,
    ].join("\0");
    const seen = byKey.get(key);
    byKey.set(
      key,
      seen
        ? {
            ...seen,
            undeclared: [...new Set([...seen.undeclared, ...facts.undeclared])],
            resources: [...seen.resources, ...facts.resources],
          }
        : facts,
    );
  }
  return byKey;
}

/**
 * Each generation has its own invoker role (roles/cloudfunctions.invoker on a 1st-gen function,
 * roles/run.invoker on a 2nd-gen function's service): the same grant, so a function that changes generation
 * keeps its grants instead of losing them all and gaining new ones.
 */
const GENERATION_INVOKER_ROLES = ["roles/cloudfunctions.invoker", "roles/run.invoker"];

function roleKey(facts: GrantFacts): string {
  return facts.scope === "function" && GENERATION_INVOKER_ROLES.includes(facts.role)
    ? "<invoker>"
    : facts.role;
}

function toFacts(g: ReviewGrant, asHead: (name: string) => string): GrantFacts {
  return {
    function: g.scope === "project" ? "*" : asHead(g.target),
    invoker: g.kind === "function" ? asHead(g.invoker) : g.invoker,
    invokerKind: g.kind,
    ...(g.callerSource ? { sourceKind: g.callerSource.kind } : {}),
    member: g.member,
    role: g.role,
    scope: g.scope,
    managed: g.managed,
    undeclared: g.undeclared,
    resources: [g.resource],
  };
}

function grantSubject(g: GrantFacts): string {
  return `${g.invoker} → ${g.scope === "project" ? "every function (project-level)" : g.function}`;
}

function invocationStatuses(
  base: ReviewGraph,
  head: ReviewGraph,
  asHead: (name: string) => string,
): DiffInvocation[] {
  const key = (fn: string, invoker: string) => `${fn}\0${invoker}`;
  const before = new Map(
    base.invocations.map((i) => {
      const invoker = i.kind === "function" ? asHead(i.invoker) : i.invoker;
      return [key(asHead(i.function), invoker), { ...i, function: asHead(i.function), invoker }];
    }),
  );
  const result: DiffInvocation[] = [];
  const sourceKinds = new Map([...base.sources, ...head.sources].map((x) => [x.name, x.kind]));
  const sourceKind = (i: { kind: string; invoker: string }) => {
    const kind = i.kind === "source" ? sourceKinds.get(i.invoker) : undefined;
    return kind ? { sourceKind: kind } : {};
  };
  for (const i of head.invocations) {
    const status = before.has(key(i.function, i.invoker)) ? "kept" : "added";
    result.push({
      function: i.function,
      invoker: i.invoker,
      kind: i.kind,
      ...sourceKind(i),
      status,
      undeclared: i.undeclared,
    });
  }
  const after = new Set(head.invocations.map((i) => key(i.function, i.invoker)));
  for (const [k, i] of before) {
    if (!after.has(k)) {
      result.push({
        function: i.function,
        invoker: i.invoker,
        kind: i.kind,
        ...sourceKind(i),
        status: "removed",
        undeclared: i.undeclared,
      });
    }
  }
  return result.sort((a, b) => compare(key(a.function, a.invoker), key(b.function, b.invoker)));
}

const KIND_ORDER: Record<Change["kind"], number> = {
  "function-renamed": 0,
  "function-added": 1,
  "function-removed": 2,
  "generation-changed": 3,
  "service-account-changed": 4,
  "grant-added": 5,
  "grant-undeclared": 6,
  "grant-removed": 7,
  "secret-access-added": 8,
  "secret-access-removed": 9,
  "settings-changed": 10,
};

function byRiskThenKind(a: Change, b: Change): number {
  return (
    rules.riskOrder(a.risk) - rules.riskOrder(b.risk) ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    compare(a.subject, b.subject)
  );
}

/** Grant additions the change makes, for `--fail-on`. */
export function addedGrants(diff: GraphDiff): GrantChange[] {
  return diff.changes.filter((c): c is GrantChange => c.kind === "grant-added");
}
