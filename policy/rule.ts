import { type StackResource } from "../iam";
import { parseRuleConfig, type ConfigFields, type FieldMap, type RawConfig } from "./config";
import type { Finding } from "./model";
import { callGraphView, isManaged, SCOPE_FIELD, settle, type Scope } from "./scope";

interface RuleInfo {
  /** Kebab-case policy name, the same in CrossGuard, `callgraph check` and the config. */
  readonly name: string;
  /** One sentence: what the policy requires. */
  readonly description: string;
  /** How to fix a violation, in general (each violation also says how to fix itself). */
  readonly remediation: string;
  /** Its settings, `scope` included. */
  readonly fields: FieldMap;
  /**
   * Level it runs at unless the pack config sets one: mandatory, but for a rule whose finding is a risk to weigh
   * rather than a certain fault (a grant no code is proven to use), which starts advisory.
   */
  readonly defaultEnforcement: "mandatory" | "advisory";
}

/** A rule that judges each resource of some types on its own. */
export interface ResourceRule extends RuleInfo {
  readonly kind: "resource";
  /** Type tokens it applies to. */
  readonly types: readonly string[];
  check(resource: StackResource, config: RawConfig): Finding[];
}

/** A rule that needs the whole stack (a grant and the function it is on, all functions' accounts). */
export interface StackRule extends RuleInfo {
  readonly kind: "stack";
  check(resources: readonly StackResource[], config: RawConfig): Finding[];
}

export type Rule = ResourceRule | StackRule;

interface Spec<C> extends Omit<RuleInfo, "fields" | "defaultEnforcement"> {
  readonly fields: ConfigFields<C>;
  /** Default: mandatory. */
  readonly defaultEnforcement?: RuleInfo["defaultEnforcement"];
}

/** Defines a per-resource rule; its settings are parsed (defaults filled in, types checked) before `check`. */
export function resourceRule<C>(
  spec: Spec<C> & {
    readonly types: readonly string[];
    check(resource: StackResource, config: C): Finding[];
  },
): ResourceRule {
  return {
    kind: "resource",
    name: spec.name,
    description: spec.description,
    remediation: spec.remediation,
    fields: withScope(spec.fields),
    defaultEnforcement: spec.defaultEnforcement ?? "mandatory",
    types: spec.types,
    check: (resource, raw) => {
      const { scope, config } = parse(spec.name, spec.fields, raw);
      // One resource alone says whether a callgraph component manages it (its URN and parent), not what refers
      // to it: a rule that needs the rest of the stack to tell is a stack rule.
      if (scope === "call-graph" && !isManaged(resource)) return [];
      return spec.check(resource, config);
    },
  };
}

/** Defines a stack rule; its settings are parsed before `check`. */
export function stackRule<C>(
  spec: Spec<C> & { check(resources: readonly StackResource[], config: C): Finding[] },
): StackRule {
  return {
    kind: "stack",
    name: spec.name,
    description: spec.description,
    remediation: spec.remediation,
    fields: withScope(spec.fields),
    defaultEnforcement: spec.defaultEnforcement ?? "mandatory",
    check: (resources, raw) => {
      const { scope, config } = parse(spec.name, spec.fields, raw);
      if (scope === "stack") return spec.check(resources, config);
      const view = callGraphView(resources);
      return settle(spec.check(view.resources, config), view.maybe);
    },
  };
}

/** A rule's own settings and `scope`, which every rule has (policy/scope.ts says what each value judges). */
function withScope<C>(fields: ConfigFields<C>): FieldMap {
  return { ...(fields as FieldMap), scope: SCOPE_FIELD };
}

function parse<C>(policy: string, fields: ConfigFields<C>, raw: RawConfig): { scope: Scope; config: C } {
  const { scope, ...config } = parseRuleConfig<C & { scope: Scope }>(
    policy,
    withScope(fields) as ConfigFields<C & { scope: Scope }>,
    raw,
  );
  return { scope, config: config as C };
}
