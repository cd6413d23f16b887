import { EvaluationError, TYPES, UNKNOWN, type Evaluation, type RegisteredResource } from "../../engine";
import { BASE_CONFIG, BASE_TOPOLOGY, evaluateFixture, FIXTURE_TARGET } from "../fixtures";
import { ofType } from "./fixtures";

// Issue 20, section 3: a function's own variables, its Secret Manager secrets (as variables and as files), minimum
// instances, VPC connector and egress, labels, and 2nd gen's concurrency and CPU, in each generation's native fields;
// one accessor grant per (secret, function), on that secret, to that function's account, which the function waits
// for; Secret Manager's API enabled only when some function reads a secret. In update and in preview mode.
const SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember";
const PROJECT = FIXTURE_TARGET["gcp:project"];
const REGION = FIXTURE_TARGET["gcp:region"];
const BETA_SA = `fn-beta@${PROJECT}.iam.gserviceaccount.com`;

/** beta with every setting; alpha and gamma with none, as the base fixture has them. */
function configOf(generation: 1 | 2): Record<string, unknown> {
  return {
    ...FIXTURE_TARGET,
    "callgraph:generation": generation,
    "callgraph:projectNumber": "123456789012",
    "callgraph:functions": {
      ...BASE_TOPOLOGY,
      beta: {
        ...BASE_TOPOLOGY.beta,
        environment: { LOG_LEVEL: "debug", GREETING: "hello" },
        secrets: [
          { secret: "api-key", env: "API_KEY" },
          // The same secret again, as a file: still one grant.
          { secret: "api-key", path: "/etc/secrets/api/key" },
          // Two versions of one secret in one folder: one volume.
          { secret: "tls", version: 3, path: "/etc/secrets/tls/cert" },
          { secret: "tls", version: "2", path: "/etc/secrets/tls/previous" },
          // Another project's, by number (1st gen names it so only).
          { secret: "projects/987654321098/secrets/shared", env: "SHARED" },
        ],
        minInstances: 1,
        vpcConnector: "private",
        vpcConnectorEgressSettings: "ALL_TRAFFIC",
        labels: { team: "payments", tier: "1" },
        ...(generation === 2 ? { concurrency: 8, cpu: 1 } : {}),
      },
    },
  };
}

const CONNECTOR = `projects/${PROJECT}/locations/${REGION}/connectors/private`;

const cases = [1, 2].flatMap((generation) =>
  [false, true].map((preview) => [generation as 1 | 2, preview] as const),
);

