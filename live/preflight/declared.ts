import { bindingsOfJson } from "../../iam";

/**
 * What the program would deploy, read from the resources it registers (the engine's evaluation), in the terms
 * the live checks need. Pure: the CLI evaluates the program and hands the resources in.
 */

/** The part of a registered resource the checks read (structurally the engine's `RegisteredResource`). */
export interface DeclaredResource {
  /** Type token, e.g. `gcp:cloudfunctions/function:Function`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** False for components (`callgraph:index:*`), which Google never sees. */
  readonly custom: boolean;
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** Type tokens read here, as @pulumi/gcp spells them (`__pulumiType` of each class). */
export const TOKENS = {
  projectService: "gcp:projects/service:Service",
  serviceAccount: "gcp:serviceaccount/account:Account",
  functionV1: "gcp:cloudfunctions/function:Function",
  functionV2: "gcp:cloudfunctionsv2/function:Function",
} as const;

export interface DeclaredFunction {
  readonly name: string;
  /** Logical name of the function resource. */
  readonly resource: string;
  readonly generation: 1 | 2;
  readonly project: string;
  readonly region: string;
  readonly runtime: string;
  /** `ingressSettings` (gen1) or `serviceConfig.ingressSettings` (gen2); Google's default is ALLOW_ALL. */
  readonly ingress: string;
  /** Email of the runtime account; undefined when the function names none (a default account). */
  readonly serviceAccount?: string;
  /** Email of the build account; undefined when the function names none. */
  readonly buildServiceAccount?: string;
  /** `vpcConnector` (gen1) or `serviceConfig.vpcConnector` (gen2); undefined when it sets none. */
  readonly vpcConnector?: string;
  /** Cloud Build worker pool, `buildWorkerPool` (gen1) or `buildConfig.workerPool` (gen2); undefined: the default pool. */
  readonly workerPool?: string;
}

export interface DeclaredAccount {
  readonly email: string;
  /** Logical name of the registering resource, when the program creates the account. */
  readonly createdBy?: string;
  /** What the deployment uses it for, e.g. "runtime of login", "build of login". */
  readonly roles: readonly string[];
}

/** One member granted one role by one IAM resource of the program. */
export interface DeclaredMember {
  readonly member: string;
  readonly role: string;
  readonly resourceType: string;
  readonly resource: string;
}

export interface DeclaredDeployment {
  readonly project: string;
  /** APIs the program enables (`gcp:projects/service:Service`), with the resource that does it. */
  readonly apis: readonly { readonly service: string; readonly resource: string }[];
  readonly functions: readonly DeclaredFunction[];
  readonly accounts: readonly DeclaredAccount[];
  readonly members: readonly DeclaredMember[];
  /** Every provider resource (components left out), for the permission table. */
  readonly resources: readonly DeclaredResource[];
  /**
   * The project numbers the program builds URLs and service agents' emails from: each CallGraph's
   * `projectNumber` input (`callgraph:projectNumber` by default), distinct, sorted.
   */
  readonly projectNumbers: readonly string[];
}

/** The type token of the CallGraph component, whose inputs record the project number it was given. */
const CALL_GRAPH = "callgraph:index:CallGraph";

/**
 * Reads the deployment from the registered resources. `project` is the stack's `gcp:project`, used where a
 * resource leaves its project to the provider's default.
 */
export function declaredDeployment(
  resources: readonly DeclaredResource[],
  project: string,
): DeclaredDeployment {
  const custom = resources.filter((r) => r.custom);
  const apis = custom
    .filter((r) => r.type === TOKENS.projectService)
    .flatMap((r) => {
      const service = stringAt(r.inputs, ["service"]);
      return service ? [{ service, resource: r.name }] : [];
    });
  const functions = custom.flatMap((r) => functionOf(r, project) ?? []);
  return {
    project,
    apis,
    functions,
    accounts: accountsOf(custom, functions, project),
    members: custom.flatMap(membersOf),
    resources: custom,
    projectNumbers: [
      ...new Set(
        resources
          .filter((r) => r.type === CALL_GRAPH)
          .flatMap((r) => stringAt(r.inputs, ["projectNumber"]) ?? []),
      ),
    ].sort(),
  };
}

function functionOf(r: DeclaredResource, defaultProject: string): DeclaredFunction | undefined {
  const gen2 = r.type === TOKENS.functionV2;
  if (!gen2 && r.type !== TOKENS.functionV1) return undefined;
  const at = (...path: string[]) => stringAt(r.inputs, path);
  const serviceAccount = gen2 ? at("serviceConfig", "serviceAccountEmail") : at("serviceAccountEmail");
  // Both generations take the build account as `projects/PROJECT/serviceAccounts/EMAIL`.
  const build = gen2 ? at("buildConfig", "serviceAccount") : at("buildServiceAccount");
  const vpcConnector = gen2 ? at("serviceConfig", "vpcConnector") : at("vpcConnector");
  const workerPool = gen2 ? at("buildConfig", "workerPool") : at("buildWorkerPool");
  return {
    name: at("name") ?? r.name,
    resource: r.name,
    generation: gen2 ? 2 : 1,
    project: at("project") ?? defaultProject,
    region: (gen2 ? at("location") : at("region")) ?? "",
    runtime: (gen2 ? at("buildConfig", "runtime") : at("runtime")) ?? "",
    ingress: (gen2 ? at("serviceConfig", "ingressSettings") : at("ingressSettings")) ?? "ALLOW_ALL",
    ...(serviceAccount ? { serviceAccount: serviceAccount.toLowerCase() } : {}),
    ...(build ? { buildServiceAccount: emailOfAccountName(build) } : {}),
    ...(vpcConnector ? { vpcConnector } : {}),
    ...(workerPool ? { workerPool } : {}),
  };
}

/** `projects/P/serviceAccounts/EMAIL` (or a bare email) -> the email, lower case. */
export function emailOfAccountName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1).toLowerCase();
}

