import { suggestion } from "./suggestion";
import { parseCallers, type WorkflowDocument } from "./callers";
import type { $ZodIssue } from "zod/v4/core";
import { describeValue, formatPath, TopologyError, type TopologyIssue } from "./errors";
import { unreachableIngress } from "./ingress";
import { memberProblem } from "./members";
import type { FunctionSpec, Topology } from "./model";
import {
  BUILD_SERVICE_ACCOUNT_ID,
  buildServiceAccountEmail,
  callerAccountEmail,
  callerAccountId,
  FUNCTION_NAME_PATTERN,
  MAX_FUNCTION_NAME_LENGTH,
  serviceAccountEmail,
  serviceAccountId,
} from "./names";
import { isPrincipalReference, parsePrincipals, principalPath, type Principals } from "./principals";
import { DEFAULT_RUNTIME, runtimeProblem } from "./runtimes";
import { secretIssues } from "./secrets";
import { cpuText, parseCpu, settingsIssues, sortedRecord, type GenerationOf } from "./settings";
import { sourcePathProblem } from "./source-folders";
import {
  DECLARATION_KEYS,
  DEFAULTS,
  functionDeclarationSchema,
  generationSchema,
  MAX_TIMEOUT_SECONDS,
  SECRET_KEYS,
  type FunctionDeclaration,
  type Generation,
} from "./schema";
import type { SecretSpec } from "./model";

/** The config key the declaration lives under, as written in `Pulumi.<stack>.yaml`. */
export const CONFIG_KEY = "callgraph:functions";

export interface ParseOptions {
  /**
   * The stack-wide `callgraph:generation` as configured (1 or 2; validated here with the rest). A function's
   * own `generation` overrides it. Defaults to 1.
   */
  readonly defaultGeneration?: unknown;
  /**
   * Whether a function's source folder exists (relative to the project root). Injected so the model stays
   * free of I/O; omit it to skip the check.
   */
  readonly sourceExists?: (folder: string) => boolean;
  /**
   * Where a source folder really is when that is outside the project (a symlink on its way leads out): the real
   * path, else undefined. Injected with `sourceExists`, both from `sourceFolderChecks` (source-folders.ts); omit
   * it to skip the check. An absolute `source`, or one whose `..` climbs out, is refused whatever is injected.
   */
  readonly sourceOutside?: (folder: string) => string | undefined;
  /**
   * The stack-wide `callgraph:runtime` as configured (a runtime id such as `nodejs22`; validated here). A
   * function's own `runtime` overrides it. Defaults to `nodejs22`.
   */
  readonly defaultRuntime?: unknown;
  /** The day runtimes are checked on (decommissioned by then, or not). Injected so tests are stable; defaults to now. */
  readonly today?: Date;
  /**
   * The stack-wide `callgraph:principals` as configured: principal name -> IAM members (validated here). A function's
   * `invokers` may name a principal instead of writing a member. Defaults to none.
   */
  readonly principals?: unknown;
  /**
   * The stack's `callgraph:callers` as configured: callers that are not functions (Scheduler jobs, Pub/Sub push
   * subscriptions, Cloud Tasks queues, Workflows, Eventarc triggers), validated here with the functions they call.
   * Defaults to none.
   */
  readonly callers?: unknown;
  /**
   * A workflow caller's definition, read and parsed (`workflowDocuments` in components/); injected like
   * `sourceExists`, omit it to skip checking the file and its steps.
   */
  readonly workflowDocument?: (file: string) => WorkflowDocument;
  /**
   * The project the stack deploys into, when known: an invoker that is one of the accounts the program creates there
   * (a declared function's or caller's own, the build account), in `invokers` or through a principal, is then
   * refused, naming what to declare instead. Omit it to skip that.
   */
  readonly project?: string;
}

const JS_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Parses and validates the `callgraph:functions` config value. Every problem is collected and thrown
 * together as one `TopologyError`, before the caller has registered anything.
 */
export function parseTopology(raw: unknown, options: ParseOptions = {}): Topology {
  const { topology, issues } = checkTopology(raw, options);
  if (issues.length > 0) throw new TopologyError(issues);
  return topology;
}

/**
 * {@link parseTopology} without the throw: every problem, and the topology of what is well formed (each function whose
 * own declaration parsed, whatever else is wrong), so the program can check those functions' code in the same run and
 * report its problems with the declaration's. Nothing in it may be deployed while `issues` is not empty.
 */
