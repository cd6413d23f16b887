import { normalizeMember } from "../../iam";
import { declaredDeployment, type DeclaredResource } from "../preflight/declared";

/**
 * The variable that tells a function its callees' URLs (JSON, callee name -> URL). `topology/environment.ts`
 * writes it (`ENV.callees`); `live/` may not import that folder, so a test keeps the two names equal.
 */
export const CALLEES_ENV = "CALLGRAPH_CALLEES";

/** What the audit needs of the engine's effective graph (structurally `engine`'s `EffectiveGraph`). */
export interface DeclaredGraph {
  readonly functions: readonly {
    readonly name: string;
    readonly region: string;
    readonly generation: 1 | 2;
    readonly serviceAccount: string;
    readonly environment: Readonly<Record<string, string>>;
  }[];
  readonly grants: readonly {
    /** Function name, or `*` for a project-level grant. */
    readonly target: string;
    readonly scope: "function" | "project";
    readonly role: string;
    readonly member: string;
  }[];
}

/** One (member, role) the declaration grants. */
export interface DeclaredInvoker {
  readonly member: string;
  readonly role: string;
}

export interface DeclaredFunction {
  readonly name: string;
  readonly generation: 1 | 2;
  readonly region: string;
  /** Runtime account email, lower case. */
  readonly serviceAccount: string;
  /** Build account email, lower case; undefined when the program names none. */
  readonly buildServiceAccount?: string;
  /** Callee name -> URL, from its environment; undefined when it has no such variable. */
  readonly callees?: Readonly<Record<string, string>>;
  /** Who the stack lets invoke it on the function (or its Cloud Run service). */
  readonly invokers: readonly DeclaredInvoker[];
}

/** What the stack would deploy, in the audit's terms. */
export interface DeclaredAudit {
  readonly project: string;
  readonly region: string;
  readonly functions: readonly DeclaredFunction[];
  /** Invoking grants the stack makes on the project (or above): they reach every function. */
  readonly inheritedInvokers: readonly DeclaredInvoker[];
}

/**
 * Reads the declaration from the program's evaluation: the effective graph (functions, invoking grants) and the
 * registered resources (build accounts, read as preflight reads them). `region` is the stack's `gcp:region`.
 */
export function declaredAudit(
  graph: DeclaredGraph,
  resources: readonly DeclaredResource[],
  project: string,
  region: string,
): DeclaredAudit {
  const builds = new Map(
    declaredDeployment(resources, project).functions.map((f) => [f.name, f.buildServiceAccount]),
  );
  const invoker = (g: { member: string; role: string }): DeclaredInvoker => ({
    member: normalizeMember(g.member),
    role: g.role,
  });
  return {
    project,
    region,
    functions: graph.functions.map((f): DeclaredFunction => {
      const build = builds.get(f.name);
      const callees = parseCallees(f.environment[CALLEES_ENV]);
      return {
        name: f.name,
        generation: f.generation,
        region: f.region,
        serviceAccount: f.serviceAccount.toLowerCase(),
        ...(build ? { buildServiceAccount: build } : {}),
        ...(callees ? { callees } : {}),
        invokers: graph.grants.filter((g) => g.scope === "function" && g.target === f.name).map(invoker),
      };
    }),
    inheritedInvokers: graph.grants.filter((g) => g.scope === "project").map(invoker),
  };
}

/** The callee map in a `CALLGRAPH_CALLEES` value; undefined when absent or not a JSON object (unreadable). */
export function parseCallees(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === "string",
      ),
    );
  } catch {
    return undefined;
  }
}