describe.each(cases)("gen%i (preview: %s)", (generation, preview) => {
  let e: Evaluation;
  beforeAll(async () => {
    e = await evaluateFixture({ config: configOf(generation), preview });
  });
  const fn = (name: string) =>
    e.resources.find(
      (r) => (r.type === TYPES.function || r.type === TYPES.functionV2) && r.inputs.name === name,
    )!;
  /** Where the runtime settings live: the function itself (1st gen), or its serviceConfig (2nd gen). */
  const runtimeOf = (r: RegisteredResource) =>
    (generation === 2 ? r.inputs.serviceConfig : r.inputs) as Record<string, unknown>;

  test("each setting is registered in the generation's own field", () => {
    const beta = fn("beta");
    expect(beta.type).toBe(generation === 2 ? TYPES.functionV2 : TYPES.function);
    const runtime = runtimeOf(beta);
    const environment = runtime.environmentVariables as Record<string, string>;
    expect(environment).toMatchObject({ GREETING: "hello", LOG_LEVEL: "debug", CALLGRAPH_FUNCTION: "beta" });
    // The user's variables beside the program's, and nothing else.
    expect(Object.keys(environment).filter((k) => !k.startsWith("CALLGRAPH_"))).toEqual([
      "GREETING",
      "LOG_LEVEL",
    ]);
    expect(beta.inputs.labels).toEqual({ "managed-by": "callgraph", team: "payments", tier: "1" });
    if (generation === 1) {
      expect(beta.inputs).toMatchObject({
        minInstances: 1,
        vpcConnector: CONNECTOR,
        vpcConnectorEgressSettings: "ALL_TRAFFIC",
      });
      expect(beta.inputs).not.toHaveProperty("maxInstanceRequestConcurrency");
      expect(beta.inputs).not.toHaveProperty("availableCpu");
    } else {
      expect(runtime).toMatchObject({
        minInstanceCount: 1,
        vpcConnector: CONNECTOR,
        vpcConnectorEgressSettings: "ALL_TRAFFIC",
        maxInstanceRequestConcurrency: 8,
        availableCpu: "1",
      });
    }
  });

  test("secrets are given as variables and mounted as volumes, one volume per folder", () => {
    const runtime = runtimeOf(fn("beta"));
    // 1st gen: projectId only for another project's secret; 2nd gen: always (it is required there).
    const own = generation === 2 ? { projectId: PROJECT } : {};
    expect(runtime.secretEnvironmentVariables).toEqual([
      { key: "API_KEY", secret: "api-key", version: "latest", ...own },
      { key: "SHARED", secret: "shared", version: "latest", projectId: "987654321098" },
    ]);
    // A version's path is relative to the folder: with a leading slash on 1st gen, without on 2nd gen.
    const file = (name: string) => (generation === 1 ? `/${name}` : name);
    expect(runtime.secretVolumes).toEqual([
      {
        mountPath: "/etc/secrets/api",
        secret: "api-key",
        versions: [{ path: file("key"), version: "latest" }],
        ...own,
      },
      {
        mountPath: "/etc/secrets/tls",
        secret: "tls",
        versions: [
          { path: file("cert"), version: "3" },
          { path: file("previous"), version: "2" },
        ],
        ...own,
      },
    ]);
  });

  test("one accessor grant per secret, on that secret, to beta's account only, child of beta's component", () => {
    const grants = ofType(e, SECRET_MEMBER);
    expect(
      grants.map((g) => [g.name, g.inputs.project, g.inputs.secretId, g.inputs.role, g.inputs.member]),
    ).toEqual([
      [
        "callgraph-beta-secret-987654321098/shared",
        "987654321098",
        "shared",
        "roles/secretmanager.secretAccessor",
        `serviceAccount:${BETA_SA}`,
      ],
      [
        "callgraph-beta-secret-api-key",
        PROJECT,
        "api-key",
        "roles/secretmanager.secretAccessor",
        `serviceAccount:${BETA_SA}`,
      ],
      [
        "callgraph-beta-secret-tls",
        PROJECT,
        "tls",
        "roles/secretmanager.secretAccessor",
        `serviceAccount:${BETA_SA}`,
      ],
    ]);
    const component = ofType(e, TYPES.serviceFunction).find((r) => r.name === "callgraph-beta")!;
    const account = ofType(e, TYPES.serviceAccount).find((r) => r.parent === component.urn)!;
    for (const g of grants) {
      expect(g.parent).toBe(component.urn);
      // Known before deployment: the member names the account by its computed email, and waits for the account.
      expect(Object.values(g.inputs)).not.toContain(UNKNOWN);
      expect(g.dependencies).toContain(account.urn);
    }
  });

  test("beta waits for its grants and for them to propagate; the others have no secret, grant or wait", () => {
    const beta = fn("beta");
    const grants = ofType(e, SECRET_MEMBER);
    const wait = ofType(e, TYPES.sleep).find((s) => s.name === "callgraph-beta-secret-propagation")!;
    expect(wait.inputs).toMatchObject({ createDuration: "120s" });
    for (const g of grants) {
      expect(beta.dependencies).toContain(g.urn);
      expect(wait.dependencies).toContain(g.urn);
    }
    expect(beta.dependencies).toContain(wait.urn);
    expect(ofType(e, TYPES.sleep).filter((s) => s.name.endsWith("-secret-propagation"))).toHaveLength(1);
  });

  test("a function that declares no setting registers none of them", () => {
    for (const name of ["alpha", "gamma"]) {
      const runtime = runtimeOf(fn(name));
      for (const key of [
        "secretEnvironmentVariables",
        "secretVolumes",
        "minInstances",
        "minInstanceCount",
        "vpcConnector",
        "vpcConnectorEgressSettings",
        "maxInstanceRequestConcurrency",
        "availableCpu",
      ])
        expect([name, key, runtime[key]]).toEqual([name, key, undefined]);
      expect(fn(name).inputs.labels).toEqual({ "managed-by": "callgraph" });
    }
  });

  test("Secret Manager's API is enabled, and waited for like the others", () => {
    const service = ofType(e, TYPES.projectService).find(
      (s) => s.inputs.service === "secretmanager.googleapis.com",
    )!;
    expect(service).toBeDefined();
    const wait = ofType(e, TYPES.sleep).find((s) => s.name === "callgraph-api-propagation")!;
    expect(wait.dependencies).toContain(service.urn);
    for (const g of ofType(e, SECRET_MEMBER)) expect(g.dependencies).toContain(wait.urn);
  });

  test("the effective graph reads the settings and the grants back from the resources", () => {
    const beta = e.graph.functions.find((f) => f.name === "beta")!;
    expect(beta.settings).toEqual({
      environment: { GREETING: "hello", LOG_LEVEL: "debug" },
      secrets: [
        { secret: `projects/${PROJECT}/secrets/api-key`, version: "latest", path: "/etc/secrets/api/key" },
        { secret: `projects/${PROJECT}/secrets/tls`, version: "3", path: "/etc/secrets/tls/cert" },
        { secret: `projects/${PROJECT}/secrets/tls`, version: "2", path: "/etc/secrets/tls/previous" },
        { secret: `projects/${PROJECT}/secrets/api-key`, version: "latest", env: "API_KEY" },
        { secret: "projects/987654321098/secrets/shared", version: "latest", env: "SHARED" },
      ],
      memoryMb: 256,
      maxInstances: 10,
      minInstances: 1,
      ingress: "ALLOW_ALL",
      vpcConnector: CONNECTOR,
      vpcConnectorEgressSettings: "ALL_TRAFFIC",
      labels: { team: "payments", tier: "1" },
      ...(generation === 2 ? { concurrency: 8, cpu: "1" } : {}),
    });
    expect(e.graph.secretGrants.map((g) => [g.function, g.secret, g.scope, g.role, g.managed])).toEqual([
      ["beta", "projects/987654321098/secrets/shared", "secret", "roles/secretmanager.secretAccessor", true],
      ["beta", `projects/${PROJECT}/secrets/api-key`, "secret", "roles/secretmanager.secretAccessor", true],
      ["beta", `projects/${PROJECT}/secrets/tls`, "secret", "roles/secretmanager.secretAccessor", true],
    ]);
  });
});