export function checkTopology(
  raw: unknown,
  options: ParseOptions = {},
): { topology: Topology; issues: TopologyIssue[] } {
  const refused = (issue: TopologyIssue) => ({
    topology: { functions: [], principals: {} },
    issues: [issue],
  });
  if (raw === undefined || raw === null)
    return refused({
      path: CONFIG_KEY,
      message:
        "missing: declare each function and what it calls, e.g. `pulumi config set --path 'callgraph:functions.NAME.calls[0]' CALLEE`",
    });
  if (typeof raw !== "object" || Array.isArray(raw))
    return refused({
      path: CONFIG_KEY,
      message: `expected a map of function name -> settings, got ${describeValue(raw)}`,
    });
  if (Object.keys(raw).length === 0)
    return refused({ path: CONFIG_KEY, message: "declares no function: declare at least one" });

  const issues: TopologyIssue[] = [];
  const generation = generationSchema.safeParse(options.defaultGeneration ?? DEFAULTS.generation);
  if (!generation.success) {
    issues.push({
      path: "callgraph:generation",
      message: `must be 1 or 2, got ${describeValue(options.defaultGeneration)}`,
    });
  }
  const defaultGeneration = generation.success ? generation.data : DEFAULTS.generation;
  const runtime = options.defaultRuntime ?? DEFAULT_RUNTIME;
  if (typeof runtime !== "string") {
    issues.push({
      path: "callgraph:runtime",
      message: `must be a runtime id such as "${DEFAULT_RUNTIME}", got ${describeValue(runtime)}`,
    });
  }
  const defaultRuntime = typeof runtime === "string" ? runtime : DEFAULT_RUNTIME;
  const today = options.today ?? new Date();
  const principals = parsePrincipals(options.principals);
  issues.push(...principals.issues);
  // A principal whose own members are invalid is still a known name: its references are not reported twice.
  const principalNames = principalNamesOf(options.principals);
  const declarations = raw as Record<string, unknown>;
  const names = Object.keys(declarations);
  // With the project known, the program's own accounts can be told apart from other invokers.
  const owners =
    options.project === undefined
      ? undefined
      : ownAccounts(names, Object.keys(recordOf(options.callers)), options.project);
  if (owners) issues.push(...principalAccountIssues(options.principals, owners));
  const specs: FunctionSpec[] = [];
  for (const name of names) {
    const at = (...rest: PropertyKey[]) => formatPath(["functions", name, ...rest]);
    if (!FUNCTION_NAME_PATTERN.test(name)) {
      issues.push({
        path: at(),
        message: `invalid function name ${JSON.stringify(name)}: ${nameRule(name)}`,
      });
    }
    // Each function is checked on its own, so one malformed function does not hide the others' problems.
    const parsed = functionDeclarationSchema.safeParse(declarations[name], { reportInput: true });
    // Cross-references are checked even when the shape is wrong elsewhere, so all problems show at once.
    const lists = parsed.success ? parsed.data : wellTypedParts(declarations[name]);
    issues.push(...referenceIssues(name, lists, names, at));
    issues.push(...memberIssues(lists, principalNames, at));
    if (owners)
      (lists.invokers ?? []).forEach((member, i) => {
        const problem = ownAccountProblem(member, owners, name);
        if (problem) issues.push({ path: at("invokers", i), message: problem });
      });
    issues.push(...sourceIssues(name, declarations[name], options, at));
    // Runtime settings and secrets, from whatever of them is well typed (the schema reports the rest).
    const raw = recordOf(declarations[name]);
    const generationOf = generationOfDeclaration(raw, defaultGeneration);
    issues.push(...settingsIssues(raw, generationOf, DEFAULTS, at));
    const secrets = secretIssues(raw.secrets, raw.environment, generationOf.generation, at);
    issues.push(...secrets.issues);
    issues.push(...generationLimitIssues(raw, generationOf.generation, defaultRuntime, today, at));
    if (!parsed.success) {
      issues.push(...parsed.error.issues.flatMap((issue) => schemaIssue(name, issue)));
      continue;
    }
    specs.push(
      toSpec(
        name,
        parsed.data,
        { generation: defaultGeneration, runtime: defaultRuntime, principals: principals.principals },
        secrets.secrets,
      ),
    );
  }
  // Every well-formed name, a malformed declaration's too: its account is derived from its name alone.
  issues.push(...serviceAccountCollisions(names));
  issues.push(...unreachableIngress(specs));
  const callers = parseCallers(options.callers, {
    functionNames: names,
    generationOf: (fn) => generationOfDeclaration(recordOf(declarations[fn]), defaultGeneration).generation,
    workflowDocument: options.workflowDocument,
    sourceOutside: options.sourceOutside,
  });
  issues.push(...callers.issues);
  issues.push(
    ...serviceAccountCollisions(
      callers.callers.map((c) => c.name),
      callerAccountId,
      "callers",
    ),
  );

  specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    topology: {
      functions: specs,
      principals: principals.principals,
      ...(callers.callers.length > 0 ? { callers: callers.callers } : {}),
    },
    issues,
  };
}

