/**
 * A happy-path stack in the shape the CallGraph component deploys (plus a gen2 function), written as plain
 * resources, for the policy tests to change one field at a time (pulumi-policy-aws `src/tests/util.ts` style).
 * `COMPUTED` marks a value that is unknown until deployment; the harness turns it into each source's own marker.
 */

export const COMPUTED = Symbol("computed");

export interface TestResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  /** Logical name of the parent resource, in the same stack. */
  readonly parent?: string;
  /**
   * The types of the components it is a child of, as its URN names them (`callgraph:index:CallGraph`, or
   * `callgraph:index:CallGraph$callgraph:index:ServiceFunction`); undefined for a resource declared elsewhere in the
   * program. The policies' default scope judges what the call graph manages and what reaches it (policy/scope.ts).
   */
  readonly component?: string;
}

export const CALL_GRAPH = "callgraph:index:CallGraph";

/** `r` as a child of the stack's CallGraph component. */
export function inCallGraph(r: TestResource): TestResource {
  return { ...r, component: CALL_GRAPH };
}

/** `r` declared elsewhere in the program, beside the CallGraph component. */
export function outside(r: TestResource): TestResource {
  const { component: _, ...rest } = r;
  return rest;
}

export const T = {
  fn1: "gcp:cloudfunctions/function:Function",
  fn2: "gcp:cloudfunctionsv2/function:Function",
  fn1Binding: "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding",
  fn1Member: "gcp:cloudfunctions/functionIamMember:FunctionIamMember",
  fn1Policy: "gcp:cloudfunctions/functionIamPolicy:FunctionIamPolicy",
  fn2Member: "gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember",
  runMember: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  runV1Binding: "gcp:cloudrun/iamBinding:IamBinding",
  projectMember: "gcp:projects/iAMMember:IAMMember",
  projectBinding: "gcp:projects/iAMBinding:IAMBinding",
  projectPolicy: "gcp:projects/iAMPolicy:IAMPolicy",
  folderMember: "gcp:folder/iAMMember:IAMMember",
  orgBinding: "gcp:organizations/iAMBinding:IAMBinding",
  account: "gcp:serviceaccount/account:Account",
  repositoryMember: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
  key: "gcp:serviceaccount/key:Key",
  hmacKey: "gcp:storage/hmacKey:HmacKey",
  bucket: "gcp:storage/bucket:Bucket",
  bucketMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
  bucketBinding: "gcp:storage/bucketIAMBinding:BucketIAMBinding",
  bucketAcl: "gcp:storage/bucketACL:BucketACL",
  objectAccessControl: "gcp:storage/objectAccessControl:ObjectAccessControl",
} as const;

export const PROJECT = "callgraph-test";
export const REGION = "europe-west1";
export const PROJECT_NUMBER = "123456789012";

/** The condition the CallGraph component puts on the build account's read, for this stack's two generations. */
export const STAGING_CONDITION =
  'resource.type == "storage.googleapis.com/Object" && (' +
  `resource.name.startsWith("projects/_/buckets/gcf-sources-${PROJECT_NUMBER}-${REGION}/objects/") || ` +
  `resource.name.startsWith("projects/_/buckets/gcf-v2-sources-${PROJECT_NUMBER}-${REGION}/objects/"))`;
export const email = (fn: string) => `fn-${fn}@${PROJECT}.iam.gserviceaccount.com`;
export const sa = (fn: string) => `serviceAccount:${email(fn)}`;
export const DEVELOPERS = "group:developers@example.com";
/** The stack's build account, as the CallGraph component names it and as functions refer to it. */
export const BUILD_EMAIL = `callgraph-build@${PROJECT}.iam.gserviceaccount.com`;
export const BUILD_ACCOUNT = `projects/${PROJECT}/serviceAccounts/${BUILD_EMAIL}`;
export const BUILD_MEMBER = `serviceAccount:${BUILD_EMAIL}`;

/** The parent's URN of a test resource, found by logical name in its stack. */
export function parentUrnOf(r: TestResource, stack: readonly TestResource[]): string | undefined {
  if (r.parent === undefined) return undefined;
  const parent = stack.find((p) => p.name === r.parent);
  if (!parent) throw new Error(`no parent ${r.parent} in the fixture`);
  return urnOf(parent);
}

