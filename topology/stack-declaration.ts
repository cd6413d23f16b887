import { CONFIG_KEY, parseTopology, type ParseOptions } from "./parse";
import type { Topology } from "./model";
import { PRINCIPALS_KEY } from "./principals";
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
  options: Omit<ParseOptions, "defaultGeneration" | "defaultRuntime" | "principals" | "callers"> = {},
): Topology {
  return parseTopology(config[DECLARATION_CONFIG_KEYS.functions], {
    ...options,
    defaultGeneration: config[DECLARATION_CONFIG_KEYS.generation],
    defaultRuntime: config[DECLARATION_CONFIG_KEYS.runtime],
    principals: config[DECLARATION_CONFIG_KEYS.principals],
    callers: config[DECLARATION_CONFIG_KEYS.callers],
  });
}
