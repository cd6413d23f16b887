import { PolicyConfigError, readSettings, type RawConfig } from "./config";
import type { Rule } from "./rule";

/** CrossGuard's enforcement levels. `remediate` is reported as `mandatory`: these rules remediate nothing. */
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** Enforcement level and settings of each policy, resolved from a pack config. */
export interface PackSettings {
  readonly levels: ReadonlyMap<string, EnforcementLevel>;
  readonly configs: ReadonlyMap<string, RawConfig>;
}

/**
 * Reads a policy pack config in the format of `pulumi preview --policy-pack-config FILE`: an object whose `all`
 * key sets every policy's enforcement level, and whose other keys are policy names, each mapped to a level or to
 * `{ enforcementLevel?, ...settings }`. The same rules as the Pulumi CLI apply (a policy's own level beats `all`),
 * but stricter: unknown policies and settings, and values of the wrong type, are errors, not ignored.
 * https://www.pulumi.com/docs/iac/using-pulumi/crossguard/configuration/
 */
export function parsePackConfig(raw: unknown, rules: readonly Rule[], source: string): PackSettings {
  if (raw === undefined || raw === null)
    return { levels: levelsOf(rules, undefined, new Map()), configs: new Map() };
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new PolicyConfigError(`${source}: must be an object mapping policy names (or "all") to settings`);
  // Every problem at once, on the one line a CLI error has: one policy's mistake hides no other's.
  const problems: string[] = [];
  const entries = Object.entries(raw as Record<string, unknown>);
  const names = new Set(rules.map((r) => r.name));
  const own = new Map<string, EnforcementLevel>();
  const configs = new Map<string, RawConfig>();
  let all: EnforcementLevel | undefined;
  for (const [key, value] of entries) {
    if (key !== "all" && !names.has(key)) {
      problems.push(`unknown policy "${key}" (policies: ${[...names].join(", ")})`);
      continue;
    }
    let level: unknown;
    let settings: Record<string, unknown> = {};
    if (typeof value === "string") level = value;
    else if (value && typeof value === "object" && !Array.isArray(value)) {
      ({ enforcementLevel: level, ...settings } = value as Record<string, unknown>);
    } else {
      problems.push(`"${key}" must be an enforcement level or an object, not ${JSON.stringify(value)}`);
      continue;
    }
    if (level !== undefined && !LEVELS.includes(level as EnforcementLevel)) {
      problems.push(
        `"${key}": enforcementLevel must be one of ${LEVELS.join(", ")}, not ${JSON.stringify(level)}`,
      );
      level = undefined;
    }
    if (key === "all") {
      if (Object.keys(settings).length > 0) problems.push('"all" takes only an enforcement level');
      all = level as EnforcementLevel | undefined;
      continue;
    }
    if (level !== undefined) own.set(key, level as EnforcementLevel);
    const rule = rules.find((r) => r.name === key)!;
    try {
      readSettings(rule.name, rule.fields, settings); // fail now, with the file's name, not mid-check
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      continue;
    }
    configs.set(key, settings);
  }
  if (problems.length > 0) throw new PolicyConfigError(`${source}: ${problems.join("; ")}`);
  return { levels: levelsOf(rules, all, own), configs };
}

function levelsOf(
  rules: readonly Rule[],
  all: EnforcementLevel | undefined,
  own: ReadonlyMap<string, EnforcementLevel>,
): Map<string, EnforcementLevel> {
  return new Map(rules.map((r) => [r.name, own.get(r.name) ?? all ?? r.defaultEnforcement]));
}
