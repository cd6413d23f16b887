import {
  GCP,
  grantsOf,
  isInheritedScope,
  isImpersonatingRole,
  isInvokingRole,
  isUnknown,
  lastSegment,
  normalizeMember,
  serviceAccountOf,
  stringAt,
  type Grant,
  type Maybe,
  type StackResource,
  type Unknown,
} from "../iam";
import { SERVICE_FUNCTION_TYPE } from "./call-sites";
import { equalUnlessDefault, functionsOf, targetOf, type CloudFunction, type Verdict } from "./functions";
import { undecided, type Finding } from "./model";
import { sourcesOf } from "./sources";

/**
 * What a policy judges (its `scope` setting):
 *
 * - `"call-graph"` (the default): what the callgraph components manage, and whatever in the stack grants access to
 *   it or acts as one of its accounts. A CallGraph is one component among others in a real program: a team's own
 *   public Cloud Run service, its CI account's project roles or its other buckets are none of the call graph's
 *   business, and are not called functions or failed for it.
 * - `"stack"`: every resource of the stack, as if all of it were the call graph's (a stack of hand-written
 *   functions that wants these rules, or a team that wants one standard for all of it).
 *
 * What the call graph manages: every resource whose URN's type chain, or whose chain of parents, holds a
 * `callgraph:index:CallGraph` or a `callgraph:index:ServiceFunction` (its children, its functions' children, and
 * anything a program parents to one of them). A Pulumi URN carries its ancestors' types
 * (`…::callgraph:index:CallGraph$callgraph:index:ServiceFunction$gcp:…::name`), so this is decided the same way
 * from CrossGuard's per-resource args, its stack args and the engine's records.
 *
 * What grants access to it, wherever in the stack it is declared (see {@link callGraphView}):
 * - a grant on one of its functions (the function, or a gen2 function's Cloud Run service), on one of its buckets,
 *   or to one of its accounts (its functions' runtime accounts, its build account, any account it creates);
 * - a key for one of its accounts; a function that runs as, or builds as, one of its accounts;
 * - an **invoking** role (invoker, Cloud Functions / Cloud Run developer or admin, editor, owner) on the project of
 *   one of its functions, or on any folder or organization, to anyone: IAM applies a role granted there to every
 *   function below it (https://cloud.google.com/iam/docs/resource-hierarchy-access-control), so
 *   `roles/run.invoker` on the project for a CI account lets that account invoke every function of the call
 *   graph, whatever its declaration says. A *non-invoking* role there (`roles/storage.admin`,
 *   `roles/logging.viewer`) to a member that is not one of its accounts opens nothing of the call graph, and is
 *   judged only with scope `"stack"`.
 *
 * Unknown values (preview): a resource that a value not known until deployment may tie to the call graph (a grant
 * whose member is computed, a key for an account read from outputs) is judged, but a violation on it is reported as
 * undecided, never as a failure and never as a pass; at `pulumi up` the value is known and so is the verdict.
 */
export const SCOPES = ["call-graph", "stack"] as const;

export type Scope = (typeof SCOPES)[number];

export const CALL_GRAPH_TYPE = "callgraph:index:CallGraph";

/** The components whose resources are the call graph's. */
export const CALL_GRAPH_COMPONENTS: readonly string[] = [CALL_GRAPH_TYPE, SERVICE_FUNCTION_TYPE];

/** The `scope` setting every policy has (rule.ts adds it): its type, default and description. */
export const SCOPE_FIELD = {
  type: "choice",
  choices: SCOPES,
  default: "call-graph",
  description:
    'What the policy judges: "call-graph" (default) the resources of the callgraph components and whatever grants access to them (a grant on one of its functions or buckets, to one of its accounts, an invoking role on a project, folder or organization); "stack" every resource of the stack.',
} as const;

/** The parent types in a URN (`urn:pulumi:STACK::PROJECT::A$B$TYPE::NAME`), the resource's own type last. */
function typeChain(urn: string): string[] {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts[2].split("$") : [];
}

/**
 * Whether the resource is managed by a callgraph component: its own URN's type chain, or one of its ancestors' (by
 * `parent`, followed through `byUrn` where the whole stack is known), holds a {@link CALL_GRAPH_COMPONENTS} type.
 */
export function isManaged(
  resource: Pick<StackResource, "urn" | "parent">,
  byUrn?: ReadonlyMap<string, Pick<StackResource, "urn" | "parent">>,
): boolean {
  const seen = new Set<string>();
  let current: Pick<StackResource, "urn" | "parent"> | undefined = resource;
  while (current && !seen.has(current.urn)) {
    seen.add(current.urn);
    if (typeChain(current.urn).some((t) => CALL_GRAPH_COMPONENTS.includes(t))) return true;
    if (current.parent === undefined) return false;
    current = byUrn?.get(current.parent) ?? { urn: current.parent };
  }
  return false;
}