/** A declaration as a record, for the checks that read its well-typed parts; `{}` for anything else. */
function recordOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The generation a declaration deploys as, and whether the stack-wide `callgraph:generation` decided it. */
function generationOfDeclaration(raw: Record<string, unknown>, defaultGeneration: Generation): GenerationOf {
  const own = raw.generation;
  return own === 1 || own === 2
    ? { generation: own, fromStack: false }
    : { generation: defaultGeneration, fromStack: true };
}

/** The names `callgraph:principals` declares, whatever their values. */
function principalNamesOf(raw: unknown): string[] {
  return raw !== null && typeof raw === "object" && !Array.isArray(raw) ? Object.keys(raw) : [];
}

/**
 * A function's source folder must be a folder of the project: checked from the text first (absolute, `..`), then,
 * when the caller injected the disk checks, where it really leads (a symlink out of the project) and whether it is
 * there. One problem per function, the most basic first: a path outside the project is never looked up.
 */
function sourceIssues(
  name: string,
  declaration: unknown,
  options: ParseOptions,
  at: (...rest: PropertyKey[]) => string,
): TopologyIssue[] {
  const declared = (declaration as { source?: unknown } | null)?.source;
  if (declared !== undefined && typeof declared !== "string") return [];
  const folder = declared ?? defaultSource(name);
  const refuse = (message: string) => [
    { path: at("source"), message: `source folder ${JSON.stringify(folder)} ${message}` },
  ];
  const problem = folder === "" ? undefined : sourcePathProblem(folder);
  if (problem) return refuse(problem);
  const outside = folder === "" ? undefined : options.sourceOutside?.(folder);
  if (outside !== undefined)
    return refuse(
      `leads (through a symlink) to ${JSON.stringify(outside)}, outside the project: a function's archive may hold ` +
        "only the project's files. Move the code into the project, or point source at a folder inside it",
    );
  if (!options.sourceExists || options.sourceExists(folder)) return [];
  const hint =
    declared === undefined ? " (the default is functions/<name>; set `source` to use another folder)" : "";
  return refuse(`does not exist${hint}`);
}

/**
 * What a function's generation allows of its runtime and timeout, from whatever of them is well typed (the schema
 * reports the rest), so a malformed key elsewhere in the declaration hides neither. A stack-wide runtime is checked
 * per function too: whether a generation offers it depends on the function.
 */
function generationLimitIssues(
  raw: Record<string, unknown>,
  generation: Generation,
  defaultRuntime: string,
  today: Date,
  at: (...rest: PropertyKey[]) => string,
): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  if (raw.runtime === undefined || typeof raw.runtime === "string") {
    const origin = raw.runtime === undefined ? "callgraph:runtime" : undefined;
    const problem = runtimeProblem(generation, raw.runtime ?? defaultRuntime, today, origin);
    if (problem) issues.push({ path: at("runtime"), message: problem });
  }
  // Only a timeout the schema takes: one it refuses (not a whole number, past 2nd gen's limit) is reported once, there.
  const timeout = raw.timeout;
  const wellFormed =
    Number.isInteger(timeout) && (timeout as number) >= 1 && (timeout as number) <= MAX_TIMEOUT_SECONDS[2];
  if (wellFormed && (timeout as number) > MAX_TIMEOUT_SECONDS[generation])
    issues.push({
      path: at("timeout"),
      message: `${generation === 1 ? "1st" : "2nd"} gen allows at most ${MAX_TIMEOUT_SECONDS[generation]} seconds, got ${timeout}`,
    });
  return issues;
}

