import { PolicyConfigError } from "../../policy/config";
import { parsePackConfig } from "../../policy/pack-config";
import { RULES } from "../../policy/rules";
import { CALL_GRAPH_TYPE, isManaged } from "../../policy/scope";
import {
  CALL_GRAPH,
  COMPUTED,
  email,
  gen1Function,
  gen2Function,
  happyStack,
  outside,
  PROJECT,
  projectMember,
  REGION,
  sa,
  T,
  urnOf,
  withProp,
  type TestResource,
} from "./fixtures";
import { check } from "./harness";

// Issue 20: the policies judge what the call graph manages and whatever grants access to it (policy/scope.ts); the
// rest of a program (a team's public Cloud Run service, its CI account's project roles, its own buckets) fails
// nothing unless a policy's `scope` is "stack". Every case runs through both adapters (CrossGuard and the engine's),
// which `check` requires to agree.

const CI = `serviceAccount:ci@${PROJECT}.iam.gserviceaccount.com`;
const STACK = { scope: "stack" };

interface Verdicts {
  /** "policy resource" for each violation, sorted. */
  readonly violations: string[];
  /** Policies that left a check undecided. */
  readonly undecided: string[];
}

/** Every policy over `stack`, each with `config`. */
async function judge(
  stack: readonly TestResource[],
  config: Record<string, unknown> = {},
): Promise<Verdicts> {
  const names = new Map(stack.map((r) => [urnOf(r), r.name]));
  const violations: string[] = [];
  const undecided: string[] = [];
  for (const rule of RULES) {
    const run = await check(rule.name, stack, config);
    violations.push(...run.violations.map((v) => `${rule.name} ${names.get(v.urn) ?? v.urn}`));
    if (run.unknownError) undecided.push(rule.name);
  }
  return { violations: violations.sort(), undecided };
}

const publicService: TestResource[] = [
  {
    type: "gcp:cloudrunv2/service:Service",
    name: "status-page",
    props: {
      name: "status-page",
      project: PROJECT,
      location: REGION,
      template: { containers: [{ image: "hello" }] },
    },
  },
  {
    type: T.runMember,
    name: "status-page-public",
    props: {
      project: PROJECT,
      location: REGION,
      name: "status-page",
      role: "roles/run.invoker",
      member: "allUsers",
    },
  },
];

const runInvoker = (name: string, service: string, member: unknown): TestResource => ({
  type: T.runMember,
  name,
  props: { project: PROJECT, location: REGION, name: service, role: "roles/run.invoker", member },
});

const someonesBucket: TestResource = {
  type: T.bucket,
  name: "team-assets",
  props: { name: "team-assets", project: PROJECT, location: "US" },
};

