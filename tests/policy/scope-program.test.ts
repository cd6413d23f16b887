import { stringify } from "yaml";
import { runCheck, type CheckResult } from "../../cli/commands/check";
import { CheckFailed } from "../../cli/errors";
import { evaluate, UNKNOWN, type RegisteredResource } from "../../engine";
import { POLICIES } from "../../policy/policies";
import { RULES } from "../../policy/rules";
import { SECOND_GEN_CONFIG } from "../fixtures";
import { COMPUTED, type TestResource } from "./fixtures";
import { runPolicy } from "./harness";
import { writeProgram, type RogueProgram } from "./rogue-program";

// Issue 20, "the policy rules judge what the call graph manages": the real program (2nd gen, so its functions are
// served by Cloud Run services) beside other resources of the same program, through `callgraph check` and through the
// CrossGuard policies, in preview and update. Resources that do not reach the call graph fail nothing by default and
// fail with scope "stack"; those that reach it fail either way.

const PRELUDE = `import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import program = require("../../index");

export = async () => {
  const outputs = await program();
  const project = new pulumi.Config("gcp").require("project");
  const location = new pulumi.Config("gcp").require("region");
  const ci = \`serviceAccount:ci@\${project}.iam.gserviceaccount.com\`;
`;

/** (a) and (b): a team's own public Cloud Run service, its CI account's project roles, its own bucket. */
const UNRELATED = `${PRELUDE}
  const site = new gcp.cloudrunv2.Service("status-page", {
    project, location, name: "status-page", template: { containers: [{ image: "us-docker.pkg.dev/cloudrun/container/hello" }] },
  });
  new gcp.cloudrunv2.ServiceIamMember("status-page-public", {
    project, location, name: site.name, role: "roles/run.invoker", member: "allUsers",
  });
  new gcp.projects.IAMMember("ci-storage-admin", { project, role: "roles/storage.admin", member: ci });
  // An account of its own, whose email is known only once it exists: undecided in preview, known at up.
  const reporter = new gcp.serviceaccount.Account("reporter", { project, accountId: "reporter" });
  new gcp.projects.IAMMember("reporter-logs", {
    project, role: "roles/logging.viewer", member: pulumi.interpolate\`serviceAccount:\${reporter.email}\`,
  });
  new gcp.storage.Bucket("team-assets", { project, location: "US" });
  return outputs;
};
`;

/** (c) and (d): grants from outside the component that reach the call graph's functions. */
const REACHING = `${PRELUDE}
  new gcp.cloudrunv2.ServiceIamMember("ci-invokes-beta", {
    project, location, name: "beta", role: "roles/run.invoker", member: ci,
  });
  new gcp.projects.IAMMember("ci-run-invoker", { project, role: "roles/run.invoker", member: ci });
  return outputs;
};
`;

const WHOLE_STACK = Object.fromEntries(RULES.map((r) => [r.name, { scope: "stack" }]));

/** The 2nd-gen fixture stack (`Pulumi.gen2.yaml`), and the same with every policy judging the whole stack. */
const STACKS = {
  gen2: stringify({ config: SECOND_GEN_CONFIG }),
  whole: stringify({ config: { ...SECOND_GEN_CONFIG, "callgraph:policy": WHOLE_STACK } }),
};

const REACHING_VIOLATIONS = [
  "function-invokers-match-declaration ci-invokes-beta",
  "no-project-level-function-roles ci-run-invoker",
  "no-project-level-grants ci-run-invoker",
];