/** The parts of a malformed declaration that are well typed, for the cross-reference checks. */
function wellTypedParts(value: unknown): FunctionDeclaration {
  if (typeof value !== "object" || value === null) return {};
  const record = value as Record<string, unknown>;
  // A list keeps its strings at their own indices, as holes elsewhere (forEach skips holes): one entry of the wrong
  // type hides no other entry's problem, and each is named at its index. The schema reports the wrong one.
  const strings = (v: unknown) => {
    if (!Array.isArray(v)) return undefined;
    const kept: string[] = [];
    v.forEach((x: unknown, i) => {
      if (typeof x === "string") kept[i] = x;
    });
    return kept;
  };
  const entryPoint = typeof record.entryPoint === "string" ? record.entryPoint : undefined;
  return { calls: strings(record.calls), invokers: strings(record.invokers), entryPoint };
}

function nameRule(name: string): string {
  if (name.length > MAX_FUNCTION_NAME_LENGTH)
    return `at most ${MAX_FUNCTION_NAME_LENGTH} characters (it has ${name.length})`;
  return "use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen";
}

function referenceIssues(
  name: string,
  decl: Pick<FunctionDeclaration, "calls" | "entryPoint">,
  names: readonly string[],
  at: (...rest: PropertyKey[]) => string,
): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  const seen = new Set<string>();
  (decl.calls ?? []).forEach((callee, i) => {
    if (callee === name) {
      issues.push({
        path: at("calls", i),
        message: `${JSON.stringify(callee)} calls itself: a function needs no grant to run its own code`,
      });
    } else if (!names.includes(callee)) {
      issues.push({
        path: at("calls", i),
        message: `unknown function ${JSON.stringify(callee)}${suggestion(
          callee,
          names.filter((n) => n !== name),
        )}`,
      });
    } else if (seen.has(callee)) {
      issues.push({ path: at("calls", i), message: `${JSON.stringify(callee)} is listed twice` });
    }
    seen.add(callee);
  });
  if (decl.entryPoint !== undefined && !JS_IDENTIFIER.test(decl.entryPoint)) {
    issues.push({
      path: at("entryPoint"),
      message: `${JSON.stringify(decl.entryPoint)} is not a JavaScript export name`,
    });
  }
  return issues;
}

function memberIssues(
  decl: Pick<FunctionDeclaration, "invokers">,
  principals: readonly string[],
  at: (...rest: PropertyKey[]) => string,
): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  const seen = new Set<string>();
  (decl.invokers ?? []).forEach((member, i) => {
    if (isPrincipalReference(member) && !principals.includes(member)) {
      const known = principals.length > 0 ? ` (declared: ${principals.join(", ")})` : "";
      issues.push({
        path: at("invokers", i),
        message:
          `unknown principal ${JSON.stringify(member)}${suggestion(member, principals)}${known}: declare it under ` +
          `callgraph:principals, or write an IAM member such as "user:you@your-domain"`,
      });
      seen.add(member);
      return;
    }
    const problem = isPrincipalReference(member) ? undefined : memberProblem(member);
    if (problem)
      issues.push({
        path: at("invokers", i),
        message: `invalid member ${JSON.stringify(member)}: ${problem}`,
      });
    else if (seen.has(member))
      issues.push({ path: at("invokers", i), message: `${JSON.stringify(member)} is listed twice` });
    seen.add(member);
  });
  return issues;
}

/**
 * The accounts this program creates in `project`, by lower-case IAM member: each declared function's and caller's
 * own, and the build account. An invoker that is one of them is a mistake: a function's or a caller's own account
 * is an edge written backwards (it grants the same thing, and hides it from every reader of `calls`: the graph
 * shows an edge no `calls` declares, and `check` advises removing a `calls` entry that does not exist); the build
 * account must never invoke (invariant 1: it only builds).
 */
function ownAccounts(
  functionNames: readonly string[],
  callerNames: readonly string[],
  project: string,
): Map<string, OwnAccount> {
  const owners = new Map<string, OwnAccount>();
  const add = (email: string, owner: OwnAccount) =>
    owners.set(`serviceAccount:${email}`.toLowerCase(), owner);
  const valid = (names: readonly string[]) => names.filter((n) => FUNCTION_NAME_PATTERN.test(n));
  for (const name of valid(functionNames))
    add(serviceAccountEmail(name, project), { kind: "function", name });
  for (const name of valid(callerNames)) add(callerAccountEmail(name, project), { kind: "caller", name });
  add(buildServiceAccountEmail(project), { kind: "build", name: BUILD_SERVICE_ACCOUNT_ID });
  return owners;
}