function accountsOf(
  custom: readonly DeclaredResource[],
  functions: readonly DeclaredFunction[],
  defaultProject: string,
): DeclaredAccount[] {
  const byEmail = new Map<string, { createdBy?: string; roles: string[] }>();
  const entry = (email: string) => {
    let found = byEmail.get(email);
    if (!found) byEmail.set(email, (found = { roles: [] }));
    return found;
  };
  for (const r of custom.filter((r) => r.type === TOKENS.serviceAccount)) {
    const id = stringAt(r.inputs, ["accountId"]);
    if (!id) continue;
    // https://cloud.google.com/iam/docs/service-account-overview: ID@PROJECT.iam.gserviceaccount.com
    const email = `${id}@${stringAt(r.inputs, ["project"]) ?? defaultProject}.iam.gserviceaccount.com`;
    entry(email.toLowerCase()).createdBy = r.name;
  }
  for (const f of functions) {
    if (f.serviceAccount) entry(f.serviceAccount).roles.push(`runtime of ${f.name}`);
    if (f.buildServiceAccount) entry(f.buildServiceAccount).roles.push(`build of ${f.name}`);
  }
  return [...byEmail]
    .map(([email, a]) => ({ email, ...(a.createdBy ? { createdBy: a.createdBy } : {}), roles: a.roles }))
    .sort((a, b) => a.email.localeCompare(b.email));
}

/**
 * Members of any IAM binding (`members`) or member (`member`) resource, with its role, and of any IAM policy
 * resource (`policyData`, a policy document: every binding's members).
 */
function membersOf(r: DeclaredResource): DeclaredMember[] {
  const policyData = r.inputs.policyData;
  if (typeof policyData === "string")
    return bindingsOfJson(policyData, "policyData").flatMap((b) =>
      b.members.map((member) => ({ member, role: b.role, resourceType: r.type, resource: r.name })),
    );
  const role = stringAt(r.inputs, ["role"]);
  if (!role) return [];
  const members = r.inputs.members;
  const list = Array.isArray(members)
    ? members.filter((m): m is string => typeof m === "string")
    : typeof r.inputs.member === "string"
      ? [r.inputs.member]
      : [];
  return list.map((member) => ({ member, role, resourceType: r.type, resource: r.name }));
}

function stringAt(value: unknown, path: readonly string[]): string | undefined {
  let at = value;
  for (const key of path)
    at = at && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === "string" && at !== "" ? at : undefined;
}
