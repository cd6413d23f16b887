import { computeDiff } from "../../cli/diff/compute-diff";
import { failOnViolations, parseFailOn } from "../../cli/diff/fail-on";
import type { Change, Revisions, SecretAccessChange, SettingsChange } from "../../cli/diff/types";
import { renderDiffMarkdown } from "../../cli/render/diff-markdown";
import { renderDiffText } from "../../cli/render/diff-text";
import { TYPES, type EffectiveGraph, type Evaluation, type RegisteredResource } from "../../engine";
import { BASE_TOPOLOGY, evaluateFixture, FIXTURE_TARGET } from "../fixtures";
import { account, graphOf, PROJECT } from "./support/graphs";

// Issue 20: `callgraph diff` shows a row when a function gains (or loses) the right to read a secret, and one when
// its runtime settings change. From the engine's effective graph, as every other row.
const REVISIONS: Revisions = {
  base: { ref: "main", commit: "0123456789abcdef0123456789abcdef01234567" },
  head: { ref: "working tree" },
  stack: "dev",
};
const FIXTURE_PROJECT = FIXTURE_TARGET["gcp:project"];

const rows = (changes: readonly Change[]) => changes.map((c) => `${c.kind} ${c.risk} ${c.subject}`);

function configWith(beta: Record<string, unknown>, generation: 1 | 2) {
  return {
    ...FIXTURE_TARGET,
    "callgraph:generation": generation,
    "callgraph:projectNumber": "123456789012",
    "callgraph:functions": { ...BASE_TOPOLOGY, beta: { ...BASE_TOPOLOGY.beta, ...beta } },
  };
}

describe.each([
  [1, false],
  [2, true],
] as const)("a declared secret, through the program (gen%i, preview: %s)", (generation, preview) => {
  let base: Evaluation;
  let head: Evaluation;
  beforeAll(async () => {
    [base, head] = await Promise.all([
      evaluateFixture({ config: configWith({ environment: { LOG_LEVEL: "info" } }, generation), preview }),
      evaluateFixture({
        config: configWith(
          {
            environment: { LOG_LEVEL: "debug", REGION_NAME: "eu" },
            secrets: [
              { secret: "api-key", env: "API_KEY" },
              { secret: "api-key", path: "/etc/secrets/api/key" },
            ],
            minInstances: 1,
          },
          generation,
        ),
        preview,
      }),
    ]);
  });

  test("adding it is one medium row for the access and one low row for the settings", () => {
    const diff = computeDiff(base.graph, head.graph);
    expect(rows(diff.changes)).toEqual([
      `secret-access-added medium beta → secret projects/${FIXTURE_PROJECT}/secrets/api-key`,
      "settings-changed low beta",
    ]);
    const [access, settings] = diff.changes as [SecretAccessChange, SettingsChange];
    expect(access).toMatchObject({
      function: "beta",
      secret: `projects/${FIXTURE_PROJECT}/secrets/api-key`,
      scope: "secret",
      role: "roles/secretmanager.secretAccessor",
      member: `serviceAccount:fn-beta@${FIXTURE_PROJECT}.iam.gserviceaccount.com`,
      managed: true,
      reasons: [
        `new secret access: beta's service account may read secret projects/${FIXTURE_PROJECT}/secrets/api-key`,
      ],
    });
    expect(access.resources.map((r) => r.name)).toEqual(["callgraph-beta-secret-api-key"]);
    // Variables by name only: their values are the config's to show.
    expect(settings.reasons).toEqual([
      "environment: adds REGION_NAME; changes LOG_LEVEL",
      `secrets: adds /etc/secrets/api/key ← projects/${FIXTURE_PROJECT}/secrets/api-key@latest, API_KEY ← projects/${FIXTURE_PROJECT}/secrets/api-key@latest`,
      "minInstances: none → 1",
    ]);
    expect(diff.counts).toEqual({ high: 0, medium: 1, low: 1 });
  });

  test("removing it is a low row", () => {
    const diff = computeDiff(head.graph, base.graph);
    expect(rows(diff.changes)).toEqual([
      `secret-access-removed low beta → secret projects/${FIXTURE_PROJECT}/secrets/api-key`,
      "settings-changed low beta",
    ]);
    expect(diff.changes[0].reasons).toEqual([
      `beta's service account may no longer read secret projects/${FIXTURE_PROJECT}/secrets/api-key`,
    ]);
  });

  test("the text, the comment and --fail-on show it", () => {
    const diff = computeDiff(base.graph, head.graph);
    const text = renderDiffText(diff, REVISIONS);
    expect(text).toContain("this change adds 1 secret grant; changes 1 function's settings.");
    expect(text).toMatch(
      /MEDIUM {2}secret access added {2}beta → secret projects\/callgraph-dev\/secrets\/api-key/,
    );
    expect(renderDiffMarkdown(diff, REVISIONS)).toContain("| secret access added |");
    expect(failOnViolations(diff, parseFailOn(["secret-access,settings"]))).toEqual([
      `secret-access: beta → secret projects/${FIXTURE_PROJECT}/secrets/api-key`,
      "settings: beta",
    ]);
  });

  test("the same declaration twice: no row", () => {
    expect(computeDiff(head.graph, head.graph).changes).toEqual([]);
  });
});

