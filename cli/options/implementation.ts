/** Each command's implementation, by name. */
interface Commands {
  readonly audit: typeof import("../commands/audit");
  readonly check: typeof import("../commands/check");
  readonly diff: typeof import("../commands/diff");
  readonly graph: typeof import("../commands/graph");
  readonly invoke: typeof import("../commands/invoke");
  readonly local: typeof import("../commands/local");
  readonly preflight: typeof import("../commands/preflight");
  readonly types: typeof import("../commands/types");
}

/**
 * A command's implementation, loaded when the command runs rather than when the command line is built: `--help`,
 * `--version` and a mistyped flag load none of them, and each command loads only its own (Google's clients for
 * `preflight` and `audit`, the local stack for `local` and `invoke`).
 */
export function implementation<Name extends keyof Commands>(name: Name): Commands[Name] {
  return require(`../commands/${name}`) as Commands[Name];
}
