import { effectiveGraph, fromEngine } from "../../engine";
import {
  grantsOf,
  grantsOfPolicy,
  isInvokerRole,
  meaningOf,
  type Grant,
  type GrantScope,
  type IamCondition,
  type StackResource,
} from "../../iam";
import { fromStackArgs } from "../../policy/crossguard";
import {
  DEVELOPERS,
  email,
  gen1Function,
  gen2Function,
  PROJECT,
  REGION,
  sa,
  T,
  urnOf,
  type TestResource,
} from "../policy/fixtures";
import { check, registered, stackArgs } from "../policy/harness";

/**
 * Issue 14's proof: one table of IAM grants, written three ways (IAM resources of a stack, the props the Pulumi
 * CLI hands the policy pack, and the policy documents `getIamPolicy` returns,
 * https://cloud.google.com/iam/docs/reference/rest/v1/Policy), is classified identically by the engine's
 * effective graph, the policy pack (its CrossGuard adapter and its rules) and a live reader using `iam/`.
 */

type On =
  | { readonly scope: "function"; readonly fn: string }
  | { readonly scope: "run-service"; readonly service: string }
  | { readonly scope: "project" }
  | { readonly scope: "folder"; readonly folder: string }
  | { readonly scope: "organization"; readonly org: string };

/** What each reader must conclude about a row. */
interface Classified {
  readonly invokes: boolean;
  readonly inherited: boolean;
  readonly public: boolean;
  readonly conditional: boolean;
  /** As IAM compares it. */
  readonly member: string;
  /** The function whose account the member is. */
  readonly caller?: string;
}

interface Row extends Classified {
  readonly id: string;
  readonly on: On;
  readonly role: string;
  /** As written in the grant (the case of an email may differ from `member`). */
  readonly written: string;
  readonly condition?: IamCondition;
}

const TEMPORARY: IamCondition = {
  title: "until 2031",
  expression: 'request.time < timestamp("2031-01-01T00:00:00Z")',
};
const LOGIN: On = { scope: "function", fn: "login" };
const PROFILES: On = { scope: "function", fn: "profiles" };
const REPORTS: On = { scope: "run-service", service: "reports" };
const THE_PROJECT: On = { scope: "project" };
const NONE = { invokes: false, inherited: false, public: false, conditional: false } as const;

function row(id: string, on: On, role: string, written: string, c: Partial<Row> = {}): Row {
  return { ...NONE, id, on, role, written, member: written, ...c };
}

const TABLE: readonly Row[] = [
  row("developers", LOGIN, "roles/cloudfunctions.invoker", "group:Developers@Example.com", {
    invokes: true,
    member: DEVELOPERS,
  }),
  row("public-login", LOGIN, "roles/cloudfunctions.invoker", "allUsers", { invokes: true, public: true }),
  row("viewer", PROFILES, "roles/cloudfunctions.viewer", "user:viewer@example.com"),
  row("login-calls-profiles", PROFILES, "roles/cloudfunctions.invoker", sa("login"), {
    invokes: true,
    caller: "login",
  }),
  row("public-reports", REPORTS, "roles/run.invoker", "allAuthenticatedUsers", {
    invokes: true,
    public: true,
  }),
  row(
    "login-calls-reports",
    REPORTS,
    "roles/run.servicesInvoker",
    `serviceAccount:${email("login").toUpperCase()}`,
    {
      invokes: true,
      member: sa("login"),
      caller: "login",
    },
  ),
  row("temporary", LOGIN, "roles/cloudfunctions.invoker", "user:temp@example.com", {
    invokes: true,
    conditional: true,
    condition: TEMPORARY,
  }),
  row("project-invoker", THE_PROJECT, "roles/run.invoker", "user:auditor@example.com", {
    invokes: true,
    inherited: true,
  }),
  row("project-editor", THE_PROJECT, "roles/editor", sa("profiles"), {
    invokes: true,
    inherited: true,
    caller: "profiles",
  }),
  row("project-logs", THE_PROJECT, "roles/logging.logWriter", "user:logger@example.com", { inherited: true }),
  row(
    "folder-invoker",
    { scope: "folder", folder: "folders/123" },
    "roles/cloudfunctions.invoker",
    "group:ops@example.com",
    {
      invokes: true,
      inherited: true,
    },
  ),
  row("org-owner", { scope: "organization", org: "456" }, "roles/owner", "user:admin@example.com", {
    invokes: true,
    inherited: true,
  }),
  row("public-viewer", LOGIN, "roles/viewer", "allUsers", { public: true }),
];

