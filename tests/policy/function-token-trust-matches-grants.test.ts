import { stringify } from "yaml";
import { evaluate, fromEngine, type Evaluation } from "../../engine";
import { OPTIONAL_ENV } from "../../functions/shared/env";
import { PLATFORM_VERIFIES_TOKENS_ENV } from "../../policy/functions";
import { RULES } from "../../policy/rules";
import { runRules } from "../../policy/run-rules";
import { PLATFORM_VERIFIES_TOKENS_ENV as PROGRAM_ENV } from "../../topology";
import { BASE_CONFIG, evaluateFixture, SECOND_GEN_CONFIG } from "../fixtures";
import {
  changed,
  COMPUTED,
  DEVELOPERS,
  gen1Function,
  happyStack,
  invokerBinding,
  invokerMember,
  PROJECT,
  REGION,
  sa,
  T,
  urnOf,
  withProp,
  type TestResource,
} from "./fixtures";
import { check } from "./harness";
import { writeProgram, type RogueProgram } from "./rogue-program";

const POLICY = "function-token-trust-matches-grants";
const urn = (stack: readonly TestResource[], name: string) => urnOf(stack.find((r) => r.name === name)!);
const runMember = (
  name: string,
  service: string,
  member: unknown,
  role = "roles/run.invoker",
): TestResource => ({
  type: T.runMember,
  name,
  props: { project: PROJECT, location: REGION, name: service, role, member },
});

/** The happy stack where login is declared public (`invokers: [developers, allUsers]`), granted so, and so not told to trust. */
function publicLogin(): TestResource[] {
  let stack = changed(happyStack(), "callgraph-login-function", () =>
    gen1Function("login", [DEVELOPERS, "allUsers"]),
  );
  stack = changed(stack, "callgraph-login-invokers", () => invokerBinding("login", [DEVELOPERS, "allUsers"]));
  return stack;
}

test("the policy, the program and the function read one variable", () => {
  expect(PLATFORM_VERIFIES_TOKENS_ENV).toBe(PROGRAM_ENV);
  expect(PLATFORM_VERIFIES_TOKENS_ENV).toBe(OPTIONAL_ENV.platformVerifiesTokens);
});

