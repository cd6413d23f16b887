import {
  bindingsOfJson,
  grantsOf,
  iamTypes,
  isInheritedScope,
  isUnknown,
  serviceAccountOf,
  type PolicyBinding,
} from "../iam";
import { fromEngine } from "./from-engine";
import { TYPES } from "./resource-types";
import { UNKNOWN, type GraphFunction, type RegisteredResource, type SecretGrant } from "./types";

/**
 * Who of the stack's functions may read which Secret Manager secret, from the registered IAM resources (whoever
 * wrote them): grants on a secret (`gcp.secretmanager.SecretIamMember`, `SecretIamBinding`, `SecretIamPolicy`), and
 * grants on a project, folder or organization, which reach every secret in it. Only grants to a function's account
 * are kept: they are what `graph` shows per function and what `diff` compares.
 */

/** The secret IAM resources' type tokens (`__pulumiType` of @pulumi/gcp's secretmanager classes). */
export const SECRET_IAM_TYPES = {
  member: "gcp:secretmanager/secretIamMember:SecretIamMember",
  binding: "gcp:secretmanager/secretIamBinding:SecretIamBinding",
  policy: "gcp:secretmanager/secretIamPolicy:SecretIamPolicy",
} as const;

/**
 * Roles that let a member read a secret's payload (`secretmanager.versions.access`): the accessor, Secret Manager's
 * admin, and Owner (https://cloud.google.com/secret-manager/docs/access-control). Editor and Viewer cannot.
 */
export const SECRET_READING_ROLES: readonly string[] = [
  "roles/secretmanager.secretAccessor",
  "roles/secretmanager.admin",
  "roles/owner",
];

const WIDE_TYPES: ReadonlySet<string> = new Set(iamTypes("project", "folder", "organization"));
const SECRET_TYPES: ReadonlySet<string> = new Set(Object.values(SECRET_IAM_TYPES));

/** Every grant of a role that reads secrets to one of `functions`' accounts, sorted by function, secret, role. */
export function secretGrants(
  resources: readonly RegisteredResource[],
  functions: readonly Pick<GraphFunction, "name" | "serviceAccount" | "project">[],
): SecretGrant[] {
  const byAccount = new Map(
    functions.filter((f) => f.serviceAccount !== "").map((f) => [f.serviceAccount.toLowerCase(), f]),
  );
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const grants: SecretGrant[] = [];
  const add = (r: RegisteredResource, pair: Pair, scope: SecretGrant["scope"], secret: string) => {
    const role = isUnknown(pair.role) || pair.role === UNKNOWN ? UNKNOWN : pair.role;
    if (role !== UNKNOWN && !SECRET_READING_ROLES.includes(role)) return;
    const email = typeof pair.member === "string" ? serviceAccountOf(pair.member) : undefined;
    const fn = email === undefined ? undefined : byAccount.get(email);
    if (!fn) return;
    grants.push({
      function: fn.name,
      secret,
      scope,
      role,
      member: pair.member as string,
      conditional: pair.conditional,
      resource: { urn: r.urn, type: r.type, name: r.name },
      managed: hasAncestor(r, TYPES.callGraph, byUrn),
    });
  };

  for (const r of resources.filter((x) => SECRET_TYPES.has(x.type))) {
    const secret = secretNameOf(r);
    for (const pair of secretPairs(r)) add(r, pair, "secret", secret);
  }
  const wide = resources.filter((x) => WIDE_TYPES.has(x.type));
  for (const grant of fromEngine(wide).flatMap(grantsOf)) {
    if (!isInheritedScope(grant.scope)) continue;
    const r = byUrn.get(grant.resource.urn)!;
    const target = isUnknown(grant.target) || grant.target === undefined ? UNKNOWN : grant.target;
    const scope = grant.scope as SecretGrant["scope"];
    add(
      r,
      {
        role: isUnknown(grant.role) ? UNKNOWN : grant.role,
        member: isUnknown(grant.member) ? UNKNOWN : grant.member,
        conditional: grant.condition !== undefined,
      },
      scope,
      `${scope === "project" ? "projects" : scope === "folder" ? "folders" : "organizations"}/${target}/secrets/*`,
    );
  }
  return grants.sort((a, b) =>
    compare(
      `${a.function}\0${a.secret}\0${a.role}\0${a.resource.urn}`,
      `${b.function}\0${b.secret}\0${b.role}\0${b.resource.urn}`,
    ),
  );
}

/** `projects/P/secrets/S` of a secret IAM resource: its `secretId` in full form, or its id in its `project`. */
function secretNameOf(r: RegisteredResource): string {
  const id = r.inputs.secretId;
  if (typeof id !== "string" || id === UNKNOWN) return UNKNOWN;
  if (id.startsWith("projects/")) return id;
  const project = r.inputs.project;
  return typeof project === "string" && project !== UNKNOWN
    ? `projects/${project}/secrets/${id}`
    : `projects/${UNKNOWN}/secrets/${id}`;
}

interface Pair {
  readonly role: string;
  readonly member: string;
  readonly conditional: boolean;
}

/** The (role, member) pairs of a secret's IAM member, binding or policy. */
function secretPairs(r: RegisteredResource): Pair[] {
  const i = r.inputs;
  const conditional = i.condition !== undefined && i.condition !== null;
  const role = typeof i.role === "string" ? i.role : UNKNOWN;
  if (r.type === SECRET_IAM_TYPES.member)
    return typeof i.member === "string" ? [{ role, member: i.member, conditional }] : [];
  if (r.type === SECRET_IAM_TYPES.binding)
    return Array.isArray(i.members)
      ? i.members
          .filter((m): m is string => typeof m === "string")
          .map((member) => ({ role, member, conditional }))
      : [];
  if (typeof i.policyData !== "string" || i.policyData === UNKNOWN) return [];
  return bindingsOfJson(i.policyData, "policyData").flatMap((b: PolicyBinding) =>
    b.members.map((member) => ({ role: b.role, member, conditional: b.condition !== undefined })),
  );
}

function hasAncestor(
  r: RegisteredResource,
  type: string,
  byUrn: ReadonlyMap<string, RegisteredResource>,
): boolean {
  for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined)
    if (p.type === type) return true;
  return false;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