/** The mandatory violations as "policy resource", sorted. */
const mandatory = (result: CheckResult) =>
  result.violations
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.policy} ${v.resourceName}`)
    .sort();

async function check(
  dir: string,
  stack: string,
  preview: boolean,
): Promise<{ result?: CheckResult; error?: unknown; output: string }> {
  let output = "";
  try {
    const result = await runCheck({ dir, stack, preview }, (text) => (output += text));
    return { result, output };
  } catch (error) {
    return { error, output };
  }
}

/** The check's JSON result, which `runCheck` returns on success and prints before it throws on failure. */
async function checkJson(dir: string, stack: string, preview: boolean): Promise<CheckResult> {
  let output = "";
  await runCheck({ dir, stack, preview, format: "json" }, (text) => (output += text)).catch(
    (error: unknown) => {
      if (!(error instanceof CheckFailed)) throw error;
    },
  );
  const { schemaVersion: _, ...result } = JSON.parse(output) as CheckResult & { schemaVersion: number };
  return result;
}

/** Registered resources as the CrossGuard harness takes them, with their URN's parent types. */
function asTestResources(resources: readonly RegisteredResource[]): TestResource[] {
  return resources
    .filter((r) => r.custom)
    .map((r) => {
      const chain = r.urn.split("::")[2].split("$").slice(0, -1);
      return {
        type: r.type,
        name: r.name,
        props: replaceUnknowns(r.inputs) as Record<string, unknown>,
        component: chain.length > 0 ? chain.join("$") : undefined,
      };
    });
}

function replaceUnknowns(value: unknown): unknown {
  if (value === UNKNOWN) return COMPUTED;
  if (Array.isArray(value)) return value.map(replaceUnknowns);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceUnknowns(v)]));
  return value;
}

/** Every CrossGuard policy over the program's resources, each with `config`: "policy resource" violations. */
async function crossGuard(
  resources: readonly RegisteredResource[],
  config: Record<string, unknown> = {},
): Promise<{ violations: string[]; undecided: string[] }> {
  const stack = asTestResources(resources);
  const violations: string[] = [];
  const undecided: string[] = [];
  for (const policy of POLICIES) {
    const run = await runPolicy(policy, stack, config);
    const advisory = RULES.find((r) => r.name === policy.name)?.defaultEnforcement === "advisory";
    if (!advisory) violations.push(...run.violations.map((v) => `${policy.name} ${v.urn.split("::").pop()}`));
    if (run.unknownError) undecided.push(policy.name);
  }
  return { violations: violations.sort(), undecided };
}

describe.each([false, true])("a program with a CallGraph beside other resources (preview: %s)", (preview) => {
  let unrelated: RogueProgram;
  let reaching: RogueProgram;
  beforeAll(() => {
    unrelated = writeProgram(UNRELATED, STACKS);
    reaching = writeProgram(REACHING, STACKS);
  });
  afterAll(() => {
    unrelated.remove();
    reaching.remove();
  });

  test("(a, b) callgraph check passes on an unrelated public Cloud Run service, a CI account's storage.admin and someone's bucket", async () => {
    const { result, error, output } = await check(unrelated.dir, "gen2", preview);
    expect(error).toBeUndefined();
    expect(mandatory(result!)).toEqual([]);
    // The account's email is computed: whether its grant reaches the call graph waits for `pulumi up`.
    expect(result!.undecided.map((u) => `${u.policy} ${u.urn.split("::").pop()}`)).toEqual(
      preview ? ["no-project-level-grants reporter-logs"] : [],
    );
    expect(output).not.toMatch(/status-page|ci-storage-admin|team-assets/);
  }, 120_000);

  test('(a, b) with scope "stack" (callgraph:policy), the same resources fail', async () => {
    const result = await checkJson(unrelated.dir, "whole", preview);
    expect(result.passed).toBe(false);
    expect(mandatory(result)).toEqual([
      "function-no-public-invoker status-page-public",
      "no-project-level-grants ci-storage-admin",
      "no-project-level-grants reporter-logs",
      "storage-bucket-private team-assets",
    ]);
  }, 120_000);

  test.each([
    ["gen2", "by default"],
    ["whole", 'with scope "stack"'],
  ])(
    "(c, d) grants from outside the component that reach its functions fail (%s: %s)",
    async (stack) => {
      const result = await checkJson(reaching.dir, stack, preview);
      expect(result.passed).toBe(false);
      expect(mandatory(result)).toEqual(REACHING_VIOLATIONS);
    },
    120_000,
  );

  test("the CrossGuard policies judge the same, in either scope", async () => {
    const other = await evaluate({ programDir: unrelated.dir, stack: "gen2", preview });
    expect(await crossGuard(other.resources)).toEqual({
      violations: [],
      undecided: preview ? ["no-project-level-grants"] : [],
    });
    expect((await crossGuard(other.resources, { scope: "stack" })).violations).toEqual([
      "function-no-public-invoker status-page-public",
      "no-project-level-grants ci-storage-admin",
      "no-project-level-grants reporter-logs",
      "storage-bucket-private team-assets",
    ]);
    const reach = await evaluate({ programDir: reaching.dir, stack: "gen2", preview });
    expect((await crossGuard(reach.resources)).violations).toEqual(REACHING_VIOLATIONS);
    expect((await crossGuard(reach.resources, { scope: "stack" })).violations).toEqual(REACHING_VIOLATIONS);
  }, 120_000);
});