describe(POLICY, () => {
  test("passes when every function that trusts its platform is private (gen1 bindings, gen2 Cloud Run grant)", async () => {
    const stack = happyStack();
    // The fixture is what the component deploys: every function here is told to trust Google's check.
    const trusting = stack.filter((r) =>
      JSON.stringify(r.props).includes(`"${PLATFORM_VERIFIES_TOKENS_ENV}":"true"`),
    );
    expect(trusting.map((r) => r.name)).toEqual([
      "callgraph-login-function",
      "callgraph-profiles-function",
      "reports-v2",
    ]);
    expect(await check(POLICY, stack)).toEqual({ violations: [] });
  });

  test("passes for a public function that leaves the variable out, as the component does", async () => {
    expect(await check(POLICY, publicLogin())).toEqual({ violations: [] });
  });

  test.each<[string, (s: TestResource[]) => TestResource[]]>([
    [
      "the variable set to false beside a public grant",
      (s) => [
        ...changed(s, "callgraph-profiles-function", (r) =>
          withProp(r, `environmentVariables.${PLATFORM_VERIFIES_TOKENS_ENV}`, "false"),
        ),
        invokerMember("public", "profiles", "allUsers"),
      ],
    ],
    [
      "a public member on a role that cannot invoke",
      (s) => [...s, invokerMember("viewer", "profiles", "allUsers", "roles/cloudfunctions.viewer")],
    ],
    [
      "a public grant on a function this stack does not define",
      (s) => [...s, invokerMember("elsewhere", "legacy", "allUsers")],
    ],
    [
      "a public grant on a gen1 function of the same name as the gen2 one (another generation: another resource)",
      (s) => [...s, invokerMember("other-generation", "reports", "allUsers")],
    ],
    [
      "a declaration naming allUsers with no grant that makes it public (decided from grants, not the declaration)",
      (s) =>
        changed(s, "callgraph-profiles-function", (r) =>
          withProp(r, "environmentVariables.CALLGRAPH_INVOKERS", JSON.stringify([sa("login"), "allUsers"])),
        ),
    ],
  ])("passes with %s", async (_label, change) => {
    expect(await check(POLICY, change(happyStack()))).toEqual({ violations: [] });
  });

  test("fails on a public grant beside the component's, naming the function, the grant and the fix", async () => {
    const stack = [...happyStack(), invokerMember("public", "profiles", "allUsers")];
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      {
        urn: urn(stack, "callgraph-profiles-function"),
        message:
          'gcp.cloudfunctions.Function "callgraph-profiles-function" (Cloud Function "profiles") says CALLGRAPH_PLATFORM_VERIFIES_TOKENS=true, ' +
          "so its code believes a user's token whose signature is SIGNATURE_REMOVED_BY_GOOGLE on its claims alone, as one Google's front end checked; " +
          'but the function is public (gcp.cloudfunctions.FunctionIamMember "public" grants roles/cloudfunctions.invoker to allUsers on function "profiles"): ' +
          "Google checks no token before its code runs, so anyone can send it a token made up without a key, naming any user it admits.\n" +
          'To fix: remove that grant; if the function is meant to be public, declare it in callgraph:functions (invokers: ["allUsers"]), ' +
          "and the CallGraph component grants it and leaves CALLGRAPH_PLATFORM_VERIFIES_TOKENS out of its environment.",
      },
    ]);
  });

  test.each<[string, (s: TestResource[]) => TestResource[], string]>([
    [
      "gen1: allAuthenticatedUsers added to the program's own invoker binding",
      (s) =>
        changed(s, "callgraph-profiles-invokers", (r) =>
          withProp(r, "members", [sa("login"), "allAuthenticatedUsers"]),
        ),
      "callgraph-profiles-function",
    ],
    [
      "gen1: a developer role for allUsers (it can invoke too)",
      (s) => [...s, invokerMember("dev-role", "login", "allUsers", "roles/cloudfunctions.developer")],
      "callgraph-login-function",
    ],
    [
      "gen1: a FunctionIamPolicy naming allUsers, the function by its full id",
      (s) => [
        ...s,
        {
          type: T.fn1Policy,
          name: "policy",
          props: {
            cloudFunction: `projects/${PROJECT}/locations/${REGION}/functions/login`,
            policyData: JSON.stringify({
              bindings: [{ role: "roles/cloudfunctions.invoker", members: [DEVELOPERS, "allUsers"] }],
            }),
          },
        },
      ],
      "callgraph-login-function",
    ],
    [
      "gen2: roles/run.invoker for allUsers on the function's Cloud Run service",
      (s) => [...s, runMember("run-public", "reports", "allUsers")],
      "reports-v2",
    ],
    [
      "gen2: a Cloud Run v1 binding with allAuthenticatedUsers",
      (s) => [
        ...s,
        {
          type: T.runV1Binding,
          name: "run-v1",
          props: {
            service: "reports",
            location: REGION,
            role: "roles/run.invoker",
            members: [sa("login"), "allAuthenticatedUsers"],
          },
        },
      ],
      "reports-v2",
    ],
  ])("fails on %s", async (_label, change, culprit) => {
    const stack = change(happyStack());
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      {
        urn: urn(stack, culprit),
        message: expect.stringMatching(
          /says CALLGRAPH_PLATFORM_VERIFIES_TOKENS=true, .* but the function is public \(.*\): Google checks no token/,
        ),
      },
    ]);
  });

  test("a public invoker grant on the project opens every function in it: each that trusts its platform fails", async () => {
    const stack = [
      ...publicLogin(),
      {
        type: T.projectMember,
        name: "open-project",
        props: { project: PROJECT, role: "roles/run.invoker", member: "allUsers" },
      },
      {
        type: T.projectMember,
        name: "other-project",
        props: { project: "someone-else", role: "roles/run.invoker", member: "allUsers" },
      },
    ];
    const run = await check(POLICY, stack);
    expect(run.violations.map((v) => v.urn)).toEqual([
      urn(stack, "callgraph-profiles-function"),
      urn(stack, "reports-v2"),
    ]);
    expect(run.violations[0].message).toContain(
      'grants roles/run.invoker to allUsers on project "callgraph-test"',
    );
  });

  test("two public grants on one function: one violation naming both", async () => {
    const stack = [
      ...happyStack(),
      runMember("run-public", "reports", "allUsers"),
      runMember("run-any-account", "reports", "allAuthenticatedUsers", "roles/run.servicesInvoker"),
    ];
    const run = await check(POLICY, stack);
    expect(run.violations).toEqual([
      {
        urn: urn(stack, "reports-v2"),
        message: expect.stringContaining(
          'but the function is public (gcp.cloudrunv2.ServiceIamMember "run-public" grants roles/run.invoker to allUsers on Cloud Run service "reports"; ' +
            'gcp.cloudrunv2.ServiceIamMember "run-any-account" grants roles/run.servicesInvoker to allAuthenticatedUsers on Cloud Run service "reports"): ',
        ),
      },
    ]);
    expect(run.violations[0].message).toContain("To fix: remove those grants;");
  });

  test("a computed member on a function that trusts its platform is undecided, and hides no definite violation", async () => {
    const stack = [
      ...happyStack(),
      invokerMember("computed", "login", COMPUTED),
      runMember("run-public", "reports", "allUsers"),
    ];
    const run = await check(POLICY, stack);
    expect(run.violations.map((v) => v.urn)).toEqual([urn(stack, "reports-v2")]);
    expect(run.unknownError?.message).toMatch(/\.member can't be known during preview/);
  });

  test("a computed member on a function that does not trust its platform decides nothing", async () => {
    expect(await check(POLICY, [...publicLogin(), invokerMember("computed", "login", COMPUTED)])).toEqual({
      violations: [],
    });
  });

  test("a computed variable is undecided beside a public grant, and decides nothing without one", async () => {
    const computed = changed(happyStack(), "callgraph-profiles-function", (r) =>
      withProp(r, `environmentVariables.${PLATFORM_VERIFIES_TOKENS_ENV}`, COMPUTED),
    );
    expect(await check(POLICY, computed)).toEqual({ violations: [] });
    const run = await check(POLICY, [...computed, invokerMember("public", "profiles", "allUsers")]);
    expect(run.violations).toEqual([]);
    expect(run.unknownError?.message).toMatch(
      /CALLGRAPH_PLATFORM_VERIFIES_TOKENS can't be known during preview/,
    );
  });
});