/** What the call graph is made of, as grants and keys elsewhere in the stack name it. */
interface CallGraph {
  /** Its functions, and functions elsewhere that run or build as one of its accounts. */
  readonly functions: readonly CloudFunction[];
  /** Functions elsewhere that may run or build as one of its accounts (not known until deployment). */
  readonly maybeFunctions: readonly (readonly [CloudFunction, Unknown])[];
  /** Emails of its accounts, lower case. */
  readonly accounts: ReadonlySet<string>;
  /** Ids of its accounts created in the provider's default project (their email's project is not stated). */
  readonly accountIds: ReadonlySet<string>;
  /** One of its accounts whose email is not known until deployment. */
  readonly unknownAccount?: Unknown;
  /** Names of its buckets (created by it, or holding its archives). */
  readonly buckets: ReadonlySet<string>;
  readonly hasBuckets: boolean;
  /** One of its buckets whose name is not known until deployment. */
  readonly unknownBucket?: Unknown;
}

/** The stack as a policy with scope `"call-graph"` judges it. */
export interface CallGraphView {
  /** The call graph's resources and those that may reach it, in stack order. */
  readonly resources: readonly StackResource[];
  /** Resources that reach the call graph only if a value not known until deployment says so, with that value. */
  readonly maybe: ReadonlyMap<string, Unknown>;
}

/** Narrows a stack to what a policy with scope `"call-graph"` judges (see {@link SCOPES} for what and why). */
export function callGraphView(resources: readonly StackResource[]): CallGraphView {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const managed = new Set(resources.filter((r) => isManaged(r, byUrn)));
  const base = identityOf([...managed]);

  // Functions elsewhere that act as one of its accounts are part of what it can do: grants on them count too.
  const functions = [...base.functions];
  const maybeFunctions: [CloudFunction, Unknown][] = [];
  const verdicts = new Map<StackResource, Verdict>();
  for (const fn of functionsOf(resources.filter((r) => !managed.has(r)))) {
    const verdict = anyOf([accountVerdict(fn.account, base), accountVerdict(fn.buildAccount, base)]);
    verdicts.set(fn.resource, verdict);
    if (verdict === true) functions.push(fn);
    else if (isUnknown(verdict)) maybeFunctions.push([fn, verdict]);
  }
  const graph: CallGraph = { ...base, functions, maybeFunctions };

  const kept: StackResource[] = [];
  const maybe = new Map<string, Unknown>();
  for (const resource of resources) {
    const verdict = managed.has(resource) ? true : (verdicts.get(resource) ?? relationOf(resource, graph));
    if (verdict === false) continue;
    kept.push(resource);
    if (isUnknown(verdict)) maybe.set(resource.urn, verdict);
  }
  return { resources: kept, maybe };
}

/**
 * The findings of a rule run over a {@link CallGraphView}: a violation on a resource that reaches the call graph only
 * if an unknown value says so is undecided until that value is known.
 */
export function settle(findings: readonly Finding[], maybe: ReadonlyMap<string, Unknown>): Finding[] {
  return findings.map((f) => {
    const unknown = f.kind === "violation" ? maybe.get(f.urn) : undefined;
    return unknown
      ? undecided(
          f.urn,
          `whether this concerns the call graph (policy scope "call-graph") is not known until deployment; if it does: ${f.why}`,
          unknown,
        )
      : f;
  });
}

function identityOf(managed: readonly StackResource[]): CallGraph {
  const functions = functionsOf(managed);
  const accounts = new Set<string>();
  const accountIds = new Set<string>();
  const buckets = new Set<string>();
  let unknownAccount: Unknown | undefined;
  let unknownBucket: Unknown | undefined;
  let hasBuckets = false;
  for (const fn of functions) {
    for (const account of [fn.account, fn.buildAccount]) {
      if (isUnknown(account)) unknownAccount ??= account;
      else if (account !== undefined) accounts.add(account);
    }
  }
  for (const r of managed) {
    if (r.type === GCP_ACCOUNT) {
      const id = stringAt(r.props, "accountId");
      const project = stringAt(r.props, "project");
      if (isUnknown(id)) unknownAccount ??= id;
      else if (isUnknown(project)) unknownAccount ??= project;
      else if (id !== undefined && project !== undefined)
        accounts.add(`${id}@${project}.iam.gserviceaccount.com`.toLowerCase());
      else if (id !== undefined) accountIds.add(id.toLowerCase());
    } else if (r.type === GCP.bucket || r.type === GCP_BUCKET_OBJECT) {
      hasBuckets = true;
      const name = stringAt(r.props, r.type === GCP.bucket ? "name" : "bucket");
      if (isUnknown(name)) unknownBucket ??= name;
      else if (name !== undefined) buckets.add(lastSegment(name));
    }
  }
  return {
    functions,
    maybeFunctions: [],
    accounts,
    accountIds,
    unknownAccount,
    buckets,
    hasBuckets,
    unknownBucket,
  };
}

