import {
  compareCallSites,
  formatFinding,
  type CallSiteEvidence,
  type CallSiteFinding,
} from "../callsites/findings";
import {
  grantsOf,
  isInvokingScope,
  isInheritedScope,
  isInvokingRole,
  isUnknown,
  normalizeMember,
  type StackResource,
  Unknown,
} from "../iam";
import { functionsOf, targetOf, type CloudFunction } from "./functions";
import { undecided, violation, type Finding } from "./model";

/**
 * The type token of the component that records a function's call sites (components/service-function.ts): its
 * props hold `functionName` and `callSites: { callSites: [{ callee, file, line, column }], dynamic: [...] }`,
 * as inputs (what the engine reads) and as outputs (what CrossGuard's stack policies read).
 */
export const SERVICE_FUNCTION_TYPE = "callgraph:index:ServiceFunction";

/** What comparing the stack's invoker grants with its recorded call sites gives the call-site rules. */
export interface CallSiteVerdicts {
  /** Findings of the comparison, each with the URN of the caller's component. */
  readonly findings: readonly (CallSiteFinding & { readonly urn: string })[];
  /** Components whose comparison cannot be decided (no record, or a grant not known until deployment). */
  readonly undecided: readonly Finding[];
}

interface Recorded extends CallSiteEvidence {
  readonly urn: string;
  readonly fn: CloudFunction;
}

/**
 * Each recorded function's effective callees (the functions whose invoker grants name its account, as the
 * engine's effective graph derives edges) compared with what its code calls, by the one comparison
 * `callgraph graph`, `diff` and the program use (`callsites/findings.ts`). A component without a record is
 * undecided: a program that does not extract call sites says nothing about what its code calls.
 */
export function callSiteVerdicts(resources: readonly StackResource[]): CallSiteVerdicts {
  const functions = functionsOf(resources);
  const components = resources.filter((r) => r.type === SERVICE_FUNCTION_TYPE);
  const undecidedFindings: Finding[] = [];
  const recorded: Recorded[] = [];
  const nameOf = new Map<CloudFunction, string>();
  // The first Cloud Function child of each component, found once: a scan per component is quadratic in a stack.
  const childOf = new Map<string, CloudFunction>();
  for (const f of functions) {
    const parent = f.resource.parent;
    if (parent !== undefined && !childOf.has(parent)) childOf.set(parent, f);
  }
  for (const component of components) {
    const fn = childOf.get(component.urn);
    const functionName = component.props.functionName;
    if (fn && typeof functionName === "string") nameOf.set(fn, functionName);
    const read = readRecord(component);
    if (typeof read === "string") {
      undecidedFindings.push(undecided(component.urn, read, new Unknown("callSites")));
    } else if (!fn) {
      undecidedFindings.push(
        undecided(
          component.urn,
          `${describe(component)} has no Cloud Function child to read the account of`,
          new Unknown("functionName"),
        ),
      );
    } else recorded.push({ ...read, urn: component.urn, fn });
  }

  // caller account -> names of the functions it may invoke
  const accountOf = new Map<Recorded, string>();
  for (const r of recorded) {
    if (isUnknown(r.fn.account)) undecidedFindings.push(pending(r, r.fn.account));
    else if (r.fn.account !== undefined) accountOf.set(r, `serviceAccount:${r.fn.account}`);
  }
  const invokable = new Map<string, Set<string>>();
  const add = (member: string, callee: string) =>
    invokable.set(member, (invokable.get(member) ?? new Set()).add(callee));
  let unsure: Unknown | undefined;
  for (const grant of resources.flatMap(grantsOf)) {
    if (!isInvokingScope(grant.scope)) continue;
    if (!isUnknown(grant.role) && !isInvokingRole(grant.role)) continue;
    if (isUnknown(grant.role) || isUnknown(grant.member)) {
      unsure ??= isUnknown(grant.role) ? grant.role : (grant.member as Unknown);
      continue;
    }
    const member = normalizeMember(grant.member);
    // A role on a project, folder or organization reaches every function in it, as the effective graph counts it.
    if (isInheritedScope(grant.scope)) {
      for (const fn of functions) add(member, calleeName(fn, nameOf));
      continue;
    }
    const target = targetOf(grant, functions);
    if (target.kind === "unknown") unsure ??= target.unknown;
    else if (target.kind === "function") add(member, calleeName(target.fn, nameOf));
  }

  const decided = recorded.filter((r) => accountOf.has(r) || r.fn.account === undefined);
  if (unsure)
    return { findings: [], undecided: [...undecidedFindings, ...decided.map((r) => pending(r, unsure!))] };
  const declared = Object.fromEntries(
    decided.map((r) => {
      const member = accountOf.get(r);
      return [r.function, member ? [...(invokable.get(member) ?? [])].filter((c) => c !== r.function) : []];
    }),
  );
  const urnOf = new Map(decided.map((r) => [r.function, r.urn]));
  // Every function's name, so that a call of a name none has says so.
  const findings = compareCallSites(declared, decided, [...new Set(nameOf.values())]).map((f) => ({
    ...f,
    urn: urnOf.get(f.function)!,
  }));
  return { findings, undecided: undecidedFindings };
}

/** A finding of the comparison as a policy violation: the comparison's own one-line text, then the fix. */
export function asViolation(finding: CallSiteFinding & { readonly urn: string }, fix: string): Finding {
  return violation(finding.urn, formatFinding(finding), fix);
}

function pending(r: Recorded, unknown: Unknown): Finding {
  return undecided(
    r.urn,
    `functions.${r.function}: which functions its account may invoke is not known until deployment`,
    unknown,
  );
}

function calleeName(fn: CloudFunction, nameOf: ReadonlyMap<CloudFunction, string>): string {
  return nameOf.get(fn) ?? (isUnknown(fn.name) ? fn.resource.name : fn.name);
}

function describe(component: StackResource): string {
  return `ServiceFunction "${component.name}"`;
}

/** The component's record, or why it has none to compare (a reason, for an undecided finding). */
function readRecord(component: StackResource): CallSiteEvidence | string {
  const { functionName, callSites } = component.props as { functionName?: unknown; callSites?: unknown };
  if (callSites === undefined)
    return (
      `${describe(component)} records no call sites: the program that registered it does not extract them, so ` +
      "what its code calls is not known (run a callgraph version that records them)"
    );
  const record = callSites as { callSites?: unknown; dynamic?: unknown } | null;
  const valid =
    typeof functionName === "string" &&
    typeof record === "object" &&
    record !== null &&
    Array.isArray(record.callSites) &&
    record.callSites.every((s) => isLocation(s) && typeof (s as { callee?: unknown }).callee === "string") &&
    Array.isArray(record.dynamic) &&
    record.dynamic.every(
      (s) => isLocation(s) && typeof (s as { expression?: unknown }).expression === "string",
    );
  if (!valid)
    return (
      `${describe(component)} records call sites in a shape this pack does not read (expected functionName and ` +
      "callSites: { callSites: [{ callee, file, line, column }], dynamic: [{ file, line, column, expression }] }): " +
      "run the pack of the same callgraph version as the program"
    );
  return {
    function: functionName as string,
    callSites: record!.callSites as CallSiteEvidence["callSites"],
    dynamic: record!.dynamic as CallSiteEvidence["dynamic"],
  };
}

function isLocation(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.file === "string" &&
    Number.isInteger(v.line) &&
    Number.isInteger(v.column)
  );
}
