import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  TypedResourceValidation,
} from "@pulumi/policy";
import { type Props, type StackResource, Unknown } from "../iam";
import type { FieldMap, RawConfig } from "./config";
import { violationMessage, type Finding } from "./model";
import type { ResourceRule, StackRule } from "./rule";

/**
 * The CrossGuard adapter: Pulumi CLI arguments in, the rule's findings out through `reportViolation`.
 *
 * Unknown values. During `pulumi preview`, the CLI hands policies props in which values computed at deployment
 * are unknown; reading one throws CrossGuard's UnknownValueError. The adapter reads every property up front and
 * puts an {@link Unknown} (holding that error) where it threw, so a rule sees the rest of the resource and
 * still reports every definite violation. If some check could not be decided, the adapter then rethrows the
 * error: the CLI turns that into its standard advisory "can't run policy ... during preview" note, and the
 * check runs for real at `pulumi up`, when inputs are known.
 */

/** The metadata of the policy for `rule`: name, description, remediation, mandatory, config schema. */
export function policyInfo(
  rule: ResourceRule | StackRule,
): Pick<
  ResourceValidationPolicy,
  "name" | "description" | "remediationSteps" | "enforcementLevel" | "configSchema"
> {
  return {
    name: rule.name,
    description: rule.description,
    remediationSteps: rule.remediation,
    enforcementLevel: rule.defaultEnforcement,
    configSchema: configSchemaOf(rule.fields),
  };
}

/**
 * The validation `validateResourceOfType(gcp.X, ...)` calls for a resource rule. The typed props it is given
 * are not read: the rule reads `args.props`, through {@link readProps}, so that unknown values cannot throw.
 */
export function validateWith(rule: ResourceRule): TypedResourceValidation<unknown> {
  return (_props, args, reportViolation) => {
    report(rule.check(fromResourceArgs(args), args.getConfig<RawConfig>()), reportViolation);
  };
}

/** The whole StackValidationPolicy for a stack rule: it runs over every resource of the stack. */
export function stackPolicy(rule: StackRule): StackValidationPolicy {
  return {
    ...policyInfo(rule),
    validateStack: (args, reportViolation) => {
      report(rule.check(fromStackArgs(args), args.getConfig<RawConfig>()), reportViolation);
    },
  };
}

/** JSON schema of a rule's settings, with their defaults (the Pulumi CLI fills those in before calling). */
export function configSchemaOf(fields: FieldMap): PolicyConfigSchema {
  const properties: PolicyConfigSchema["properties"] = {};
  for (const [key, field] of Object.entries(fields)) {
    properties[key] =
      field.type === "boolean"
        ? { type: "boolean", default: field.default, description: field.description }
        : field.type === "choice"
          ? {
              type: "string",
              enum: [...field.choices],
              default: field.default,
              description: field.description,
            }
          : {
              type: "array",
              items: { type: "string" },
              default: [...field.default],
              description: field.description,
            };
  }
  return { properties };
}

/** Reports definite violations, then rethrows the first unknown that kept a check from being decided. */
export function report(findings: readonly Finding[], reportViolation: ReportViolation): void {
  let cause: unknown;
  for (const finding of findings) {
    if (finding.kind === "violation")
      reportViolation(violationMessage(finding.why, finding.fix), finding.urn);
    else cause ??= finding.unknown.cause;
  }
  if (cause !== undefined) throw cause;
}

export function fromResourceArgs(args: ResourceValidationArgs): StackResource {
  return {
    type: args.type,
    urn: args.urn,
    name: args.name,
    props: readProps(args.props),
    parent: args.opts.parent,
  };
}

export function fromStackArgs(args: StackValidationArgs): StackResource[] {
  return args.resources.map((r) => ({
    type: r.type,
    urn: r.urn,
    name: r.name,
    props: readProps(r.props),
    parent: r.parent?.urn,
  }));
}

/** Copies props into plain data, with an {@link Unknown} wherever reading threw CrossGuard's UnknownValueError. */
export function readProps(props: Record<string, unknown>): Props {
  return plain(props, "") as Props;
}

function plain(value: unknown, path: string): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++)
      items.push(readAt(value as readonly unknown[], i, `${path}[${i}]`));
    return items;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  // Assets and archives (class instances): no rule reads their contents.
  if (proto !== Object.prototype && proto !== null) return "<asset>";
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = readAt(value, key, path ? `${path}.${key}` : key);
  return out;
}

function readAt(container: object, key: string | number, path: string): unknown {
  let value: unknown;
  try {
    value = (container as Readonly<Record<string | number, unknown>>)[key];
  } catch (error) {
    if (isUnknownValueError(error)) return new Unknown(path, error);
    throw error;
  }
  return plain(value, path);
}

/**
 * CrossGuard's UnknownValueError (`@pulumi/policy/proxy`), recognized by its fields: the package exports the
 * class at run time but not in its type declarations.
 */
function isUnknownValueError(error: unknown): boolean {
  return (
    error instanceof Error &&
    "unknownTypeSentinel" in error &&
    Array.isArray((error as { props?: unknown }).props)
  );
}