/** Whose an account of {@link ownAccounts} is. */
interface OwnAccount {
  readonly kind: "function" | "caller" | "build";
  readonly name: string;
}

/** Why `member`, granted invoke on `target` (a function's name, or a principal's users), may not be, if it may not. */
function ownAccountProblem(
  member: string,
  owners: ReadonlyMap<string, OwnAccount>,
  target: string | undefined,
): string | undefined {
  const owner = owners.get(member.toLowerCase());
  if (!owner) return undefined;
  const quoted = JSON.stringify(member);
  if (owner.kind === "build")
    return `${quoted} is the build account, which builds functions and never invokes one: remove it`;
  if (owner.kind === "function" && owner.name === target)
    return `${quoted} is ${target}'s own account: a function needs no grant to run its own code`;
  const section = owner.kind === "function" ? "functions" : "callers";
  return `${quoted} is ${owner.kind === "caller" ? "the caller " : ""}${owner.name}'s own account: declare the edge where it is read, ${section}.${owner.name}.calls${target ? `: [${target}]` : ""}, instead`;
}

/** A principal's member that is one of the program's own accounts: each function naming the principal would grant it. */
function principalAccountIssues(
  principals: unknown,
  owners: ReadonlyMap<string, OwnAccount>,
): TopologyIssue[] {
  return Object.entries(recordOf(principals)).flatMap(([principal, value]) => {
    // One member may be written alone, as parsePrincipals takes it.
    const members: unknown[] = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
    return members.flatMap((member, i) => {
      const problem = typeof member === "string" ? ownAccountProblem(member, owners, undefined) : undefined;
      const path = typeof value === "string" ? principalPath(principal) : principalPath(principal, i);
      return problem ? [{ path, message: problem }] : [];
    });
  });
}

/**
 * Derived ids must be unique too: two functions sharing a service account would break invariant 1. With 56
 * bits of hash in long ids this should never fire, but a collision must be refused, not deployed. `idOf` is
 * injectable so that the refusal itself can be tested.
 */
export function serviceAccountCollisions(
  names: readonly string[],
  idOf: (name: string) => string = serviceAccountId,
  section: "functions" | "callers" = "functions",
): TopologyIssue[] {
  const owner = new Map<string, string>();
  const issues: TopologyIssue[] = [];
  for (const name of names) {
    if (!FUNCTION_NAME_PATTERN.test(name)) continue;
    const id = idOf(name);
    const other = owner.get(id);
    if (other) {
      issues.push({
        path: formatPath([section, name]),
        message: `service-account id "${id}" is also derived from "${other}": rename one of them`,
      });
    } else owner.set(id, name);
  }
  return issues;
}

/** Where a function's code lives unless it says otherwise. */
export function defaultSource(name: string): string {
  return `functions/${name}`;
}

