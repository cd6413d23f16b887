import { effectiveGraph, functionSettings, TYPES, UNKNOWN, type RegisteredResource } from "../../engine";

// The engine reads a function's settings and its secret access from the resources, whoever wrote them: a function
// written by hand in the program (no components) shows them as the components' own do.
function resource(type: string, name: string, inputs: Record<string, unknown>): RegisteredResource {
  return {
    urn: `urn:pulumi:dev::p::${type}::${name}`,
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

describe("functionSettings", () => {
  test("1st gen: a volume without versions mounts the latest version in a file named after the secret", () => {
    const fn = resource(TYPES.function, "hand", {
      name: "hand",
      availableMemoryMb: 512,
      environmentVariables: { CALLGRAPH_FUNCTION: "hand", MODE: "fast" },
      secretVolumes: [{ mountPath: "/etc/secrets/db/", secret: "db", projectId: "123" }],
      secretEnvironmentVariables: [{ key: "TOKEN", secret: "token", version: "4" }],
      minInstances: 0,
      labels: { "managed-by": "callgraph", team: "x" },
    });
    expect(functionSettings(fn, 1, "proj")).toEqual({
      environment: { MODE: "fast" },
      secrets: [
        { secret: "projects/123/secrets/db", version: "latest", path: "/etc/secrets/db/db" },
        { secret: "projects/proj/secrets/token", version: "4", env: "TOKEN" },
      ],
      memoryMb: 512,
      minInstances: 0,
      labels: { team: "x" },
    });
  });

  test("2nd gen: memory in Gi, egress only with a connector, values unknown in a preview kept as such", () => {
    const fn = resource(TYPES.functionV2, "hand", {
      name: "hand",
      serviceConfig: {
        availableMemory: "1Gi",
        vpcConnectorEgressSettings: "ALL_TRAFFIC",
        maxInstanceRequestConcurrency: 20,
        availableCpu: UNKNOWN,
        environmentVariables: { URL: UNKNOWN },
      },
    });
    expect(functionSettings(fn, 2, "proj")).toEqual({
      environment: { URL: UNKNOWN },
      secrets: [],
      memoryMb: 1024,
      concurrency: 20,
      cpu: UNKNOWN,
      labels: {},
    });
  });
});

describe("the effective graph's secret grants", () => {
  const fn = resource(TYPES.function, "hand-function", {
    name: "hand",
    project: "proj",
    serviceAccountEmail: "hand@proj.iam.gserviceaccount.com",
  });
  const graphWith = (...extra: RegisteredResource[]) =>
    effectiveGraph([fn, ...extra], { project: "proj", region: "us-central1" }).secretGrants;

  test("a secret's IAM policy and a conditional member grant the function's account, unmanaged", () => {
    const grants = graphWith(
      resource("gcp:secretmanager/secretIamPolicy:SecretIamPolicy", "policy", {
        project: "proj",
        secretId: "db",
        policyData: JSON.stringify({
          bindings: [
            {
              role: "roles/secretmanager.secretAccessor",
              members: ["serviceAccount:hand@proj.iam.gserviceaccount.com"],
            },
            {
              role: "roles/secretmanager.viewer",
              members: ["serviceAccount:hand@proj.iam.gserviceaccount.com"],
            },
          ],
        }),
      }),
      resource("gcp:secretmanager/secretIamMember:SecretIamMember", "member", {
        secretId: "projects/other/secrets/x",
        role: "roles/secretmanager.secretAccessor",
        member: "serviceAccount:HAND@proj.iam.gserviceaccount.com",
        condition: { title: "t", expression: "request.time < timestamp('2030-01-01T00:00:00Z')" },
      }),
    );
    expect(grants.map((g) => [g.function, g.secret, g.scope, g.role, g.conditional, g.managed])).toEqual([
      ["hand", "projects/other/secrets/x", "secret", "roles/secretmanager.secretAccessor", true, false],
      ["hand", "projects/proj/secrets/db", "secret", "roles/secretmanager.secretAccessor", false, false],
    ]);
  });

  test("Owner on the project reads every secret of it; Editor reads none", () => {
    const grants = graphWith(
      resource(TYPES.projectIamMember, "owner", {
        project: "proj",
        role: "roles/owner",
        member: "serviceAccount:hand@proj.iam.gserviceaccount.com",
      }),
      resource(TYPES.projectIamMember, "editor", {
        project: "proj",
        role: "roles/editor",
        member: "serviceAccount:hand@proj.iam.gserviceaccount.com",
      }),
    );
    expect(grants.map((g) => [g.secret, g.scope, g.role])).toEqual([
      ["projects/proj/secrets/*", "project", "roles/owner"],
    ]);
  });
});
