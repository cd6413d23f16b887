import { fromEngine } from "../../engine";
import { runRules } from "../../policy/run-rules";
import { BASE_TOPOLOGY, evaluateFixture, FIXTURE_TARGET } from "../fixtures";

// Issue 20: a stack whose functions read secrets passes every policy, in both generations and both modes. The secret
// grants are one SecretIamMember per (secret, function), on the secret: no project-level grant, no grant to anyone
// but the function's own account, nothing the rules must judge as an invoker.
const configOf = (generation: 1 | 2) => ({
  ...FIXTURE_TARGET,
  "callgraph:generation": generation,
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": {
    ...BASE_TOPOLOGY,
    alpha: { ...BASE_TOPOLOGY.alpha, secrets: [{ secret: "api-key", env: "API_KEY" }] },
    beta: {
      ...BASE_TOPOLOGY.beta,
      environment: { LOG_LEVEL: "debug" },
      secrets: [
        { secret: "api-key", path: "/etc/secrets/api/key" },
        { secret: "projects/123456789012/secrets/tls", env: "TLS" },
      ],
      minInstances: 1,
      vpcConnector: "private",
      labels: { team: "payments" },
    },
  },
  "callgraph:policy": {},
});

describe.each([
  [1, false],
  [1, true],
  [2, false],
  [2, true],
] as const)("gen%i with secrets (preview: %s)", (generation, preview) => {
  test("passes every policy, nothing left undecided", async () => {
    const e = await evaluateFixture({ config: configOf(generation), preview });
    expect(
      e.resources.filter((r) => r.type === "gcp:secretmanager/secretIamMember:SecretIamMember"),
    ).toHaveLength(3);
    const report = runRules(fromEngine(e.resources));
    // The fixtures' code calls what it declares by name: nothing of the call-site rules either.
    expect(report.violations).toEqual([]);
    expect(report.undecided).toEqual([]);
  });
});
