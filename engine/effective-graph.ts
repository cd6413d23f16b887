import { isInvokingRole, TYPES } from "./resource-types";
import { UNKNOWN, type EffectiveGraph, type Grant, type GraphEdge, type GraphFunction, type RegisteredResource } from "./types";

interface Defaults {
  readonly project: string;
  readonly region: string;
}

/**
 * Derives who may invoke what from the registered resources: functions from the function resources, grants
 * from every IAM resource that gives an invoking role on a function or on the whole project, whoever wrote
 * it. It does not read the config, so a grant added outside the components shows up (as unmanaged).
 */
export function effectiveGraph(resources: readonly RegisteredResource[], defaults: Defaults): EffectiveGraph {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const functions = resources.filter((r) => r.type === TYPES.function).map((r) => toFunction(r, resources, defaults));
  const functionByAccount = new Map(functions.map((f) => [f.serviceAccount, f.name]));
  const managed = (r: RegisteredResource) => hasAncestor(r, TYPES.callGraph, byUrn);

  const grants: Grant[] = [];
  for (const r of resources) {
    for (const { target, scope, role, member } of grantsOf(r)) {
      if (!isInvokingRole(role)) continue;
      const email = member.startsWith("serviceAccount:") ? member.slice("serviceAccount:".length) : undefined;
      grants.push({
        target,
        scope,
        role,
        member,
        callerFunction: email ? functionByAccount.get(email) : undefined,
        resource: { urn: r.urn, type: r.type, name: r.name },
        managed: managed(r),
      });
    }
  }
  grants.sort((a, b) => compare(`${a.target}\0${a.member}\0${a.role}\0${a.resource.urn}`, `${b.target}\0${b.member}\0${b.role}\0${b.resource.urn}`));

  const edges = new Map<string, GraphEdge>();
  const external = new Map<string, { function: string; member: string; managed: boolean }>();
  for (const grant of grants) {
    const targets = grant.scope === "project" ? functions.map((f) => f.name) : [grant.target];
    for (const to of targets) {
      if (grant.callerFunction) {
        const key = `${grant.callerFunction}\0${to}\0${grant.managed}`;
        edges.set(key, { from: grant.callerFunction, to, managed: grant.managed });
      } else {
        external.set(`${to}\0${grant.member}\0${grant.managed}`, { function: to, member: grant.member, managed: grant.managed });
      }
    }
  }
  return {
    functions: functions.sort((a, b) => compare(a.name, b.name)),
    grants,
    edges: [...edges.values()].sort((a, b) => compare(`${a.from}\0${a.to}`, `${b.from}\0${b.to}`)),
    externalInvokers: [...external.values()].sort((a, b) => compare(`${a.function}\0${a.member}`, `${b.function}\0${b.member}`)),
  };
}

function toFunction(r: RegisteredResource, all: readonly RegisteredResource[], defaults: Defaults): GraphFunction {
  const inputs = r.inputs;
  const name = String(inputs.name ?? r.name);
  const project = String(inputs.project ?? defaults.project);
  const region = String(inputs.region ?? defaults.region);
  const url = typeof r.outputs.httpsTriggerUrl === "string" && r.outputs.httpsTriggerUrl !== UNKNOWN
    ? r.outputs.httpsTriggerUrl
    : `https://${region}-${project}.cloudfunctions.net/${name}`; // the URL GCP will give it
  const archive = all.find(
    (o) => o.type === TYPES.bucketObject && o.inputs.name === inputs.sourceArchiveObject && o.inputs.bucket === inputs.sourceArchiveBucket,
  );
  const asset = archive?.inputs.source as { asset?: unknown } | undefined;
  return {
    name,
    urn: r.urn,
    project,
    region,
    generation: 1,
    // No account named means the default one (PROJECT@appspot.gserviceaccount.com): reported as empty.
    serviceAccount: typeof inputs.serviceAccountEmail === "string" ? inputs.serviceAccountEmail : "",
    url,
    entryPoint: String(inputs.entryPoint ?? name),
    runtime: String(inputs.runtime ?? ""),
    timeoutSeconds: Number(inputs.timeout ?? 60),
    archivePath: typeof asset?.asset === "string" ? asset.asset : undefined,
    environment: (inputs.environmentVariables ?? {}) as Record<string, string>,
  };
}

interface RawGrant {
  readonly target: string;
  readonly scope: Grant["scope"];
  readonly role: string;
  readonly member: string;
}

/** The (target, role, member) triples one IAM resource grants; none for other resources. */
function grantsOf(r: RegisteredResource): RawGrant[] {
  const i = r.inputs;
  const fn = String(i.cloudFunction ?? "");
  switch (r.type) {
    case TYPES.functionIamBinding:
      return strings(i.members).map((member) => ({ target: fn, scope: "function", role: String(i.role), member }));
    case TYPES.functionIamMember:
      return [{ target: fn, scope: "function", role: String(i.role), member: String(i.member) }];
    case TYPES.functionIamPolicy:
      return policyBindings(i.policyData).flatMap(({ role, members }) => members.map((member) => ({ target: fn, scope: "function" as const, role, member })));
    case TYPES.projectIamBinding:
      return strings(i.members).map((member) => ({ target: "*", scope: "project", role: String(i.role), member }));
    case TYPES.projectIamMember:
      return [{ target: "*", scope: "project", role: String(i.role), member: String(i.member) }];
    case TYPES.projectIamPolicy:
      return policyBindings(i.policyData).flatMap(({ role, members }) => members.map((member) => ({ target: "*", scope: "project" as const, role, member })));
    default:
      return [];
  }
}

function policyBindings(policyData: unknown): { role: string; members: string[] }[] {
  if (typeof policyData !== "string" || policyData === UNKNOWN) return [];
  try {
    const policy = JSON.parse(policyData) as { bindings?: { role?: unknown; members?: unknown }[] };
    return (policy.bindings ?? []).map((b) => ({ role: String(b.role), members: strings(b.members) }));
  } catch {
    return [];
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function hasAncestor(r: RegisteredResource, type: string, byUrn: ReadonlyMap<string, RegisteredResource>): boolean {
  for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) {
    if (p.type === type) return true;
  }
  return false;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
