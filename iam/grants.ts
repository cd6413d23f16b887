import { conditionOf, type IamCondition } from "./condition";
import { bindingsOf, bindingsOfJson, type PolicyBinding } from "./policy-document";
import { lastSegment, stringAt, stringListAt, valueAt } from "./props";
import { GCP } from "./resource-types";
import type { StackResource } from "./stack-resource";
import { isUnknown, Unknown, type Maybe } from "./unknown";

/** Where a grant applies. */
export type GrantScope =
  "function" | "run-service" | "project" | "folder" | "organization" | "bucket" | "service-account" | "queue";

/**
 * Scopes whose grants every function below them inherits: a role granted on a project, a folder or the
 * organization applies to every resource in it (https://cloud.google.com/iam/docs/resource-hierarchy-access-control).
 */
export const INHERITED_SCOPES: readonly GrantScope[] = ["project", "folder", "organization"];

export function isInheritedScope(scope: GrantScope): boolean {
  return INHERITED_SCOPES.includes(scope);
}

/**
 * Whether a grant on `scope` can let its member invoke a function: on the function, its Cloud Run service, or
 * inherited from above. A grant on a bucket, a service account or a queue invokes nothing, whatever its role (one
 * on an account may let its member act as that account, which `isImpersonatingRole` judges).
 */
export function isInvokingScope(scope: GrantScope): boolean {
  return scope === "function" || scope === "run-service" || isInheritedScope(scope);
}

/**
 * One (role, member) pair granted by one source: an IAM resource of the stack ({@link grantsOf}) or a live policy
 * document ({@link grantsOfPolicy}).
 * @typeParam R What granted it: a {@link StackResource}, or whatever a live reader names a policy by.
 */
export interface Grant<R = StackResource> {
  readonly resource: R;
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
  /** Set when the grant holds only under a condition (see {@link IamCondition} for what that means). */
  readonly condition?: IamCondition | Unknown;
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
  // `serviceAccountId` is `projects/P/serviceAccounts/EMAIL` (or the email alone): the target is the email.
  ...family(
    "service-account",
    {
      binding: GCP.serviceAccountIamBinding,
      member: GCP.serviceAccountIamMember,
      policy: GCP.serviceAccountIamPolicy,
    },
    "serviceAccountId",
  ),
  ...family(
    "queue",
    { binding: GCP.queueIamBinding, member: GCP.queueIamMember, policy: GCP.queueIamPolicy },
    "name",
    { location: "location" },
  ),
]);

/** Every IAM resource type whose grants the model reads, by scope. */
export function iamTypes(...scopes: GrantScope[]): string[] {
  return [...IAM_TYPES].filter(([, t]) => scopes.includes(t.scope)).map(([type]) => type);
}

/**
 * The (role, member) pairs one IAM resource of the stack grants; none for any other resource. The three shapes
 * of every family: a binding (`role`, `members`: authoritative for that role), a member (`role`, `member`:
 * additive) and a policy (`policyData`, a whole policy document: authoritative for the resource).
 */
export function grantsOf<R extends StackResource>(resource: R): Grant<R>[] {
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
  return pairsOf(resource, spec.shape).map((pair) => ({ ...base, ...pair }));
}

type Pair = Pick<Grant, "role" | "member" | "condition">;

function pairsOf(resource: StackResource, shape: Shape): Pair[] {
  const props = resource.props;
  if (shape === "policy") return policyPairs(valueAt(props, "policyData"));
  const role = stringAt(props, "role");
  if (role === undefined) return []; // the provider requires a role: nothing is granted
  const condition = conditionOf(valueAt(props, "condition"));
  const conditional = condition === undefined ? {} : { condition };
  if (shape === "member") {
    const member = stringAt(props, "member");
    return member === undefined ? [] : [{ role, member, ...conditional }];
  }
  const members = stringListAt(props, "members");
  if (isUnknown(members)) return [{ role, member: members, ...conditional }];
  return (members ?? []).map((member) => ({ role, member, ...conditional }));
}

/** The pairs of a `policyData` input (JSON, as `gcp.organizations.getIAMPolicy` makes it). */
function policyPairs(policyData: unknown): Pair[] {
  if (isUnknown(policyData)) return [{ role: policyData, member: policyData }];
  if (typeof policyData !== "string") return [];
  return bindingsOfJson(policyData, "policyData").flatMap(pairsOfBinding);
}

function pairsOfBinding({ role, members, condition }: PolicyBinding): Pair[] {
  return members.map((member) => ({ role, member, ...(condition === undefined ? {} : { condition }) }));
}

/** Where a live policy document applies, as the reader that fetched it knows. */
export interface PolicyTarget<R> {
  /** What the reader names the policy by (e.g. the resource's full name), carried into each grant. */
  readonly resource: R;
  readonly scope: GrantScope;
  /** Function or service name, project id, folder or organization number, or bucket name. */
  readonly target: string;
  /** For function and Cloud Run policies: the generation of function they can reach. */
  readonly generation?: 1 | 2;
  /** For function and Cloud Run policies. */
  readonly project?: string;
  readonly location?: string;
}

/**
 * The (role, member) pairs of an IAM policy as the live API returns it (`getIamPolicy`:
 * https://cloud.google.com/iam/docs/reference/rest/v1/Policy), read with the same meaning as a stack's IAM
 * resources, so a live reader, the engine and the policy pack classify a grant alike.
 */
export function grantsOfPolicy<R>(policy: unknown, at: PolicyTarget<R>): Grant<R>[] {
  const base = {
    resource: at.resource,
    scope: at.scope,
    target: at.target,
    generation: at.generation,
    project: at.scope === "project" ? at.target : at.project,
    location: at.location,
  };
  return bindingsOf(policy).flatMap((binding) =>
    pairsOfBinding(binding).map((pair) => ({ ...base, ...pair })),
  );
}