export function urnOf(r: { type: string; name: string; component?: string }): string {
  return `urn:pulumi:test::callgraph::${r.component ? `${r.component}$` : ""}${r.type}::${r.name}`;
}

/**
 * What the CallGraph component adds to a function's environment beside its invokers: `CALLGRAPH_PLATFORM_VERIFIES_TOKENS`
 * on every function whose invoker binding has no public member (topology/environment.ts).
 */
function platformTrust(invokers: readonly string[]): Record<string, string> {
  return invokers.some((m) => m === "allUsers" || m === "allAuthenticatedUsers")
    ? {}
    : { CALLGRAPH_PLATFORM_VERIFIES_TOKENS: "true" };
}

export function gen1Function(
  name: string,
  invokers: readonly string[],
  account: unknown = email(name),
): TestResource {
  return {
    type: T.fn1,
    component: CALL_GRAPH,
    name: `callgraph-${name}-function`,
    props: {
      name,
      project: PROJECT,
      region: REGION,
      runtime: "nodejs22",
      entryPoint: name,
      triggerHttp: true,
      serviceAccountEmail: account,
      buildServiceAccount: BUILD_ACCOUNT,
      environmentVariables: {
        CALLGRAPH_FUNCTION: name,
        CALLGRAPH_SELF_URL: `https://${REGION}-${PROJECT}.cloudfunctions.net/${name}`,
        CALLGRAPH_CALLEES: "{}",
        CALLGRAPH_INVOKERS: JSON.stringify(invokers),
        ...platformTrust(invokers),
      },
    },
  };
}

export function gen2Function(
  name: string,
  invokers: readonly string[],
  account: unknown = email(name),
): TestResource {
  return {
    type: T.fn2,
    component: CALL_GRAPH,
    name: `${name}-v2`,
    props: {
      name,
      project: PROJECT,
      location: REGION,
      buildConfig: { runtime: "nodejs22", entryPoint: name, serviceAccount: BUILD_ACCOUNT },
      serviceConfig: {
        serviceAccountEmail: account,
        environmentVariables: { CALLGRAPH_INVOKERS: JSON.stringify(invokers), ...platformTrust(invokers) },
      },
    },
  };
}

export function invokerBinding(fn: string, members: readonly unknown[]): TestResource {
  return {
    type: T.fn1Binding,
    component: CALL_GRAPH,
    name: `callgraph-${fn}-invokers`,
    props: {
      project: PROJECT,
      region: REGION,
      cloudFunction: fn,
      role: "roles/cloudfunctions.invoker",
      members,
    },
  };
}

export function invokerMember(
  name: string,
  fn: string,
  member: unknown,
  role: unknown = "roles/cloudfunctions.invoker",
): TestResource {
  return {
    type: T.fn1Member,
    name,
    props: { project: PROJECT, region: REGION, cloudFunction: fn, role, member },
  };
}

export function projectMember(name: string, role: unknown, member: unknown): TestResource {
  return { type: T.projectMember, name, props: { project: PROJECT, role, member } };
}

export function privateBucket(name = "callgraph-source"): TestResource {
  return {
    type: T.bucket,
    component: CALL_GRAPH,
    name,
    props: {
      name: `${name}-1a2b3c4`,
      project: PROJECT,
      location: "EUROPE-WEST1",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
    },
  };
}

/**
 * login (gen1, callable by developers) calls profiles (gen1) and reports (gen2, through its Cloud Run
 * service); every function has its own account and exactly the grants it declares. All three are built by the
 * stack's build account, which holds what a build needs: logs writer on the project, read of the objects of the
 * buckets Cloud Functions stages both generations' sources in (a project-level grant under a condition), write on
 * the image repository.
 */
