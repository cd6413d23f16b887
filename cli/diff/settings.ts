import {
  UNKNOWN,
  type EffectiveGraph,
  type FunctionSettings,
  type GraphSecret,
  type SecretGrant,
} from "../../engine";
import { possessive } from "../render/words";
import { resourceLabel } from "../review/review-graph";
import type {
  Assessment,
  Risk,
  SecretAccessChange,
  SecretAccessFacts,
  SettingChange,
  SettingsChange,
} from "./types";

/**
 * The two kinds of change a function's runtime settings make: which secrets its account may read (a grant, so a
 * reviewer weighs it: `secret-access-added` / `-removed`), and the settings themselves (its own variables, secrets
 * read, instances, connector, labels, 2nd gen's concurrency and CPU: `settings-changed`, low). Both from the engine's
 * effective graph, as every other row.
 */

/** The role a function needs to read a secret, and all the component grants (`topology/secrets.ts`). */
const ACCESSOR = "roles/secretmanager.secretAccessor";

/** Secret access by identity across revisions, function names as at head; several resources may make one grant. */
function accessByKey(
  graph: EffectiveGraph,
  asHead: (name: string) => string,
): Map<string, SecretAccessFacts> {
  const byKey = new Map<string, SecretAccessFacts>();
  for (const g of graph.secretGrants) {
    const facts = toFacts(g, asHead);
    const key = [facts.function, facts.secret, facts.role, facts.scope, facts.managed].join("\0");
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, resources: [...seen.resources, ...facts.resources] } : facts);
  }
  return byKey;
}

function toFacts(g: SecretGrant, asHead: (name: string) => string): SecretAccessFacts {
  return {
    function: asHead(g.function),
    secret: g.secret,
    scope: g.scope,
    role: g.role,
    member: g.member,
    managed: g.managed,
    conditional: g.conditional,
    resources: [g.resource],
  };
}

/**
 * Every secret a function's account gains or loses the right to read. A removed function's grants go with it (its
 * row says so); a renamed one's are matched under its new name.
 */
export function secretAccessChanges(
  base: EffectiveGraph,
  head: EffectiveGraph,
  asHead: (name: string) => string,
  removed: ReadonlySet<string>,
): SecretAccessChange[] {
  const before = accessByKey(base, asHead);
  const after = accessByKey(head, (n) => n);
  const changes: SecretAccessChange[] = [];
  for (const [key, g] of after)
    if (!before.has(key))
      changes.push({ kind: "secret-access-added", subject: subjectOf(g), ...g, ...secretAccessAdded(g) });
  // A removed function keeps its name (only a rename changes one), so its grants are found by it.
  for (const [key, g] of before)
    if (!after.has(key) && !removed.has(g.function))
      changes.push({ kind: "secret-access-removed", subject: subjectOf(g), ...g, ...secretAccessRemoved(g) });
  return changes;
}

function subjectOf(g: SecretAccessFacts): string {
  return `${g.function} → ${secretWords(g)}`;
}

/** `secret projects/p/secrets/api-key`, or `every secret of project p` for a grant above one secret. */
function secretWords(g: Pick<SecretAccessFacts, "scope" | "secret">): string {
  if (g.scope === "secret") return `secret ${g.secret}`;
  const target = g.secret.split("/")[1];
  return `every secret of ${g.scope} ${target}`;
}

/**
 * The risk rules of secret access. The components' own grant (the accessor role, on one secret, from a declared
 * `secrets` entry) is medium: the function may read a new secret, which a reviewer should mean. Anything wider is
 * high: a grant written outside the components, on a whole project (or folder, or organization), of a role that can
 * do more than read, or one whose role is not known before deployment.
 */
export function secretAccessAdded(g: SecretAccessFacts): Assessment {
  const reasons: [Risk, string][] = [
    ["medium", `new secret access: ${possessive(g.function)} service account may read ${secretWords(g)}`],
  ];
  if (!g.managed)
    reasons.push([
      "high",
      `made outside the callgraph components (${g.resources.map(resourceLabel).join(", ")}): the declaration does not account for it`,
    ]);
  if (g.scope !== "secret")
    reasons.push(["high", `${g.scope}-level: reaches every secret of the ${g.scope}, present and future`]);
  if (g.role === UNKNOWN)
    reasons.push(["high", "role not known before deployment: it may be more than reading"]);
  else if (g.role !== ACCESSOR)
    reasons.push([
      "high",
      `broad role ${g.role}: more than reading (it can change, delete or share the secret)`,
    ]);
  return assess(reasons);
}

export function secretAccessRemoved(g: SecretAccessFacts): Assessment {
  return assess([["low", `${possessive(g.function)} service account may no longer read ${secretWords(g)}`]]);
}

