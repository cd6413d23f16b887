import { grantsOf, iamTypes, isInheritedScope, isInvokingRole, isUnknown, serviceAccountOf } from "../iam";
import { fromEngine } from "./from-engine";
import { functionSettings } from "./function-settings";
import { TYPES } from "./resource-types";
import { secretGrants } from "./secret-grants";
import { graphSources } from "./sources";
import {
  UNKNOWN,
  type EffectiveGraph,
  type Grant,
  type GraphEdge,
  type GraphFunction,
  type RegisteredResource,
  type SourceEdge,
} from "./types";

/**
 * The IAM resource types whose grants can reach a function: on it, on its Cloud Run service, or inherited from the
 * project, a folder or the organization. `grantsOf` gives every other resource none (and bucket grants never
 * invoke), so only these are read: the extraction does not copy every function's inputs a second time.
 */
const INVOKING_SCOPE_TYPES: ReadonlySet<string> = new Set(
  iamTypes("function", "run-service", "project", "folder", "organization"),
);

interface Defaults {
  readonly project: string;
  readonly region: string;
}

/**
 * Derives who may invoke what from the registered resources: functions (both generations) from the function
 * resources, grants from every IAM resource that gives an invoking role on a function, on a 2nd-gen
 * function's Cloud Run service, or on the whole project (or folder, or organization), whoever wrote it. It does
 * not read the config, so a grant added outside the components shows up (as unmanaged). IAM resources are read
 * by the IAM model (`iam/`), as the policy pack and the live readers read them, so none can disagree on a grant.
 */
export function effectiveGraph(resources: readonly RegisteredResource[], defaults: Defaults): EffectiveGraph {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  // Archives by bucket and object name, so each function finds its own in one lookup.
  const archives = new Map(
    resources
      .filter((r) => r.type === TYPES.bucketObject)
      .map((o) => [`${o.inputs.bucket}\0${o.inputs.name}`, o]),
  );
  const functions = resources
    .filter((r) => r.type === TYPES.function || r.type === TYPES.functionV2)
    .map((r) => toFunction(r, archives, defaults));
  const functionByAccount = new Map(functions.map((f) => [f.serviceAccount.toLowerCase(), f.name]));
  const sources = graphSources(resources, functions, (r) => hasAncestor(r, TYPES.callGraph, byUrn));
  // A source's account is its own (the policy pack fails one that shares a function's): first one wins here.
  const sourceByAccount = new Map<string, { name: string; kind: (typeof sources)[number]["kind"] }>();
  for (const s of sources)
    if (s.serviceAccount && !sourceByAccount.has(s.serviceAccount.toLowerCase()))
      sourceByAccount.set(s.serviceAccount.toLowerCase(), { name: s.name, kind: s.kind });

  const grants: Grant[] = [];
  const iamResources = resources.filter((r) => INVOKING_SCOPE_TYPES.has(r.type));
  for (const grant of fromEngine(iamResources).flatMap(grantsOf)) {
    const role = isUnknown(grant.role) ? UNKNOWN : grant.role;
    if (role !== UNKNOWN && !isInvokingRole(role)) continue;
    const member = isUnknown(grant.member) ? UNKNOWN : grant.member;
    const email = serviceAccountOf(member);
    // Folder and organization grants reach every function of the project, as project grants do.
    const wide = isInheritedScope(grant.scope);
    const r = byUrn.get(grant.resource.urn)!;
    grants.push({
      target: wide ? "*" : isUnknown(grant.target) || grant.target === undefined ? UNKNOWN : grant.target,
      scope: wide ? "project" : "function",
      role,
      member,
      callerFunction: email ? functionByAccount.get(email) : undefined,
      ...(email && !functionByAccount.has(email) && sourceByAccount.has(email)
        ? { callerSource: sourceByAccount.get(email) }
        : {}),
      resource: { urn: r.urn, type: r.type, name: r.name },
      managed: hasAncestor(r, TYPES.callGraph, byUrn),
    });
  }
  grants.sort((a, b) =>
    compare(
      `${a.target}\0${a.member}\0${a.role}\0${a.resource.urn}`,
      `${b.target}\0${b.member}\0${b.role}\0${b.resource.urn}`,
    ),
  );

  const edges = new Map<string, GraphEdge>();
  const external = new Map<string, { function: string; member: string; managed: boolean }>();
  const fromSources = new Map<string, SourceEdge>();
  for (const grant of grants) {
    const targets = grant.scope === "project" ? functions.map((f) => f.name) : [grant.target];
    for (const to of targets) {
      if (grant.callerFunction) {
        edges.set(`${grant.callerFunction}\0${to}\0${grant.managed}`, {
          from: grant.callerFunction,
          to,
          managed: grant.managed,
        });
      } else if (grant.callerSource) {
        fromSources.set(`${grant.callerSource.name}\0${to}\0${grant.managed}`, {
          from: grant.callerSource.name,
          kind: grant.callerSource.kind,
          to,
          managed: grant.managed,
        });
      } else {
        external.set(`${to}\0${grant.member}\0${grant.managed}`, {
          function: to,
          member: grant.member,
          managed: grant.managed,
        });
      }
    }
  }
  return {
    functions: functions.sort((a, b) => compare(a.name, b.name)),
    grants,
    edges: [...edges.values()].sort((a, b) => compare(`${a.from}\0${a.to}`, `${b.from}\0${b.to}`)),
    sources,
    sourceEdges: [...fromSources.values()].sort((a, b) =>
      compare(`${a.from}\0${a.to}`, `${b.from}\0${b.to}`),
    ),
    externalInvokers: [...external.values()].sort((a, b) =>
      compare(`${a.function}\0${a.member}`, `${b.function}\0${b.member}`),
    ),
    secretGrants: secretGrants(resources, functions),
  };
}