export function happyStack(): TestResource[] {
  return [
    privateBucket(),
    { type: T.account, name: "callgraph-login-sa", props: { project: PROJECT, accountId: "fn-login" } },
    { type: T.account, name: "callgraph-profiles-sa", props: { project: PROJECT, accountId: "fn-profiles" } },
    {
      type: T.account,
      name: "callgraph-build-sa",
      props: { project: PROJECT, accountId: "callgraph-build" },
    },
    projectMember("callgraph-build-logs", "roles/logging.logWriter", BUILD_MEMBER),
    {
      ...projectMember("callgraph-build-sources", "roles/storage.objectViewer", BUILD_MEMBER),
      props: {
        project: PROJECT,
        role: "roles/storage.objectViewer",
        member: BUILD_MEMBER,
        condition: { title: "callgraph build sources", expression: STAGING_CONDITION },
      },
    },
    {
      type: T.repositoryMember,
      name: "callgraph-build-image-writer",
      props: {
        project: PROJECT,
        location: REGION,
        repository: "callgraph-functions",
        role: "roles/artifactregistry.writer",
        member: BUILD_MEMBER,
      },
    },
    gen1Function("login", [DEVELOPERS]),
    gen1Function("profiles", [sa("login")]),
    gen2Function("reports", [sa("login")]),
    invokerBinding("login", [DEVELOPERS]),
    invokerBinding("profiles", [sa("login")]),
    {
      type: T.runMember,
      name: "reports-invoker-login",
      props: {
        project: PROJECT,
        location: REGION,
        name: "reports",
        role: "roles/run.invoker",
        member: sa("login"),
      },
    },
  ].map(inCallGraph);
}

/** The happy stack with the resource named `name` changed (or removed, when `change` returns undefined). */
export function changed(
  stack: readonly TestResource[],
  name: string,
  change: (r: TestResource) => TestResource | undefined,
): TestResource[] {
  if (!stack.some((r) => r.name === name)) throw new Error(`no resource ${name} in the fixture`);
  return stack.flatMap((r) => (r.name === name ? (change(r) ?? []) : [r]));
}

/** `props` with `path` (dotted) set to `value`. */
export function withProp(r: TestResource, path: string, value: unknown): TestResource {
  const props = clone(r.props) as Record<string, unknown>;
  const keys = path.split(".");
  let target: Record<string, unknown> = props;
  for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
  if (value === undefined) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return { ...r, props };
}

/** A deep copy that keeps `COMPUTED` (structuredClone cannot copy symbols). */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

/** `value` with every `COMPUTED` replaced by `marker`: the way a given source writes an unknown value. */
export function withUnknownsAs(value: unknown, marker: string): unknown {
  if (value === COMPUTED) return marker;
  if (Array.isArray(value)) return value.map((v) => withUnknownsAs(v, marker));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknownsAs(v, marker)]));
  }
  return value;
}

export const SERVICE_FUNCTION = "callgraph:index:ServiceFunction";

/** A call-site record as components/service-function.ts writes it (undefined: the component records none). */
export interface TestRecord {
  readonly callSites: readonly { callee: string; file: string; line: number; column: number }[];
  readonly dynamic: readonly { file: string; line: number; column: number; expression: string }[];
}

/** A literal call site of `caller`'s code, in its index.ts. */
export function site(caller: string, callee: string, line: number) {
  return { callee, file: `functions/${caller}/index.ts`, line, column: 25 };
}

/**
 * `stack` with each Cloud Function put under a ServiceFunction component, as the CallGraph component deploys it,
 * recording `records[name]` (no record for a function not in `records`).
 */
export function withComponents(
  stack: readonly TestResource[],
  records: Readonly<Record<string, TestRecord | undefined>>,
): TestResource[] {
  return stack.flatMap((r) => {
    if (r.type !== T.fn1 && r.type !== T.fn2) return [r];
    const name = String(r.props.name);
    const record = records[name];
    const component: TestResource = {
      type: SERVICE_FUNCTION,
      component: r.component,
      name: `callgraph-${name}`,
      props: record === undefined ? {} : { functionName: name, callSites: record },
    };
    const chain = r.component ? `${r.component}$${SERVICE_FUNCTION}` : SERVICE_FUNCTION;
    return [component, { ...r, component: chain, parent: component.name }];
  });
}
