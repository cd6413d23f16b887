/**
 * Policy configuration: each rule declares its settings once, as fields with a type, a default and a
 * description. The CrossGuard adapter turns them into the policy's `configSchema`; `callgraph check` and the
 * pack both read settings through {@link parseRuleConfig}, so a setting means the same thing in both.
 */

export type ConfigValue = boolean | string | readonly string[];

interface BooleanField {
  readonly type: "boolean";
  readonly default: boolean;
  readonly description: string;
}

interface StringListField {
  readonly type: "string-list";
  readonly default: readonly string[];
  readonly description: string;
}

/** One of a few strings, e.g. a policy's `scope`. */
interface ChoiceField<T extends string = string> {
  readonly type: "choice";
  readonly choices: readonly T[];
  readonly default: T;
  readonly description: string;
}

export type ConfigField = BooleanField | StringListField | ChoiceField;

/** The fields of a rule whose settings have type `C`. */
export type ConfigFields<C> = {
  readonly [K in keyof C]: C[K] extends boolean
    ? BooleanField
    : C[K] extends readonly string[]
      ? StringListField
      : C[K] extends string
        ? ChoiceField<C[K]>
        : never;
};

/** Settings as they arrive: from CrossGuard's `getConfig()`, a `--policy-pack-config` file or the stack config. */
export type RawConfig = Readonly<Record<string, unknown>>;

/** A setting that is not one of the policy's, or has the wrong type. */
export class PolicyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyConfigError";
  }
}

/** Fields of any rule, whatever its settings' type. */
export type FieldMap = Readonly<Record<string, ConfigField>>;

/** Reads a rule's settings: defaults for what is missing, an error naming the policy for anything wrong. */
export function parseRuleConfig<C>(policy: string, fields: ConfigFields<C>, raw: RawConfig): C {
  // Every field of C is filled in, from the value given or its default.
  return readSettings(policy, fields as FieldMap, raw) as C;
}

/** {@link parseRuleConfig} for a rule whose settings' type is not known here. */
export function readSettings(policy: string, known: FieldMap, raw: RawConfig): Record<string, ConfigValue> {
  const unknownKeys = Object.keys(raw).filter((key) => !(key in known));
  if (unknownKeys.length > 0) {
    const allowed = Object.keys(known);
    throw new PolicyConfigError(
      `policy "${policy}" has no setting ${unknownKeys.map((k) => `"${k}"`).join(", ")} ` +
        `(its settings: ${allowed.length > 0 ? allowed.join(", ") : "none besides enforcementLevel"})`,
    );
  }
  const result: Record<string, ConfigValue> = {};
  for (const [key, field] of Object.entries(known)) {
    const value = raw[key];
    if (value === undefined) {
      result[key] = field.default;
    } else if (field.type === "boolean" && typeof value === "boolean") {
      result[key] = value;
    } else if (
      field.type === "string-list" &&
      Array.isArray(value) &&
      value.every((v) => typeof v === "string")
    ) {
      result[key] = value;
    } else if (field.type === "choice" && typeof value === "string" && field.choices.includes(value)) {
      result[key] = value;
    } else {
      const expected =
        field.type === "boolean"
          ? "true or false"
          : field.type === "string-list"
            ? "a list of strings"
            : `one of ${field.choices.map((c) => JSON.stringify(c)).join(", ")}`;
      throw new PolicyConfigError(
        `policy "${policy}": "${key}" must be ${expected}, not ${JSON.stringify(value)}`,
      );
    }
  }
  return result;
}