describe.each([false, true])("a stack without secrets (preview: %s)", (preview) => {
  test("enables no Secret Manager API and grants no secret", async () => {
    const e = await evaluateFixture({ config: BASE_CONFIG, preview });
    expect(ofType(e, TYPES.projectService).map((s) => s.inputs.service)).not.toContain(
      "secretmanager.googleapis.com",
    );
    expect(ofType(e, SECRET_MEMBER)).toEqual([]);
    expect(e.graph.secretGrants).toEqual([]);
    for (const f of e.graph.functions)
      expect([f.name, f.settings.secrets, f.settings.environment]).toEqual([f.name, [], {}]);
  });
});

describe("settings known only with the region", () => {
  test("a connector in another region than the function's is refused before any function is registered", async () => {
    const config = {
      ...BASE_CONFIG,
      "callgraph:functions": {
        ...BASE_TOPOLOGY,
        beta: {
          ...BASE_TOPOLOGY.beta,
          vpcConnector: `projects/${PROJECT}/locations/europe-west1/connectors/private`,
        },
      },
    };
    const error = await evaluateFixture({ config }).then(
      () => undefined,
      (e: unknown) => e as EvaluationError,
    );
    expect(error).toBeInstanceOf(EvaluationError);
    expect(error!.message).toContain(
      `functions.beta.vpcConnector: connector "projects/${PROJECT}/locations/europe-west1/connectors/private" is in europe-west1, but the function deploys to ${REGION}: a function reaches a connector of its own region only. Use a connector in ${REGION}`,
    );
    // Nothing but the component itself: no API, account, bucket or function.
    expect(error!.resources.filter((r) => r.custom)).toEqual([]);
  });
});