/** A grant written by hand in the program (outside the components): unmanaged. */
function handWritten(type: string, name: string, inputs: Record<string, unknown>): RegisteredResource {
  return {
    urn: `urn:pulumi:dev::cg::${type}::${name}`,
    type,
    name,
    custom: true,
    inputs,
    outputs: inputs,
    id: `${name}-id`,
    dependencies: [],
    propertyDependencies: {},
    options: {
      replaceWith: [],
      deleteBeforeReplace: false,
      protect: false,
      ignoreChanges: [],
      replaceOnChanges: [],
    },
  };
}

const SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember";
const FUNCTIONS = { login: { calls: ["profiles"] }, profiles: {} };
const diffWith = (...extra: RegisteredResource[]) =>
  computeDiff(graphOf(FUNCTIONS), graphOf(FUNCTIONS, extra));
const member = (fn: string) => `serviceAccount:${account(fn)}`;

describe("secret access written outside the components", () => {
  test.each<[string, RegisteredResource, string, string[]]>([
    [
      "a hand-written accessor grant",
      handWritten(SECRET_MEMBER, "rogue", {
        project: PROJECT,
        secretId: "db",
        role: "roles/secretmanager.secretAccessor",
        member: member("login"),
      }),
      "secret-access-added high login → secret projects/p/secrets/db",
      [
        "new secret access: login's service account may read secret projects/p/secrets/db",
        'made outside the callgraph components (SecretIamMember "rogue"): the declaration does not account for it',
      ],
    ],
    [
      "a project-level accessor grant",
      handWritten(TYPES.projectIamMember, "everything", {
        project: PROJECT,
        role: "roles/secretmanager.secretAccessor",
        member: member("profiles"),
      }),
      "secret-access-added high profiles → every secret of project p",
      [
        "new secret access: profiles' service account may read every secret of project p",
        'made outside the callgraph components (IAMMember "everything"): the declaration does not account for it',
        "project-level: reaches every secret of the project, present and future",
      ],
    ],
    [
      "a binding of Secret Manager's admin",
      handWritten("gcp:secretmanager/secretIamBinding:SecretIamBinding", "admins", {
        secretId: "projects/p/secrets/db",
        role: "roles/secretmanager.admin",
        members: [member("login"), "user:ops@example.com"],
      }),
      "secret-access-added high login → secret projects/p/secrets/db",
      [
        "new secret access: login's service account may read secret projects/p/secrets/db",
        'made outside the callgraph components (SecretIamBinding "admins"): the declaration does not account for it',
        "broad role roles/secretmanager.admin: more than reading (it can change, delete or share the secret)",
      ],
    ],
  ])("%s is a high row", (_, resource, row, reasons) => {
    const diff = diffWith(resource);
    expect(rows(diff.changes)).toEqual([row]);
    expect(diff.changes[0].reasons).toEqual(reasons);
  });

  test("a grant to someone who is not a function, or of a role that cannot read, is no row", () => {
    const diff = diffWith(
      handWritten(SECRET_MEMBER, "ops", {
        project: PROJECT,
        secretId: "db",
        role: "roles/secretmanager.secretAccessor",
        member: "user:ops@example.com",
      }),
      handWritten(SECRET_MEMBER, "viewer", {
        project: PROJECT,
        secretId: "db",
        role: "roles/secretmanager.viewer",
        member: member("login"),
      }),
    );
    expect(diff.changes).toEqual([]);
  });

  test("a removed function's secret access goes with it, without a row of its own", async () => {
    const withSecret = await evaluateFixture({
      config: configWith({ secrets: [{ secret: "api-key", env: "API_KEY" }] }, 2),
    });
    const graph = withSecret.graph;
    const without: EffectiveGraph = {
      ...graph,
      functions: graph.functions.filter((f) => f.name !== "beta"),
      grants: graph.grants.filter((g) => g.target !== "beta" && g.callerFunction !== "beta"),
      edges: graph.edges.filter((e) => e.to !== "beta"),
      secretGrants: [],
    };
    expect(rows(computeDiff(graph, without).changes).filter((r) => r.startsWith("secret"))).toEqual([]);
  });
});