/**
 * What changed in each kept (or renamed) function's settings, one reason per setting, low: nobody gains access by
 * them (a secret read needs a grant, which is its own row). The program's own `CALLGRAPH_*` variables are not
 * compared: they follow the edges, which have rows of their own. Variables are named, never their values.
 */
export function settingsChanges(
  base: EffectiveGraph,
  head: EffectiveGraph,
  baseByHeadName: ReadonlyMap<string, { readonly name: string }>,
): SettingsChange[] {
  const baseByName = new Map(base.functions.map((f) => [f.name, f]));
  const changes: SettingsChange[] = [];
  for (const f of head.functions) {
    const original = baseByHeadName.get(f.name);
    const before = original ? baseByName.get(original.name) : undefined;
    if (!before) continue;
    const settings = compareSettings(before.settings, f.settings);
    if (settings.length === 0) continue;
    changes.push({
      kind: "settings-changed",
      function: f.name,
      subject: f.name,
      settings,
      risk: "low",
      reasons: settings.map(settingWords),
    });
  }
  return changes;
}

/** The settings that differ, in a fixed order. */
export function compareSettings(a: FunctionSettings, b: FunctionSettings): SettingChange[] {
  const out: SettingChange[] = [];
  const env = mapChange(a.environment, b.environment, false);
  if (env) out.push({ setting: "environment", ...env });
  const secrets = listChange(a.secrets.map(secretText), b.secrets.map(secretText));
  if (secrets) out.push({ setting: "secrets", ...secrets });
  for (const key of [
    "minInstances",
    "vpcConnector",
    "vpcConnectorEgressSettings",
    "concurrency",
    "cpu",
  ] as const) {
    const [x, y] = [a[key], b[key]];
    if (x !== y)
      out.push({
        setting: key,
        before: x === undefined ? undefined : String(x),
        after: y === undefined ? undefined : String(y),
      });
  }
  const labels = mapChange(a.labels, b.labels, true);
  if (labels) out.push({ setting: "labels", ...labels });
  return out;
}

/** `API_KEY ← projects/p/secrets/api-key@latest`, `/etc/secrets/tls/cert ← projects/p/secrets/tls@3`. */
export function secretText(s: GraphSecret): string {
  return `${s.env ?? s.path} ← ${s.secret}@${s.version}`;
}

function mapChange(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
  withValues: boolean,
): Pick<SettingChange, "added" | "removed" | "changed"> | undefined {
  const show = (map: Readonly<Record<string, string>>, k: string) => (withValues ? `${k}=${map[k]}` : k);
  const added = Object.keys(b)
    .filter((k) => !(k in a))
    .sort()
    .map((k) => show(b, k));
  const removed = Object.keys(a)
    .filter((k) => !(k in b))
    .sort()
    .map((k) => show(a, k));
  const changed = Object.keys(b)
    .filter((k) => k in a && a[k] !== b[k])
    .sort()
    .map((k) => show(b, k));
  return added.length + removed.length + changed.length === 0 ? undefined : { added, removed, changed };
}

function listChange(
  a: readonly string[],
  b: readonly string[],
): Pick<SettingChange, "added" | "removed" | "changed"> | undefined {
  const added = b.filter((x) => !a.includes(x));
  const removed = a.filter((x) => !b.includes(x));
  return added.length + removed.length === 0 ? undefined : { added, removed, changed: [] };
}

/** One setting's change in words: `environment: adds LOG_LEVEL; changes REGION`, `minInstances: none → 2`. */
export function settingWords(c: SettingChange): string {
  if (c.added || c.removed || c.changed) {
    const parts = [
      c.added?.length ? `adds ${c.added.join(", ")}` : "",
      c.removed?.length ? `removes ${c.removed.join(", ")}` : "",
      c.changed?.length ? `changes ${c.changed.join(", ")}` : "",
    ].filter(Boolean);
    return `${c.setting}: ${parts.join("; ")}`;
  }
  return `${c.setting}: ${c.before ?? "none"} → ${c.after ?? "none"}`;
}

const ORDER: Record<Risk, number> = { high: 0, medium: 1, low: 2 };

/** The worst risk among the reasons; the headline stays first, the rest follow worst first (as ./risk.ts). */
function assess(reasons: readonly [Risk, string][]): Assessment {
  const [headline, ...rest] = reasons;
  const risk = reasons.reduce<Risk>((worst, [r]) => (ORDER[r] < ORDER[worst] ? r : worst), "low");
  const others = [...rest].sort((a, b) => ORDER[a[0]] - ORDER[b[0]]);
  return { risk, reasons: [headline, ...others].map(([, text]) => text) };
}
