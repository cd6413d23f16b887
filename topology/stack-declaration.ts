import { checkTopology, CONFIG_KEY, parseTopology, type ParseOptions } from "./parse";
import type { Topology } from "./model";
import { isDeepStrictEqual } from "node:util";
import type { TopologyIssue } from "./errors";
import { PRINCIPALS_KEY, principalsInCode } from "./principals";
import { CALLERS_KEY } from "./callers";

/** Every stack-config key the declaration is read from, as written in `Pulumi.<stack>.yaml`. */
export const DECLARATION_CONFIG_KEYS = {
  functions: CONFIG_KEY,
  generation: "callgraph:generation",
  runtime: "callgraph:runtime",
  principals: PRINCIPALS_KEY,
  callers: CALLERS_KEY,
} as const;

/**
 * The declaration of one stack, from its config (full keys such as `callgraph:functions`, values as parsed YAML):
 * the one reading of those keys, shared by the program, the engine's callee types and the user's stack tests, so
 * they can never read a stack differently. Throws `TopologyError` with every problem.
 */
export function parseStackDeclaration(
  config: Readonly<Record<string, unknown>>,
  options: StackDeclarationOptions = {},
): Topology {
  return parseTopology(config[DECLARATION_CONFIG_KEYS.functions], parseOptionsOf(config, options));
}

/** What {@link parseStackDeclaration} takes besides the stack's keys. */
export type StackDeclarationOptions = Omit<
  ParseOptions,
  "defaultGeneration" | "defaultRuntime" | "principals" | "callers"
>;

/** {@link parseStackDeclaration} without the throw, as {@link checkTopology} is to `parseTopology`. */
export function checkStackDeclaration(
  config: Readonly<Record<string, unknown>>,
  options: StackDeclarationOptions = {},
): { topology: Topology; issues: TopologyIssue[] } {
  return checkTopology(config[DECLARATION_CONFIG_KEYS.functions], parseOptionsOf(config, options));
}

function parseOptionsOf(
  config: Readonly<Record<string, unknown>>,
  options: StackDeclarationOptions,
): ParseOptions {
  return {
    ...options,
    defaultGeneration: config[DECLARATION_CONFIG_KEYS.generation],
    defaultRuntime: config[DECLARATION_CONFIG_KEYS.runtime],
    principals: config[DECLARATION_CONFIG_KEYS.principals],
    callers: config[DECLARATION_CONFIG_KEYS.callers],
  };
}

/** A declaration written in code, as a program passes it (`CallGraph`'s `declaration`): unvalidated values. */
export interface DeclarationInCode {
  readonly functions: unknown;
  readonly generation?: unknown;
  readonly runtime?: unknown;
  readonly principals?: unknown;
  readonly callers?: unknown;
}

/**
 * The declaration keys of a declaration written in code, over the stack's own (`stack`, full keys as
 * {@link parseStackDeclaration} reads them). The graph (who calls whom: `functions` and `callers`) is the code's
 * alone: the stack's keys for it are ignored with a warning, so that nobody edits a declaration that does not deploy,
 * and a caller left in the stack file cannot keep granting once the functions moved to code. Per-stack settings the
 * code leaves out are read from the stack (`generation`, `runtime`); one the code sets is the code's, with a warning
 * when the stack says otherwise. The stack's `callgraph:principals` gives members to the principals the code declares
 * without any (`principalsInCode`). `issues` are the stack's own problems, for the caller to report with the
 * parser's.
 */
export function keysOfDeclarationInCode(
  declaration: DeclarationInCode,
  stack: Readonly<Record<string, unknown>>,
): { keys: Record<string, unknown>; issues: TopologyIssue[]; warnings: TopologyIssue[] } {
  const K = DECLARATION_CONFIG_KEYS;
  const warnings: TopologyIssue[] = [];
  const ignored = (path: string, why: string) =>
    warnings.push({ path, message: `ignored: ${why}; remove the key from the stack file` });
  for (const key of [K.functions, K.callers])
    if (stack[key] !== undefined)
      ignored(key, "the program gives CallGraph its declaration in code, whose functions and callers deploy");
  const setting = (key: "generation" | "runtime") => {
    if (declaration[key] === undefined) return stack[K[key]];
    if (stack[K[key]] !== undefined && !isDeepStrictEqual(stack[K[key]], declaration[key]))
      ignored(K[key], `the declaration in code sets ${key} ${JSON.stringify(declaration[key])}`);
    return declaration[key];
  };
  const principals = principalsInCode(declaration.principals, stack[K.principals]);
  const keys = {
    [K.functions]: declaration.functions,
    [K.generation]: setting("generation"),
    [K.runtime]: setting("runtime"),
    [K.principals]: principals.principals,
    [K.callers]: declaration.callers,
  };
  return { keys, issues: principals.issues, warnings: [...warnings, ...principals.warnings] };
}