const GCP_ACCOUNT = "gcp:serviceaccount/account:Account";
const GCP_BUCKET_OBJECT = "gcp:storage/bucketObject:BucketObject";

/** Key types, and the property naming the account each is for. */
const KEY_ACCOUNT: Readonly<Record<string, string>> = {
  [GCP.serviceAccountKey]: "serviceAccountId",
  [GCP.hmacKey]: "serviceAccountEmail",
};

const ACL_TYPES: readonly string[] = [
  GCP.bucketAcl,
  GCP.bucketAccessControl,
  GCP.defaultObjectAcl,
  GCP.defaultObjectAccessControl,
  GCP.objectAcl,
  GCP.objectAccessControl,
];

/** True if any verdict is; else the first unknown; else false. */
function anyOf(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes(true)) return true;
  return verdicts.find(isUnknown) ?? false;
}

function isAccountOf(graph: Pick<CallGraph, "accounts" | "accountIds">, email: string): boolean {
  const lower = email.toLowerCase();
  if (graph.accounts.has(lower)) return true;
  const [id, domain] = lower.split("@");
  return graph.accountIds.has(id) && (domain ?? "").endsWith(".iam.gserviceaccount.com");
}

/** Whether an account (an email) is one of the call graph's. */
function accountVerdict(account: Maybe<string>, graph: CallGraph): Verdict {
  if (account === undefined) return false;
  if (isUnknown(account)) return account;
  return isAccountOf(graph, account) || (graph.unknownAccount ?? false);
}

/** Whether a resource outside the call graph grants access to it (its functions are decided before). */
function relationOf(resource: StackResource, graph: CallGraph): Verdict {
  const grants = grantsOf(resource);
  if (grants.length > 0) return anyOf(grants.map((g) => grantVerdict(g, graph)));
  const keyAccount = KEY_ACCOUNT[resource.type];
  if (keyAccount !== undefined) {
    const account = stringAt(resource.props, keyAccount);
    if (account === undefined || isUnknown(account)) return account ?? false;
    const email = lastSegment(account);
    // A unique id (digits) names no account this model can resolve: judged, as a key may be for any account.
    return email.includes("@") ? accountVerdict(email, graph) : true;
  }
  if (ACL_TYPES.includes(resource.type)) return bucketVerdict(stringAt(resource.props, "bucket"), graph);
  // A Scheduler job, subscription, queue, workflow or trigger that calls as one of its accounts acts for it.
  const source = sourcesOf([resource])[0];
  if (source !== undefined) return accountVerdict(source.account, graph);
  return false;
}

function grantVerdict(grant: Grant, graph: CallGraph): Verdict {
  return anyOf([memberVerdict(grant.member, graph), targetVerdict(grant, graph)]);
}

/** A grant to one of its accounts extends what the call graph can do. */
function memberVerdict(member: string | Unknown, graph: CallGraph): Verdict {
  if (isUnknown(member)) return member;
  const account = serviceAccountOf(normalizeMember(member));
  return account === undefined ? false : accountVerdict(account, graph);
}

function targetVerdict(grant: Grant, graph: CallGraph): Verdict {
  if (grant.scope === "function" || grant.scope === "run-service") {
    const target = targetOf(grant, graph.functions);
    if (target.kind === "function") return true;
    if (target.kind === "unknown") return target.unknown;
    for (const [fn, unknown] of graph.maybeFunctions)
      if (targetOf(grant, [fn]).kind === "function") return unknown;
    return false;
  }
  if (grant.scope === "bucket") return bucketVerdict(grant.target, graph);
  // A grant on one of its accounts says who may act as it.
  if (grant.scope === "service-account") {
    if (isUnknown(grant.target)) return grant.target;
    // A unique id (digits) names no account this model can resolve: judged, as it may be one of the call graph's.
    return grant.target === undefined || grant.target.includes("@")
      ? accountVerdict(grant.target, graph)
      : true;
  }
  if (!isInheritedScope(grant.scope)) return false;
  // Only an invoking role on a project, folder or organization reaches the call graph's functions, and a role that
  // acts as service accounts reaches its accounts (and through them, everything they may call).
  if (isUnknown(grant.role)) return graph.functions.length > 0 ? grant.role : false;
  if (!isInvokingRole(grant.role) && !isImpersonatingRole(grant.role)) return false;
  if (grant.scope !== "project") return graph.functions.length > 0;
  return anyOf(graph.functions.map((fn) => equalUnlessDefault(fn.project, grant.target)));
}

function bucketVerdict(bucket: Maybe<string>, graph: CallGraph): Verdict {
  if (!graph.hasBuckets || bucket === undefined) return false;
  if (isUnknown(bucket)) return bucket;
  return graph.buckets.has(lastSegment(bucket)) || (graph.unknownBucket ?? false);
}