describe("policy scope", () => {
  test("the happy stack passes every policy in either scope", async () => {
    expect(await judge(happyStack())).toEqual({ violations: [], undecided: [] });
    expect(await judge(happyStack(), STACK)).toEqual({ violations: [], undecided: [] });
  });

  test("(a) an unrelated public Cloud Run service is no function of the call graph: it fails only with scope stack", async () => {
    const stack = [...happyStack(), ...publicService];
    expect(await judge(stack)).toEqual({ violations: [], undecided: [] });
    expect((await judge(stack, STACK)).violations).toEqual(["function-no-public-invoker status-page-public"]);
  });

  test("(b) a CI account's non-invoking project role fails nothing by default, and no-project-level-grants with scope stack", async () => {
    const stack = [...happyStack(), projectMember("ci-storage-admin", "roles/storage.admin", CI)];
    expect(await judge(stack)).toEqual({ violations: [], undecided: [] });
    expect((await judge(stack, STACK)).violations).toEqual(["no-project-level-grants ci-storage-admin"]);
  });

  test("(b) with a member not known until deployment, it is undecided by default, not a violation", async () => {
    const stack = [...happyStack(), projectMember("ci-logs", "roles/logging.viewer", COMPUTED)];
    expect(await judge(stack)).toEqual({ violations: [], undecided: ["no-project-level-grants"] });
    expect((await judge(stack, STACK)).violations).toEqual(["no-project-level-grants ci-logs"]);
  });

  test("(c) someone's run.invoker grant on a call-graph function's Cloud Run service, from outside the component, fails either way", async () => {
    const stack = [...happyStack(), runInvoker("ci-invokes-reports", "reports", CI)];
    const expected = ["function-invokers-match-declaration ci-invokes-reports"];
    expect((await judge(stack)).violations).toEqual(expected);
    expect((await judge(stack, STACK)).violations).toEqual(expected);
  });

  test("(d) a project-level invoking role to a CI account reaches the call graph's functions: fails either way", async () => {
    for (const [role, expected] of [
      [
        "roles/run.invoker",
        ["no-project-level-function-roles ci-invoker", "no-project-level-grants ci-invoker"],
      ],
      ["roles/editor", ["no-project-level-grants ci-invoker"]],
    ] as const) {
      const stack = [...happyStack(), projectMember("ci-invoker", role, CI)];
      expect((await judge(stack)).violations).toEqual(expected);
      expect((await judge(stack, STACK)).violations).toEqual(expected);
    }
  });

  test("an invoking role on another project reaches none of the call graph's functions", async () => {
    const grant: TestResource = {
      type: T.projectMember,
      name: "elsewhere",
      props: { project: "other-project", role: "roles/run.invoker", member: CI },
    };
    const stack = [...happyStack(), grant];
    expect(await judge(stack)).toEqual({ violations: [], undecided: [] });
    expect((await judge(stack, STACK)).violations).toEqual([
      "no-project-level-function-roles elsewhere",
      "no-project-level-grants elsewhere",
    ]);
  });

  test("any role granted to one of the call graph's accounts is judged, wherever it is declared", async () => {
    const stack = [...happyStack(), projectMember("login-storage", "roles/storage.admin", sa("login"))];
    expect((await judge(stack)).violations).toEqual(["no-project-level-grants login-storage"]);
  });

  test("someone's bucket is judged only with scope stack; a public grant on the call graph's bucket always", async () => {
    const open = (name: string, bucket: string): TestResource => ({
      type: T.bucketMember,
      name,
      props: { bucket, role: "roles/storage.objectViewer", member: "allUsers" },
    });
    const stack = [
      ...happyStack(),
      someonesBucket,
      open("assets-public", "team-assets"),
      open("sources-public", "callgraph-source-1a2b3c4"),
    ];
    expect((await judge(stack)).violations).toEqual(["storage-bucket-no-public-access sources-public"]);
    expect((await judge(stack, STACK)).violations).toEqual([
      "storage-bucket-no-public-access assets-public",
      "storage-bucket-no-public-access sources-public",
      "storage-bucket-private team-assets",
    ]);
  });

  test("a key for a CI account is judged only with scope stack; one for a call-graph account always", async () => {
    const key = (name: string, account: string): TestResource => ({
      type: T.key,
      name,
      props: { serviceAccountId: `projects/${PROJECT}/serviceAccounts/${account}` },
    });
    const stack = [
      ...happyStack(),
      key("ci-key", `ci@${PROJECT}.iam.gserviceaccount.com`),
      key("login-key", email("login")),
    ];
    expect((await judge(stack)).violations).toEqual(["no-service-account-keys login-key"]);
    expect((await judge(stack, STACK)).violations).toEqual([
      "no-service-account-keys ci-key",
      "no-service-account-keys login-key",
    ]);
  });

  test("a function elsewhere that runs as a call-graph account is judged, and so are grants on it", async () => {
    const shadow = outside(gen2Function("shadow", [], email("login")));
    const stack = [...happyStack(), shadow, runInvoker("shadow-public", "shadow", "allUsers")];
    expect((await judge(stack)).violations).toEqual([
      "function-dedicated-service-account callgraph-login-function",
      "function-dedicated-service-account shadow-v2",
      "function-no-public-invoker shadow-public",
      "function-token-trust-matches-grants shadow-v2",
    ]);
  });

  test("a stack that no callgraph component manages is judged only with scope stack", async () => {
    const handWritten = [withProp(outside(gen1Function("legacy", [])), "serviceAccountEmail", undefined)];
    expect(await judge(handWritten)).toEqual({ violations: [], undecided: [] });
    expect((await judge(handWritten, STACK)).violations).toEqual([
      "function-explicit-service-account callgraph-legacy-function",
    ]);
  });

  test("scope is one of two values, an error naming the policy otherwise", () => {
    expect(() =>
      parsePackConfig({ "no-project-level-grants": { scope: "everything" } }, RULES, "cfg.json"),
    ).toThrow(
      new PolicyConfigError(
        'cfg.json: policy "no-project-level-grants": "scope" must be one of "call-graph", "stack", not "everything"',
      ),
    );
  });
});

describe("what the call graph manages", () => {
  const urn = (types: string, name = "r") => `urn:pulumi:dev::app::${types}::${name}`;
  test.each([
    ["its children", urn(`${CALL_GRAPH}$gcp:storage/bucket:Bucket`), undefined, true],
    [
      "its functions' children",
      urn(`${CALL_GRAPH}$callgraph:index:ServiceFunction$gcp:cloudfunctions/function:Function`),
      undefined,
      true,
    ],
    ["the component itself", urn(CALL_GRAPH_TYPE), undefined, true],
    ["a resource beside it", urn("gcp:storage/bucket:Bucket"), undefined, false],
    [
      "a resource whose parent is one of its children",
      urn("gcp:storage/bucketIAMMember:BucketIAMMember"),
      urn(`${CALL_GRAPH}$gcp:storage/bucket:Bucket`, "b"),
      true,
    ],
    ["a resource of another component", urn("acme:index:Site$gcp:storage/bucket:Bucket"), undefined, false],
  ])("%s", (_what, resourceUrn, parent, managed) => {
    expect(isManaged({ urn: resourceUrn, parent })).toBe(managed);
  });

  test("follows the chain of parents through the stack", () => {
    const top = { urn: urn(CALL_GRAPH, "cg") };
    const middle = { urn: urn("acme:index:Wrapper", "w"), parent: top.urn };
    const leaf = { urn: urn("gcp:storage/bucket:Bucket", "b"), parent: middle.urn };
    const byUrn = new Map([top, middle, leaf].map((r) => [r.urn, r]));
    expect(isManaged(leaf, byUrn)).toBe(true);
    expect(isManaged(leaf)).toBe(false);
  });
});