function toSpec(
  name: string,
  decl: FunctionDeclaration,
  defaults: { readonly generation: Generation; readonly runtime: string; readonly principals: Principals },
  secrets: readonly SecretSpec[],
): FunctionSpec {
  const declared = decl.invokers ?? [];
  const named = [...new Set(declared.filter(isPrincipalReference))].sort();
  const members = declared
    .filter((entry) => !isPrincipalReference(entry))
    .concat(named.flatMap((principal) => defaults.principals[principal] ?? []));
  return {
    name,
    calls: [...new Set(decl.calls ?? [])].sort(),
    invokers: [...new Set(members)].sort(),
    principals: named,
    source: decl.source ?? defaultSource(name),
    entryPoint: decl.entryPoint ?? name,
    memoryMb: decl.memory ?? DEFAULTS.memoryMb,
    timeoutSeconds: decl.timeout ?? DEFAULTS.timeoutSeconds,
    maxInstances: decl.maxInstances ?? DEFAULTS.maxInstances,
    ingress: decl.ingress ?? DEFAULTS.ingress,
    generation: decl.generation ?? defaults.generation,
    runtime: decl.runtime ?? defaults.runtime,
    // The settings below are present only when declared, so a function that declares none is what it always was.
    ...(decl.environment && Object.keys(decl.environment).length > 0
      ? { environment: sortedRecord(Object.entries(decl.environment)) }
      : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(decl.minInstances === undefined ? {} : { minInstances: decl.minInstances }),
    ...(decl.vpcConnector === undefined
      ? {}
      : {
          vpcConnector: decl.vpcConnector,
          // Sent whenever a connector is, so that removing the key returns to Google's default: 1st gen keeps the
          // previous value when the field is unset (the provider's vpcConnectorEgressSettings).
          vpcConnectorEgressSettings: decl.vpcConnectorEgressSettings ?? "PRIVATE_RANGES_ONLY",
        }),
    ...(decl.labels && Object.keys(decl.labels).length > 0
      ? { labels: sortedRecord(Object.entries(decl.labels)) }
      : {}),
    ...(decl.concurrency === undefined ? {} : { concurrency: decl.concurrency }),
    ...cpuOf(decl.cpu),
  };
}

/** A valid declared `cpu` as 2nd gen's `availableCpu` spells it (`settingsIssues` refused any other). */
function cpuOf(value: FunctionDeclaration["cpu"]): { cpu?: string } {
  if (value === undefined) return {};
  const parsed = parseCpu(value);
  return "cpu" in parsed ? { cpu: cpuText(parsed.cpu) } : {};
}

/** Turns one zod issue into ours: config path, the offending value, and what was expected, in plain words. */
function schemaIssue(name: string, issue: $ZodIssue): TopologyIssue[] {
  const path = ["functions", name, ...issue.path];
  switch (issue.code) {
    case "unrecognized_keys": {
      // An entry of `secrets` has keys of its own.
      const allowed = issue.path[0] === "secrets" && issue.path.length === 2 ? SECRET_KEYS : DECLARATION_KEYS;
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        message: `unknown key ${JSON.stringify(key)}${suggestion(key, allowed)} (allowed: ${allowed.join(", ")})`,
      }));
    }
    case "invalid_type":
      return [
        {
          path: formatPath(path),
          message: `expected ${expectedWords(issue.path, issue.expected, issue.input)}, got ${describeValue(issue.input)}`,
        },
      ];
    case "invalid_value":
      return [
        {
          path: formatPath(path),
          message: `${describeValue(issue.input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
        },
      ];
    case "invalid_union": {
      const words = unionWords(issue.path);
      if (words)
        return [{ path: formatPath(path), message: `expected ${words}, got ${describeValue(issue.input)}` }];
      return [{ path: formatPath(path), message: `${issue.message}, got ${describeValue(issue.input)}` }];
    }
    default:
      return [{ path: formatPath(path), message: `${issue.message}, got ${describeValue(issue.input)}` }];
  }
}

/** What a key that takes one of two types expects, in words. */
function unionWords(path: readonly PropertyKey[]): string | undefined {
  if (path[0] === "cpu") return "a number of vCPUs, e.g. 1 or 0.5";
  if (path[0] === "secrets" && path[2] === "version") return '"latest" or a version number';
  return undefined;
}

function expectedWords(path: readonly PropertyKey[], expected: string, input: unknown): string {
  const key = path[0];
  if (path.length === 0) return "an object of settings (use {} for none)";
  if ((key === "calls" || key === "invokers") && path.length === 1) {
    return key === "calls" ? `a list of function names, e.g. [${listed(input)}]` : "a list of IAM members";
  }
  if (path.length === 1 && (key === "environment" || key === "labels"))
    return key === "environment" ? "a map of variable name -> value" : "a map of label key -> value";
  if (key === "secrets" && path.length === 1)
    return "a list of secrets, e.g. [{secret: api-key, env: API_KEY}]";
  if (key === "secrets" && path.length === 2) return "a secret: {secret, version, env or path}";
  // A YAML value such as `PORT: 8080` or `debug: true` is a number or a boolean, not the string a variable holds.
  if ((key === "environment" || key === "labels") && expected === "string")
    return 'a string (quote numbers and booleans in YAML, e.g. "8080")';
  return expected === "int" ? "a whole number" : `a ${expected}`;
}

/** What a `calls` that is not a list meant, as a list: `profiles` is `[profiles]`, `{a: true, b: true}` is `[a, b]`. */
function listed(input: unknown): string {
  if (typeof input === "string" && input.trim() !== "") return input.trim();
  if (input !== null && typeof input === "object" && Object.keys(input).length > 0)
    return Object.keys(input).join(", ");
  return "CALLEE";
}