const FUNCTIONS: readonly TestResource[] = [
  gen1Function("login", [DEVELOPERS]),
  gen1Function("profiles", [sa("login")]),
  gen2Function("reports", [sa("login")]),
];
const CALLERS = new Map(["login", "profiles", "reports"].map((fn) => [email(fn), fn]));

/** A row as one additive IAM member resource of the stack. */
function asResource(r: Row): TestResource {
  const grant = { role: r.role, member: r.written, ...(r.condition ? { condition: r.condition } : {}) };
  const on = r.on;
  const name = r.id;
  switch (on.scope) {
    case "function":
      return {
        type: T.fn1Member,
        name,
        props: { project: PROJECT, region: REGION, cloudFunction: on.fn, ...grant },
      };
    case "run-service":
      return {
        type: T.runMember,
        name,
        props: { project: PROJECT, location: REGION, name: on.service, ...grant },
      };
    case "project":
      return { type: T.projectMember, name, props: { project: PROJECT, ...grant } };
    case "folder":
      return { type: T.folderMember, name, props: { folder: on.folder, ...grant } };
    case "organization":
      return { type: "gcp:organizations/iAMMember:IAMMember", name, props: { orgId: on.org, ...grant } };
  }
}

const STACK: readonly TestResource[] = [...FUNCTIONS, ...TABLE.map(asResource)];

/** The target a live reader fetched a policy of, and the policy's full resource name. */
function whereOf(on: On): {
  key: string;
  scope: GrantScope;
  target: string;
  name: string;
  generation?: 1 | 2;
} {
  switch (on.scope) {
    case "function":
      return {
        key: `function ${on.fn}`,
        scope: "function",
        target: on.fn,
        generation: 1,
        name: `//cloudfunctions.googleapis.com/projects/${PROJECT}/locations/${REGION}/functions/${on.fn}`,
      };
    case "run-service":
      return {
        key: `service ${on.service}`,
        scope: "run-service",
        target: on.service,
        generation: 2,
        name: `//run.googleapis.com/projects/${PROJECT}/locations/${REGION}/services/${on.service}`,
      };
    case "project":
      return {
        key: "project",
        scope: "project",
        target: PROJECT,
        name: `//cloudresourcemanager.googleapis.com/projects/${PROJECT}`,
      };
    case "folder":
      return {
        key: on.folder,
        scope: "folder",
        target: on.folder,
        name: `//cloudresourcemanager.googleapis.com/${on.folder}`,
      };
    case "organization":
      return {
        key: `org ${on.org}`,
        scope: "organization",
        target: on.org,
        name: `//cloudresourcemanager.googleapis.com/organizations/${on.org}`,
      };
  }
}

/**
 * The live policies: per resource, one document as `getIamPolicy` (version 3) returns it, one binding per role
 * and condition with all its members.
 */
function livePolicies(): { where: ReturnType<typeof whereOf>; policy: object }[] {
  const byTarget = new Map<string, { where: ReturnType<typeof whereOf>; rows: Row[] }>();
  for (const r of TABLE) {
    const where = whereOf(r.on);
    byTarget.set(where.key, { where, rows: [...(byTarget.get(where.key)?.rows ?? []), r] });
  }
  return [...byTarget.values()].map(({ where, rows }) => {
    const bindings = new Map<string, { role: string; members: string[]; condition?: IamCondition }>();
    for (const r of rows) {
      const key = `${r.role} ${JSON.stringify(r.condition ?? null)}`;
      const binding = bindings.get(key) ?? {
        role: r.role,
        members: [],
        ...(r.condition ? { condition: r.condition } : {}),
      };
      binding.members.push(r.written);
      bindings.set(key, binding);
    }
    return { where, policy: { version: 3, etag: "BwYxyz0=", bindings: [...bindings.values()] } };
  });
}

function classify(grant: Grant<unknown>): Classified {
  const m = meaningOf(grant);
  if (typeof m.invokes !== "boolean" || typeof m.public !== "boolean" || typeof m.member !== "string") {
    throw new Error(`the table holds no unknown value, yet ${JSON.stringify(grant)} reads as unknown`);
  }
  const caller = m.serviceAccount && CALLERS.get(m.serviceAccount);
  return {
    invokes: m.invokes,
    inherited: m.inherited,
    public: m.public,
    conditional: m.conditional,
    member: m.member,
    ...(caller ? { caller } : {}),
  };
}

