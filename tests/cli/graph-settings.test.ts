import { renderGraphJson } from "../../cli/render/graph-json";
import { renderGraphTable } from "../../cli/render/graph-table";
import { reviewGraph } from "../../cli/review/review-graph";
import type { Evaluation } from "../../engine";
import { BASE_TOPOLOGY, evaluateFixture, FIXTURE_TARGET } from "../fixtures";

// Issue 20: `callgraph graph` shows each function's settings beyond memory, timeout and instance limits, and which
// secrets each function's account may read, in the table and in JSON.
const PROJECT = FIXTURE_TARGET["gcp:project"];
const HEADING = { stack: "dev", project: PROJECT };

describe.each([false, true])("graph with settings (preview: %s)", (preview) => {
  let e: Evaluation;
  beforeAll(async () => {
    e = await evaluateFixture({
      preview,
      config: {
        ...FIXTURE_TARGET,
        "callgraph:generation": 2,
        "callgraph:projectNumber": "123456789012",
        "callgraph:functions": {
          ...BASE_TOPOLOGY,
          beta: {
            ...BASE_TOPOLOGY.beta,
            environment: { LOG_LEVEL: "debug" },
            secrets: [
              { secret: "api-key", env: "API_KEY" },
              { secret: "tls", version: 3, path: "/etc/secrets/tls/cert" },
            ],
            minInstances: 2,
            vpcConnector: "private",
            vpcConnectorEgressSettings: "ALL_TRAFFIC",
            labels: { team: "payments" },
            concurrency: 8,
            cpu: 1,
          },
        },
      },
    });
  });

  test("the table lists the settings and the secret access, names only, no marks for the components' grants", () => {
    const table = renderGraphTable(reviewGraph(e.graph), HEADING);
    const lines = table.split("\n");
    const settings = lines.indexOf("Settings (besides memory, timeout and instance limits):");
    expect(lines[settings + 1]).toBe(
      "  beta  " +
        [
          "env LOG_LEVEL",
          `secrets /etc/secrets/tls/cert ← projects/${PROJECT}/secrets/tls@3, API_KEY ← projects/${PROJECT}/secrets/api-key@latest`,
          "min 2 instances",
          `vpc projects/${PROJECT}/locations/us-central1/connectors/private (ALL_TRAFFIC)`,
          "concurrency 8",
          "cpu 1",
          "labels team=payments",
        ].join(" · "),
    );
    expect(table).not.toContain("debug");
    const access = lines.indexOf("Secret access (which secrets each function's account may read):");
    expect(lines.slice(access + 1, access + 3)).toEqual([
      `    beta -> projects/${PROJECT}/secrets/api-key  SecretIamMember "callgraph-beta-secret-api-key"`,
      `    beta -> projects/${PROJECT}/secrets/tls      SecretIamMember "callgraph-beta-secret-tls"`,
    ]);
  });

  test("a secret no grant covers is marked: its deployment would fail", () => {
    const table = renderGraphTable(reviewGraph({ ...e.graph, secretGrants: [] }), HEADING);
    expect(table).toContain(
      `  ! beta -> projects/${PROJECT}/secrets/api-key  [NOT GRANTED] no grant lets its account read it: the deployment will fail`,
    );
  });

  test("JSON carries the settings, values included, and the grants", () => {
    const json = JSON.parse(renderGraphJson(reviewGraph(e.graph), HEADING));
    expect(json.schemaVersion).toBe(1);
    const beta = json.functions.find((f: { name: string }) => f.name === "beta");
    expect(beta.settings).toMatchObject({
      environment: { LOG_LEVEL: "debug" },
      minInstances: 2,
      concurrency: 8,
      cpu: "1",
      labels: { team: "payments" },
      vpcConnectorEgressSettings: "ALL_TRAFFIC",
    });
    expect(beta.secretAccess).toEqual([
      {
        secret: `projects/${PROJECT}/secrets/api-key`,
        scope: "secret",
        role: "roles/secretmanager.secretAccessor",
        managed: true,
      },
      {
        secret: `projects/${PROJECT}/secrets/tls`,
        scope: "secret",
        role: "roles/secretmanager.secretAccessor",
        managed: true,
      },
    ]);
    expect(beta.ungrantedSecrets).toEqual([]);
    expect(
      json.secretGrants.map((g: { function: string; secret: string }) => [g.function, g.secret]),
    ).toEqual([
      ["beta", `projects/${PROJECT}/secrets/api-key`],
      ["beta", `projects/${PROJECT}/secrets/tls`],
    ]);
    const alpha = json.functions.find((f: { name: string }) => f.name === "alpha");
    expect(alpha.settings).toEqual({
      environment: {},
      secrets: [],
      memoryMb: 256,
      maxInstances: 10,
      ingress: "ALLOW_ALL",
      labels: {},
    });
  });
});
