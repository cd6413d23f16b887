import { TYPES, type Evaluation, type RegisteredResource } from "../../engine";
import { mockProjectNumber } from "../../engine/gcp-mocks";
import { evaluateFixture, runs } from "../fixtures";
import { transitiveDependencies } from "./fixtures";

const PROJECT = "callgraph-mixed";
const REGION = "europe-west1";
const NUMBER = mockProjectNumber(PROJECT);

// Mixed generations: a gen1 function calling a gen2 one and back, a gen2 public function, a gen2 caller.
const MIXED = {
  "gcp:project": PROJECT,
  "gcp:region": REGION,
  "callgraph:generation": 2,
  "callgraph:functions": {
    login: {
      calls: ["profiles"],
      invokers: ["group:developers@example.com"],
      generation: 1,
      ...runs("relay"),
    },
    profiles: { calls: ["audit"], ...runs("relay") },
    audit: { calls: ["profiles"], generation: 1, ...runs("relay") },
    search: { calls: ["profiles"], invokers: ["allUsers"], ...runs("relay") },
  },
};

const gen1Url = (name: string) => `https://${REGION}-${PROJECT}.cloudfunctions.net/${name}`;
const gen2Url = (name: string) => `https://${name}-${NUMBER}.${REGION}.run.app`;
const sa = (name: string) => `fn-${name}@${PROJECT}.iam.gserviceaccount.com`;

describe.each([false, true])("mixed generations (preview: %s)", (preview) => {
  let e: Evaluation;
  beforeAll(async () => {
    e = await evaluateFixture({ config: MIXED, preview });
  });
  const fn = (name: string) =>
    e.resources.find(
      (r) => (r.type === TYPES.function || r.type === TYPES.functionV2) && r.inputs.name === name,
    )!;
  const env = (r: RegisteredResource) =>
    (r.type === TYPES.functionV2
      ? (r.inputs.serviceConfig as { environmentVariables: Record<string, string> }).environmentVariables
      : r.inputs.environmentVariables) as Record<string, string>;

  test("each function is deployed with its generation: gen1 Function or gen2 cloudfunctionsv2.Function", () => {
    expect(["login", "audit"].map((n) => fn(n).type)).toEqual([TYPES.function, TYPES.function]);
    expect(["profiles", "search"].map((n) => fn(n).type)).toEqual([TYPES.functionV2, TYPES.functionV2]);
    expect(fn("profiles").inputs).toMatchObject({
      location: REGION,
      buildConfig: {
        runtime: "nodejs22",
        entryPoint: "relay",
        serviceAccount: `projects/${PROJECT}/serviceAccounts/callgraph-build@${PROJECT}.iam.gserviceaccount.com`,
        dockerRepository: `projects/${PROJECT}/locations/${REGION}/repositories/callgraph-functions`,
      },
      serviceConfig: {
        serviceAccountEmail: sa("profiles"),
        maxInstanceCount: 10,
        timeoutSeconds: 60,
        availableMemory: "256M",
      },
    });
  });

  test("gen2 invokers are granted roles/run.invoker on the Cloud Run service, exactly the declared members", () => {
    const bindings = e.resources.filter((r) => r.type === TYPES.runServiceIamBinding);
    const byName = (a: RegisteredResource, b: RegisteredResource) =>
      String(a.inputs.name ?? a.inputs.cloudFunction).localeCompare(
        String(b.inputs.name ?? b.inputs.cloudFunction),
      );
    expect(bindings.sort(byName).map((b) => [b.inputs.name, b.inputs.role, b.inputs.members])).toEqual([
      [
        "profiles",
        "roles/run.invoker",
        [`serviceAccount:${sa("audit")}`, `serviceAccount:${sa("login")}`, `serviceAccount:${sa("search")}`],
      ],
      ["search", "roles/run.invoker", ["allUsers"]],
    ]);
    for (const b of bindings) {
      expect(b.options.replaceWith).toEqual([fn(b.inputs.name as string).urn]);
      expect(b.inputs).toMatchObject({ project: PROJECT, location: REGION });
    }
    const gen1 = e.resources.filter((r) => r.type === TYPES.functionIamBinding);
    expect(gen1.sort(byName).map((b) => [b.inputs.cloudFunction, b.inputs.role, b.inputs.members])).toEqual([
      ["audit", "roles/cloudfunctions.invoker", [`serviceAccount:${sa("profiles")}`]],
      ["login", "roles/cloudfunctions.invoker", ["group:developers@example.com"]],
    ]);
  });

  test("URLs follow each callee's generation; every function Google fronts with its invoker grant trusts its token check", () => {
    expect(env(fn("login"))).toMatchObject({
      CALLGRAPH_SELF_URL: gen1Url("login"),
      CALLGRAPH_CALLEES: JSON.stringify({ profiles: gen2Url("profiles") }),
    });
    expect(env(fn("profiles"))).toMatchObject({
      CALLGRAPH_SELF_URL: gen2Url("profiles"),
      CALLGRAPH_CALLEES: JSON.stringify({ audit: gen1Url("audit") }),
    });
    // Any generation, not public (DESIGN.md, "GCP facts"); search is public (allUsers).
    expect(env(fn("profiles")).CALLGRAPH_PLATFORM_VERIFIES_TOKENS).toBe("true");
    expect(env(fn("login")).CALLGRAPH_PLATFORM_VERIFIES_TOKENS).toBe("true");
    expect(env(fn("audit")).CALLGRAPH_PLATFORM_VERIFIES_TOKENS).toBe("true");
    expect(env(fn("search")).CALLGRAPH_PLATFORM_VERIFIES_TOKENS).toBeUndefined();
  });

  test("the effective graph spans both generations", () => {
    expect(e.graph.functions.map((f) => [f.name, f.generation, f.url])).toEqual([
      ["audit", 1, gen1Url("audit")],
      ["login", 1, gen1Url("login")],
      ["profiles", 2, gen2Url("profiles")],
      ["search", 2, gen2Url("search")],
    ]);
    expect(e.graph.edges.map((x) => `${x.from}->${x.to}`)).toEqual([
      "audit->profiles",
      "login->profiles",
      "profiles->audit",
      "search->profiles",
    ]);
    expect(e.graph.externalInvokers.map((x) => `${x.member}->${x.function}`)).toEqual([
      "group:developers@example.com->login",
      "allUsers->search",
    ]);
  });

  test("no function depends on another, across generations (the cycle audit <-> profiles deploys)", () => {
    const fnUrns = new Set(["login", "audit", "profiles", "search"].map((n) => fn(n).urn));
    for (const urn of fnUrns)
      expect([...transitiveDependencies(e, urn)].filter((d) => fnUrns.has(d))).toEqual([]);
  });

  test("Cloud Run's API is enabled when a function is 2nd gen", () => {
    expect(e.resources.filter((r) => r.type === TYPES.projectService).map((s) => s.inputs.service)).toContain(
      "run.googleapis.com",
    );
  });
});

test("a configured project number is used as is (no lookup)", async () => {
  const e = await evaluateFixture({
    config: { ...MIXED, "callgraph:projectNumber": "123456789012" },
  });
  expect(e.graph.functions.find((f) => f.name === "profiles")!.environment.CALLGRAPH_SELF_URL).toBe(
    `https://profiles-123456789012.${REGION}.run.app`,
  );
});

test("a gen1-only graph does not enable Cloud Run", async () => {
  const e = await evaluateFixture();
  expect(
    e.resources.filter((r) => r.type === TYPES.projectService).map((s) => s.inputs.service),
  ).not.toContain("run.googleapis.com");
});
