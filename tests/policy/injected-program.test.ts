import { evaluate, fromEngine, UNKNOWN, type Evaluation } from "../../engine";
import { evaluateFixture } from "../fixtures";
import { POLICIES } from "../../policy/policies";
import { runRules } from "../../policy/run-rules";
import { COMPUTED, urnOf, type TestResource } from "./fixtures";
import { runPolicy } from "./harness";
import { FIXTURE_STACK_CONFIG, ROGUES, writeRogueProgram, type RogueProgram } from "./rogue-program";

/** The mandatory violations as [policy, resource name] pairs, sorted. */
function caught(e: Evaluation): string[][] {
  const byUrn = new Map(e.resources.map((r) => [r.urn, r.name]));
  // Mandatory ones: the fixture relay's dynamic call sites add advisory function-grants-used findings.
  return runRules(fromEngine(e.resources))
    .violations.filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => [v.policy, byUrn.get(v.urn) ?? v.urn])
    .sort();
}

const EXPECTED = Object.values(ROGUES)
  .flatMap(({ policy, resources }) => resources.map((name) => [policy, name]))
  .sort();

describe.each([false, true])("the real program under mocks (preview: %s)", (preview) => {
  let rogue: RogueProgram;
  let clean: Evaluation;
  let injected: Evaluation;
  beforeAll(async () => {
    rogue = writeRogueProgram();
    clean = await evaluateFixture({ config: FIXTURE_STACK_CONFIG, preview });
    injected = await evaluate({ programDir: rogue.dir, preview });
  });
  afterAll(() => rogue.remove());

  test("the default stack passes every policy, with nothing left undecided", () => {
    const report = runRules(fromEngine(clean.resources));
    // The fixture relay's code names its callees at run time: dynamic call sites, advisory findings only.
    expect(report.violations.filter((v) => v.policy !== "function-grants-used")).toEqual([]);
    expect(new Set(report.violations.map((v) => v.enforcementLevel))).not.toContain("mandatory");
    expect(report.undecided).toEqual([]);
  });

  test("each injected resource is caught by the right policy, and nothing else is flagged", () => {
    expect(caught(injected)).toEqual(EXPECTED);
  });

  test("the messages name the resource, the offending member or account, and the fix", () => {
    const messages = Object.fromEntries(
      runRules(fromEngine(injected.resources)).violations.map((v) => [
        `${v.policy} ${v.urn.split("::").pop()}`,
        v.message,
      ]),
    );
    expect(messages["function-invokers-match-declaration rogue-member"]).toMatch(
      /^gcp\.cloudfunctions\.FunctionIamMember "rogue-member" grants roles\/cloudfunctions\.invoker on Cloud Function "beta" to user:mallory@example\.com, which "beta" does not declare in CALLGRAPH_INVOKERS \(it declares "serviceAccount:fn-alpha@callgraph-dev\.iam\.gserviceaccount\.com", "serviceAccount:fn-gamma@callgraph-dev\.iam\.gserviceaccount\.com"\)[\s\S]*\nTo fix: remove this grant, or declare the caller/,
    );
    expect(messages["function-no-public-invoker public-grant"]).toMatch(
      /on Cloud Function "gamma" to allUsers: anyone on the internet[\s\S]*does not declare "allUsers"/,
    );
    expect(messages["function-token-trust-matches-grants callgraph-gamma-function"]).toMatch(
      /^gcp\.cloudfunctions\.Function "callgraph-gamma-function" \(Cloud Function "gamma"\) says CALLGRAPH_PLATFORM_VERIFIES_TOKENS=true, [\s\S]*but the function is public \(gcp\.cloudfunctions\.FunctionIamMember "public-grant" grants roles\/cloudfunctions\.invoker to allUsers on function "gamma"\): Google checks no token before its code runs/,
    );
    expect(messages["function-dedicated-service-account shared-account"]).toMatch(
      /Cloud Function "reports"\) runs as fn-alpha@callgraph-dev\.iam\.gserviceaccount\.com, as do "alpha"/,
    );
    expect(messages["no-project-level-function-roles project-invoker"]).toMatch(
      /on project "callgraph-dev" to serviceAccount:fn-alpha@.*, the account Cloud Functions "reports" and "alpha" run as: that lets it invoke every function in the project/,
    );
    expect(messages["build-service-account-isolated build-runner"]).toMatch(
      /^gcp\.cloudfunctionsv2\.Function "build-runner" \(Cloud Function "builder"\) runs as callgraph-build@callgraph-dev\.iam\.gserviceaccount\.com, the account that builds Cloud Functions "reports", "builder", "alpha", "beta" and "gamma": the function's code holds the build's permissions/,
    );
    expect(messages["no-project-level-grants build-storage-admin"]).toMatch(
      /^gcp\.projects\.IAMMember "build-storage-admin" grants roles\/storage\.admin on project "callgraph-dev" to serviceAccount:callgraph-build@callgraph-dev\.iam\.gserviceaccount\.com: a grant on a whole project reaches every resource in it[\s\S]*\nTo fix: grant the role on the individual resources the member needs instead/,
    );
    expect(messages["no-service-account-keys alpha-key"]).toMatch(
      /creates a long-lived private key for fn-alpha@callgraph-dev\.iam\.gserviceaccount\.com/,
    );
  });

  test(`the computed member is ${preview ? "left undecided, not flagged" : "known, and harmless"}`, () => {
    const undecided = runRules(fromEngine(injected.resources)).undecided;
    expect(undecided.map((u) => [u.policy, u.urn.split("::").pop(), u.unknownPath])).toEqual(
      preview ? [["storage-bucket-no-public-access", "reporting-reader", "member"]] : [],
    );
  });

  test("the CrossGuard policies catch exactly the same on the same resources", async () => {
    const resources: TestResource[] = injected.resources
      .filter((r) => r.custom)
      .map((r) => ({
        type: r.type,
        name: r.name,
        props: replaceUnknowns(r.inputs) as Record<string, unknown>,
        // The URN's parent types: what tells the call graph's resources from the rest of the program.
        component: parentTypes(r.urn),
      }));
    const names = new Map(resources.map((r) => [urnOf(r), r.name]));
    const found: string[][] = [];
    let unknowns = 0;
    for (const policy of POLICIES) {
      const run = await runPolicy(policy, resources);
      found.push(...run.violations.map((v) => [policy.name, names.get(v.urn) ?? v.urn]));
      if (run.unknownError) unknowns++;
    }
    expect(found.sort()).toEqual(EXPECTED);
    expect(unknowns).toBe(preview ? 1 : 0);
  });
});

/** The parent types a URN names (`A$B` of `urn:pulumi:S::P::A$B$TYPE::NAME`), undefined for a top-level resource. */
function parentTypes(urn: string): string | undefined {
  const chain = urn.split("::")[2].split("$").slice(0, -1);
  return chain.length > 0 ? chain.join("$") : undefined;
}

/** The engine's `<computed>` as the fixtures' COMPUTED, for the CrossGuard harness. */
function replaceUnknowns(value: unknown): unknown {
  if (value === UNKNOWN) return COMPUTED;
  if (Array.isArray(value)) return value.map(replaceUnknowns);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceUnknowns(v)]));
  return value;
}
