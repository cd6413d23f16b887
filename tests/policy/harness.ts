import * as policySdk from "@pulumi/policy";
import type {
  PolicyResource as CrossGuardResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { fromEngine, UNKNOWN, type RegisteredResource } from "../../engine";
import type { RawConfig } from "../../policy/config";
import { parsePackConfig } from "../../policy/pack-config";
import { POLICIES } from "../../policy/policies";
import { RULES } from "../../policy/rules";
import { runRules } from "../../policy/run-rules";
import { parentUrnOf, urnOf, withUnknownsAs, type TestResource } from "./fixtures";

/**
 * Runs a policy the way the Pulumi CLI's policy server does (pulumi-policy-aws `src/tests/util.ts`): fake
 * args, props wrapped in CrossGuard's own unknown-checking proxy, a `reportViolation` spy. The pack itself
 * (`policy/index.ts`) is never loaded: constructing a PolicyPack starts a server.
 */

// Exported by @pulumi/policy at run time, but not in its type declarations.
const sdk = policySdk as unknown as {
  unknownCheckingProxy<T extends object>(value: T): T;
  UnknownValueError: new (...args: never[]) => Error;
};

const OPTIONS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** What a policy reported: violations in order, and the UnknownValueError it let through, if any. */
export interface PolicyRun {
  readonly violations: { readonly urn: string; readonly message: string }[];
  /** Set when a check could not be decided: the server reports this as "can't run policy during preview". */
  readonly unknownError?: Error;
}

/** As the policy server decides it: @pulumi/gcp classes recognize their own type token. */
/** What `args.notApplicable()` throws; the server records it and moves on, as `runPolicy` does. */
class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

function isTypeOf(type: string, cls: object): boolean {
  return (cls as { isInstance?(obj: unknown): boolean }).isInstance?.({ __pulumiType: type }) === true;
}

function crossGuardProps(r: TestResource): Record<string, unknown> {
  return sdk.unknownCheckingProxy(withUnknownsAs(r.props, unknownValue) as Record<string, unknown>);
}

export function resourceArgs(r: TestResource, config: RawConfig = {}): ResourceValidationArgs {
  return {
    type: r.type,
    props: crossGuardProps(r),
    urn: urnOf(r),
    name: r.name,
    opts: OPTIONS,
    stackTags: new Map(),
    isType: (cls) => isTypeOf(r.type, cls),
    asType: () => {
      throw new Error("the policies read args.props, never asType");
    },
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

export function stackArgs(stack: readonly TestResource[], config: RawConfig = {}): StackValidationArgs {
  const resources: CrossGuardResource[] = stack.map((r) => ({
    type: r.type,
    props: crossGuardProps(r),
    urn: urnOf(r),
    name: r.name,
    opts: OPTIONS,
    dependencies: [],
    propertyDependencies: {},
    isType: (cls) => isTypeOf(r.type, cls),
    asType: () => {
      throw new Error("the policies read props, never asType");
    },
  }));
  // CrossGuard hands a stack policy each resource's parent as the parent resource itself.
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  stack.forEach((r, i) => {
    const parent = parentUrnOf(r, stack);
    if (parent !== undefined) resources[i] = { ...resources[i], parent: byUrn.get(parent) };
  });
  return {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
  return "validateStack" in p;
}

/** Runs one CrossGuard policy over a stack: a stack policy once, a resource policy on every resource. */
export async function runPolicy(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  stack: readonly TestResource[],
  config: RawConfig = {},
): Promise<PolicyRun> {
  const violations: { urn: string; message: string }[] = [];
  let unknownError: Error | undefined;
  const capture = async (validate: () => void | Promise<void>) => {
    try {
      await validate();
    } catch (error) {
      if (error instanceof NotApplicable) return;
      if (!(error instanceof sdk.UnknownValueError)) throw error;
      unknownError ??= error;
    }
  };
  if (isStackPolicy(policy)) {
    await capture(() =>
      policy.validateStack(stackArgs(stack, config), (message, urn) =>
        violations.push({ urn: urn ?? "", message }),
      ),
    );
  } else {
    const validations = [policy.validateResource ?? []].flat();
    for (const r of stack) {
      for (const validation of validations) {
        // The server reports resource violations against the resource being validated.
        await capture(() =>
          validation(resourceArgs(r, config), (message) => violations.push({ urn: urnOf(r), message })),
        );
      }
    }
  }
  return { violations, unknownError };
}

/**
 * The same stack as the engine would have recorded it, unknowns as `<computed>`: a custom resource's props as its
 * inputs; a callgraph component's (a stack policy sees its registered outputs) as its outputs, with no inputs, as
 * ServiceFunction registers them.
 */
export function registered(stack: readonly TestResource[]): RegisteredResource[] {
  return stack.map((r) => {
    const custom = !r.type.startsWith("callgraph:index:");
    const props = withUnknownsAs(r.props, UNKNOWN) as Record<string, unknown>;
    return {
      urn: urnOf(r),
      type: r.type,
      name: r.name,
      custom,
      inputs: custom ? props : {},
      outputs: custom ? {} : props,
      id: UNKNOWN,
      parent: parentUrnOf(r, stack),
      dependencies: [],
      propertyDependencies: {},
      options: {
        replaceWith: [],
        deleteBeforeReplace: false,
        protect: false,
        ignoreChanges: [],
        replaceOnChanges: [],
      },
    };
  });
}

/**
 * Runs policy `name` through both adapters, CrossGuard and the engine's (`callgraph check`), asserts they
 * agree, and returns the CrossGuard run.
 */
export async function check(
  name: string,
  stack: readonly TestResource[],
  config: RawConfig = {},
): Promise<PolicyRun> {
  const policy = POLICIES.find((p) => p.name === name);
  const rule = RULES.find((r) => r.name === name);
  if (!policy || !rule) throw new Error(`no policy ${name}`);
  const crossGuard = await runPolicy(policy, stack, config);
  const engine = runRules(fromEngine(registered(stack)), parsePackConfig({ [name]: config }, RULES, "test"), [
    rule,
  ]);
  expect(engine.violations.map(({ urn, message }) => ({ urn, message }))).toEqual(crossGuard.violations);
  expect(engine.undecided.length > 0).toBe(crossGuard.unknownError !== undefined);
  return crossGuard;
}