/**
 * The real program (the repository's index.ts on the base fixture) with one public grant on beta, the callee of alpha
 * and gamma, added beside the component's binding the way a teammate might: `roles/cloudfunctions.invoker` on the
 * function in the gen1 stack, `roles/run.invoker` on its Cloud Run service in the gen2 stack.
 */
const OPEN_BETA = `import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import program = require("../../index");

export = async () => {
  const outputs = await program();
  const gcpConfig = new pulumi.Config("gcp");
  const project = gcpConfig.require("project");
  const region = gcpConfig.require("region");
  if (pulumi.getStack() === "gen2")
    new gcp.cloudrunv2.ServiceIamMember("open-beta", {
      project, location: region, name: "beta", role: "roles/run.invoker", member: "allUsers",
    });
  else
    new gcp.cloudfunctions.FunctionIamMember("open-beta", {
      project, region, cloudFunction: "beta", role: "roles/cloudfunctions.invoker", member: "allAuthenticatedUsers",
    });
  return outputs;
};
`;

const GENERATIONS = [
  [1, "gen1", BASE_CONFIG],
  [2, "gen2", SECOND_GEN_CONFIG],
] as const;

describe(`${POLICY} on the program's registered resources`, () => {
  let program: RogueProgram;
  beforeAll(() => {
    program = writeProgram(OPEN_BETA, {
      gen1: stringify({ config: BASE_CONFIG }),
      gen2: stringify({ config: SECOND_GEN_CONFIG }),
    });
  });
  afterAll(() => program.remove());

  const rule = RULES.filter((r) => r.name === POLICY);
  const verdict = (e: Evaluation) => {
    const report = runRules(fromEngine(e.resources), undefined, rule);
    const names = new Map(e.resources.map((r) => [r.urn, r.name]));
    return {
      violations: report.violations.map((v) => names.get(v.urn) ?? v.urn),
      undecided: report.undecided.map((u) => u.urn),
    };
  };

  describe.each(GENERATIONS)("gen%s", (generation, stack, config) => {
    test.each([false, true])("passes the stack the program registers (preview: %s)", async (preview) => {
      const e = await evaluateFixture({ config, preview });
      const beta = e.graph.functions.find((f) => f.name === "beta")!;
      expect([beta.generation, beta.environment[PLATFORM_VERIFIES_TOKENS_ENV]]).toEqual([generation, "true"]);
      expect(verdict(e)).toEqual({ violations: [], undecided: [] });
    });

    test.each([false, true])(
      "fails the function when a public grant is registered beside the program's (preview: %s)",
      async (preview) => {
        const e = await evaluate({ programDir: program.dir, stack, preview });
        expect(verdict(e)).toEqual({ violations: ["callgraph-beta-function"], undecided: [] });
      },
    );
  });
});