/** A function resource of either generation, as the graph describes it. */
function toFunction(
  r: RegisteredResource,
  archives: ReadonlyMap<string, RegisteredResource>,
  defaults: Defaults,
): GraphFunction {
  const i = r.inputs;
  const generation = r.type === TYPES.functionV2 ? 2 : 1;
  // gen2 keeps runtime settings under serviceConfig and build settings under buildConfig; gen1 at the top.
  const service = generation === 2 ? record(i.serviceConfig) : i;
  const build = generation === 2 ? record(i.buildConfig) : i;
  const name = String(i.name ?? r.name);
  const project = String(i.project ?? defaults.project);
  const region = String((generation === 2 ? i.location : i.region) ?? defaults.region);
  const environment = record(service.environmentVariables) as Record<string, string>;
  const storage = record(record(build.source).storageSource);
  const [bucket, object] =
    generation === 2 ? [storage.bucket, storage.object] : [i.sourceArchiveBucket, i.sourceArchiveObject];
  const archive = archives.get(`${bucket}\0${object}`);
  const asset = archive?.inputs.source as { asset?: unknown } | undefined;
  const output = generation === 2 ? r.outputs.url : r.outputs.httpsTriggerUrl;
  return {
    name,
    urn: r.urn,
    project,
    region,
    generation,
    // No account named means the default one (PROJECT@appspot / PROJECT_NUMBER-compute): reported as empty.
    serviceAccount: typeof service.serviceAccountEmail === "string" ? service.serviceAccountEmail : "",
    url:
      typeof output === "string" && output !== UNKNOWN
        ? output
        : expectedUrl(generation, name, project, region, environment),
    entryPoint: String(build.entryPoint ?? name),
    runtime: String(build.runtime ?? ""),
    timeoutSeconds: Number((generation === 2 ? service.timeoutSeconds : i.timeout) ?? 60),
    archivePath: typeof asset?.asset === "string" ? asset.asset : undefined,
    environment,
    settings: functionSettings(r, generation, project),
  };
}

/**
 * The URL GCP will give a function before it exists: gen1's is fixed by region, project and name; gen2's needs
 * the project number, so it is taken from the function's own environment when the program set it.
 */
function expectedUrl(
  generation: 1 | 2,
  name: string,
  project: string,
  region: string,
  env: Readonly<Record<string, string>>,
): string {
  if (generation === 1) return `https://${region}-${project}.cloudfunctions.net/${name}`;
  return env.CALLGRAPH_SELF_URL ?? UNKNOWN;
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function hasAncestor(
  r: RegisteredResource,
  type: string,
  byUrn: ReadonlyMap<string, RegisteredResource>,
): boolean {
  for (
    let p = r.parent ? byUrn.get(r.parent) : undefined;
    p;
    p = p.parent ? byUrn.get(p.parent) : undefined
  ) {
    if (p.type === type) return true;
  }
  return false;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
