/** One problem found in the declared topology: where it is, and what is wrong with it. */
export interface TopologyIssue {
  /** Config path, e.g. `functions.login.calls[0]`. */
  readonly path: string;
  /** What is wrong, naming the offending value, e.g. `unknown function "profile" (did you mean "profiles"?)`. */
  readonly message: string;
}

/**
 * Thrown when `callgraph:functions` is not a valid topology. It carries every problem found, not just the
 * first, so one `pulumi preview` shows everything to fix; nothing has been registered when it is thrown.
 */
export class TopologyError extends Error {
  readonly issues: readonly TopologyIssue[];

  /**
   * @param declaredIn where the declaration was read, for the first line; by default the stack config's keys
   *   (`in stack config (callgraph:functions)`).
   */
  constructor(
    issues: readonly TopologyIssue[],
    /** Where the declaration was read, when not the stack config's keys. */
    readonly declaredIn?: string,
  ) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    const keys = issues.some((i) => i.path.startsWith("callers"))
      ? "callgraph:functions, callgraph:callers"
      : "callgraph:functions";
    super(`Invalid call graph ${declaredIn ?? `in stack config (${keys})`}, ${count}:\n${lines.join("\n")}`);
    this.name = "TopologyError";
    this.issues = issues;
  }
}

/** Renders a config value for an error message: short, quoted like JSON. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  const text = json === undefined ? String(value) : json;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `functions.login.calls[0]`; keys that are not plain words are bracketed so the path stays unambiguous. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && /^[A-Za-z0-9_-]+$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}
