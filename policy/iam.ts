import { isUnknown, Unknown, type PolicyResource } from "./model";
import { GCP } from "./resource-types";
import { lastSegment, stringAt, stringListAt, valueAt, type Maybe } from "./values";

/**
 * Roles that let a member invoke a function: the invoker roles, and the broader roles that contain
 * `cloudfunctions.functions.invoke` or `run.routes.invoke`.
 * https://cloud.google.com/functions/docs/reference/iam/roles, https://cloud.google.com/run/docs/reference/iam/roles
 */
export const INVOKING_ROLES: readonly string[] = [
  "roles/cloudfunctions.invoker",
  "roles/cloudfunctions.developer",
  "roles/cloudfunctions.admin",
  "roles/run.invoker",
  "roles/run.servicesInvoker",
  "roles/run.developer",
  "roles/run.admin",
  "roles/editor",
  "roles/owner",
];

/** Roles that do nothing but invoke: granted on a project, they open every function in it to the member. */
export const INVOKER_ROLES: readonly string[] = [
  "roles/cloudfunctions.invoker",
  "roles/run.invoker",
  "roles/run.servicesInvoker",
];

/**
 * `allAuthenticatedUsers` (any Google account) is as public as `allUsers`.
 * https://cloud.google.com/iam/docs/principal-identifiers
 */
export const PUBLIC_MEMBERS: readonly string[] = ["allUsers", "allAuthenticatedUsers"];

export function isPublicMember(member: string): boolean {
  return PUBLIC_MEMBERS.includes(member);
}

/**
 * The accounts a function runs as when it names none: gen1 uses `PROJECT_ID@appspot.gserviceaccount.com`,
 * gen2 the Compute Engine default `PROJECT_NUMBER-compute@developer.gserviceaccount.com`; both hold Editor on
 * the project by default. https://cloud.google.com/functions/docs/securing/function-identity
 */
const DEFAULT_ACCOUNT = /(@appspot\.gserviceaccount\.com|-compute@developer\.gserviceaccount\.com)$/i;

export function isDefaultAccount(email: string): boolean {
  return DEFAULT_ACCOUNT.test(email);
}

/**
 * The accounts a function's build runs as when it names none, or that a user might pick instead of a dedicated
 * one: the legacy Cloud Build account `PROJECT_NUMBER@cloudbuild.gserviceaccount.com` (projects whose first build
 * predates the mid-2024 change; broad permissions on the project,
 * https://cloud.google.com/build/docs/cloud-build-service-account), the Compute Engine default
 * `PROJECT_NUMBER-compute@developer.gserviceaccount.com` (the default since that change, which may lack what a
 * function build needs, https://cloud.google.com/build/docs/cloud-build-service-account-updates) and the App Engine
 * default `PROJECT_ID@appspot.gserviceaccount.com` (Editor, like the Compute one on projects that grant it).
 */
const DEFAULT_BUILD_ACCOUNT =
  /(@cloudbuild\.gserviceaccount\.com|@appspot\.gserviceaccount\.com|-compute@developer\.gserviceaccount\.com)$/i;

export function isDefaultBuildAccount(email: string): boolean {
  return DEFAULT_BUILD_ACCOUNT.test(email);
}

/** IAM compares member emails without case; so do the rules. */
export function normalizeMember(member: string): string {
  const colon = member.indexOf(":");
  return colon < 0 ? member : `${member.slice(0, colon)}:${member.slice(colon + 1).toLowerCase()}`;
}

/** `serviceAccount:EMAIL` -> the email, lower case; anything else -> undefined. */
export function serviceAccountOf(member: string): string | undefined {
  return member.startsWith("serviceAccount:")
    ? member.slice("serviceAccount:".length).toLowerCase()
    : undefined;
}

/** Where a grant applies. */
export type GrantScope = "function" | "run-service" | "project" | "folder" | "organization" | "bucket";

/** One (role, member) pair granted by one IAM resource. */
export interface Grant {
  readonly resource: PolicyResource;
  readonly scope: GrantScope;
  /** Function or service name (last segment of the reference), project, folder, organization or bucket. */
  readonly target: Maybe<string>;
  /** For function and Cloud Run grants: the generation of function they can reach. */
  readonly generation?: 1 | 2;
  /** For function and Cloud Run grants; undefined means the provider's default. */
  readonly project: Maybe<string>;
  readonly location: Maybe<string>;
  readonly role: string | Unknown;
  readonly member: string | Unknown;
}

type Shape = "binding" | "member" | "policy";

interface IamType {
  readonly scope: GrantScope;
  readonly shape: Shape;
  /** Property naming the target. */
  readonly target: string;
  readonly generation?: 1 | 2;
  /** Property naming the location, for function and Cloud Run grants. */
  readonly location?: string;
}