function expected(): Record<string, Classified> {
  return Object.fromEntries(
    TABLE.map(({ id, invokes, inherited, public: isPublic, conditional, member, caller }) => [
      id,
      { invokes, inherited, public: isPublic, conditional, member, ...(caller ? { caller } : {}) },
    ]),
  );
}

/** Classifies every grant of stack resources, by resource name (one grant per row resource). */
function byResource(resources: readonly StackResource[]): Record<string, Classified> {
  return Object.fromEntries(resources.flatMap(grantsOf).map((g) => [g.resource.name, classify(g)]));
}

test("every row is one grant of the stack, so a reader cannot merge or drop one unnoticed", () => {
  expect(new Set(TABLE.map((r) => r.id)).size).toBe(TABLE.length);
  expect(fromEngine(registered(STACK)).flatMap(grantsOf)).toHaveLength(TABLE.length);
});

test("the policy pack's CrossGuard adapter classifies the table as written", () => {
  expect(byResource(fromStackArgs(stackArgs(STACK)))).toEqual(expected());
});

test("the engine's adapter (what the rules read in `callgraph check`) classifies it alike", () => {
  expect(byResource(fromEngine(registered(STACK)))).toEqual(expected());
});

test("the live policy documents classify it alike", () => {
  const rowOf = new Map(TABLE.map((r) => [`${whereOf(r.on).key} ${r.role} ${r.member}`, r.id]));
  const live: Record<string, Classified> = {};
  for (const { where, policy } of livePolicies()) {
    for (const grant of grantsOfPolicy(policy, {
      resource: where.name,
      scope: where.scope,
      target: where.target,
      generation: where.generation,
      project: where.scope === "function" || where.scope === "run-service" ? PROJECT : undefined,
      location: where.scope === "function" || where.scope === "run-service" ? REGION : undefined,
    })) {
      const c = classify(grant);
      const id = rowOf.get(`${where.key} ${grant.role} ${c.member}`);
      if (!id)
        throw new Error(`the live reader found a grant the table does not hold: ${JSON.stringify(grant)}`);
      live[id] = c;
    }
  }
  expect(live).toEqual(expected());
});

test("the engine's effective graph holds exactly the invoking rows, inherited ones on every function", () => {
  const graph = effectiveGraph(registered(STACK), { project: PROJECT, region: REGION });
  const engine = Object.fromEntries(
    graph.grants.map((g) => [
      g.resource.name,
      { inherited: g.scope === "project", caller: g.callerFunction },
    ]),
  );
  const invoking = TABLE.filter((r) => r.invokes);
  expect(engine).toEqual(
    Object.fromEntries(invoking.map((r) => [r.id, { inherited: r.inherited, caller: r.caller }])),
  );
  // Where each reaches: the named function (a gen2 function through its Cloud Run service), or every function.
  for (const g of graph.grants) {
    const r = TABLE.find((t) => t.id === g.resource.name)!;
    const target = r.on.scope === "function" ? r.on.fn : r.on.scope === "run-service" ? r.on.service : "*";
    expect([g.resource.name, g.target]).toEqual([r.id, target]);
  }
  // Public members reach the functions they are granted on, as invokers from outside the graph.
  const publicInvokers = graph.externalInvokers.filter(
    (e) => e.member === "allUsers" || e.member === "allAuthenticatedUsers",
  );
  expect(publicInvokers.map((e) => [e.function, e.member])).toEqual([
    ["login", "allUsers"],
    ["reports", "allAuthenticatedUsers"],
  ]);
});

test("the pack's rules flag the rows the classification says they must, through both adapters", async () => {
  const urns = (violations: readonly { urn: string }[]) => [...new Set(violations.map((v) => v.urn))].sort();
  const urnsOf = (rows: readonly Row[]) => rows.map((r) => urnOf(asResource(r))).sort();

  // `check` runs the CrossGuard policy and the same rule over the engine's adapter, and asserts they agree.
  const exposed = await check("function-no-public-invoker", [...STACK]);
  expect(urns(exposed.violations)).toEqual(
    urnsOf(TABLE.filter((r) => r.invokes && r.public && !r.inherited)),
  );

  const wide = await check("no-project-level-function-roles", [...STACK]);
  // An invoker-only role there is refused for anyone; a broader invoking role for a function's own account.
  expect(urns(wide.violations)).toEqual(
    urnsOf(
      TABLE.filter((r) => r.inherited && r.invokes && (isInvokerRole(r.role) || r.caller !== undefined)),
    ),
  );
});
