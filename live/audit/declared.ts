import { normalizeMember } from "../../iam";
import { declaredDeployment, emailOfAccountName, type DeclaredResource } from "../preflight/declared";

/**
 * The variable that tells a function its callees' URLs (JSON, callee name -> URL). `topology/environment.ts`
 * writes it (`ENV.callees`); `live/` may not import that folder, so a test keeps the two names equal.
 */
export const CALLEES_ENV = "CALLGRAPH_CALLEES";

/** What the audit needs of the engine's effective graph (structurally `engine`'s `EffectiveGraph`). */
export interface DeclaredGraph {
  readonly functions: readonly {
    readonly name: string;
    /** URN of the function's resource. */
    readonly urn?: string;
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
  /** URN of the function's resource in the stack (what `pulumi up --target-replace` takes), when known. */
  readonly urn?: string;
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
  /**
   * Roles the stack grants on service accounts (its `gcp:serviceaccount/iAM*` resources), e.g. a service agent's
   * token creator role on the account it delivers as: who may act as an account by the declaration's own doing.
   */
  readonly accountGrants?: readonly DeclaredAccountGrant[];
}

/** One (member, role) the stack grants on one service account. */
export interface DeclaredAccountGrant {
  /** The account's email, lower case. */
  readonly account: string;
  readonly member: string;
  readonly role: string;
}

/** The IAM resources of a service account, as @pulumi/gcp spells them (`serviceAccountId`: `projects/P/serviceAccounts/EMAIL`). */
const ACCOUNT_IAM_TYPES = [
  "gcp:serviceaccount/iAMBinding:IAMBinding",
  "gcp:serviceaccount/iAMMember:IAMMember",
  "gcp:serviceaccount/iAMPolicy:IAMPolicy",
];

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
  const deployment = declaredDeployment(resources, project);
  const builds = new Map(deployment.functions.map((f) => [f.name, f.buildServiceAccount]));
  const accountIds = new Map(
    resources
      .filter((r) => ACCOUNT_IAM_TYPES.includes(r.type))
      .flatMap((r) => {
        const id = r.inputs.serviceAccountId;
        return typeof id === "string" && id.includes("@")
          ? [[`${r.type}\0${r.name}`, emailOfAccountName(id)] as const]
          : [];
      }),
  );
  const accountGrants = deployment.members.flatMap((m): DeclaredAccountGrant[] => {
    const account = accountIds.get(`${m.resourceType}\0${m.resource}`);
    return account === undefined ? [] : [{ account, member: normalizeMember(m.member), role: m.role }];
  });
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
        ...(f.urn ? { urn: f.urn } : {}),
        generation: f.generation,
        region: f.region,
        serviceAccount: f.serviceAccount.toLowerCase(),
        ...(build ? { buildServiceAccount: build } : {}),
        ...(callees ? { callees } : {}),
        invokers: graph.grants.filter((g) => g.scope === "function" && g.target === f.name).map(invoker),
      };
    }),
    inheritedInvokers: graph.grants.filter((g) => g.scope === "project").map(invoker),
    accountGrants,
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