function family(
  scope: GrantScope,
  types: Readonly<Record<Shape, string>>,
  target: string,
  extra: { generation?: 1 | 2; location?: string } = {},
): [string, IamType][] {
  return (Object.keys(types) as Shape[]).map((shape) => [types[shape], { scope, shape, target, ...extra }]);
}

const IAM_TYPES: ReadonlyMap<string, IamType> = new Map([
  ...family(
    "function",
    { binding: GCP.functionV1IamBinding, member: GCP.functionV1IamMember, policy: GCP.functionV1IamPolicy },
    "cloudFunction",
    { generation: 1, location: "region" },
  ),
  ...family(
    "function",
    { binding: GCP.functionV2IamBinding, member: GCP.functionV2IamMember, policy: GCP.functionV2IamPolicy },
    "cloudFunction",
    { generation: 2, location: "location" },
  ),
  ...family(
    "run-service",
    { binding: GCP.runServiceIamBinding, member: GCP.runServiceIamMember, policy: GCP.runServiceIamPolicy },
    "name",
    { generation: 2, location: "location" },
  ),
  ...family(
    "run-service",
    { binding: GCP.runV1IamBinding, member: GCP.runV1IamMember, policy: GCP.runV1IamPolicy },
    "service",
    { generation: 2, location: "location" },
  ),
  ...family(
    "project",
    { binding: GCP.projectIamBinding, member: GCP.projectIamMember, policy: GCP.projectIamPolicy },
    "project",
  ),
  ...family(
    "folder",
    { binding: GCP.folderIamBinding, member: GCP.folderIamMember, policy: GCP.folderIamPolicy },
    "folder",
  ),
  ...family(
    "organization",
    {
      binding: GCP.organizationIamBinding,
      member: GCP.organizationIamMember,
      policy: GCP.organizationIamPolicy,
    },
    "orgId",
  ),
  ...family(
    "bucket",
    { binding: GCP.bucketIamBinding, member: GCP.bucketIamMember, policy: GCP.bucketIamPolicy },
    "bucket",
  ),
]);

/** Every IAM resource type whose grants the rules read, by scope. */
export function iamTypes(...scopes: GrantScope[]): string[] {
  return [...IAM_TYPES].filter(([, t]) => scopes.includes(t.scope)).map(([type]) => type);
}

/** The (role, member) pairs one IAM resource grants; none for any other resource. */
export function grantsOf(resource: PolicyResource): Grant[] {
  const spec = IAM_TYPES.get(resource.type);
  if (!spec) return [];
  const props = resource.props;
  const rawTarget = stringAt(props, spec.target);
  const base = {
    resource,
    scope: spec.scope,
    target:
      typeof rawTarget === "string" && spec.scope !== "folder" && spec.scope !== "organization"
        ? lastSegment(rawTarget)
        : rawTarget,
    generation: spec.generation,
    project: spec.scope === "project" ? rawTarget : spec.location ? stringAt(props, "project") : undefined,
    location: spec.location ? stringAt(props, spec.location) : undefined,
  };
  return pairsOf(resource, spec.shape).map(({ role, member }) => ({ ...base, role, member }));
}

function pairsOf(
  resource: PolicyResource,
  shape: Shape,
): { role: string | Unknown; member: string | Unknown }[] {
  const props = resource.props;
  if (shape === "policy") return policyPairs(valueAt(props, "policyData"));
  const role = stringAt(props, "role");
  if (role === undefined) return []; // the provider requires a role: nothing is granted
  if (shape === "member") {
    const member = stringAt(props, "member");
    return member === undefined ? [] : [{ role, member }];
  }
  const members = stringListAt(props, "members");
  if (isUnknown(members)) return [{ role, member: members }];
  return (members ?? []).map((member) => ({ role, member }));
}

/** The bindings of an IAM policy document (`policyData`, JSON as `gcp.organizations.getIAMPolicy` makes it). */
function policyPairs(policyData: unknown): { role: string | Unknown; member: string | Unknown }[] {
  if (isUnknown(policyData)) return [{ role: policyData, member: policyData }];
  if (typeof policyData !== "string") return [];
  let policy: unknown;
  try {
    policy = JSON.parse(policyData);
  } catch {
    return []; // GCP rejects it; nothing would be granted
  }
  const bindings = (policy as { bindings?: unknown } | null)?.bindings;
  if (!Array.isArray(bindings)) return [];
  return bindings.flatMap((binding: { role?: unknown; members?: unknown }) => {
    if (typeof binding?.role !== "string" || !Array.isArray(binding.members)) return [];
    const role = binding.role;
    return binding.members
      .filter((m): m is string => typeof m === "string")
      .map((member) => ({ role, member }));
  });
}
