import { declaredDeployment, type DeclaredDeployment } from "../../../live/preflight/declared";
import { requiredApis } from "../../../live/preflight/check-apis";
import { requiredPermissions } from "../../../live/preflight/deploy-permissions";
import { evaluateFixture, fixtureSource, runs } from "../../fixtures";
import type { FakeProject } from "./fake-google";

export const PROJECT = "preflight-test";
export const REGION = "europe-west1";

/**
 * A fixture declaration: two 1st-gen functions with an edge, one public 2nd-gen function. The code is the fixture
 * functions' (DESIGN.md invariant 12): alpha's code calls beta, as declared; gamma runs relay, which calls only what its
 * function declares (nothing here).
 */
export const CONFIG = {
  "gcp:project": PROJECT,
  "gcp:region": REGION,
  "callgraph:projectNumber": "424242",
  "callgraph:functions": {
    alpha: { calls: ["beta"], source: fixtureSource("alpha") },
    beta: { invokers: ["group:devs@example.com"], source: fixtureSource("beta") },
    gamma: { generation: 2, invokers: ["allUsers"], ...runs("relay") },
  },
};

/** What the program registers for {@link CONFIG} on the fixture stack, read as preflight reads it. */
export async function fixtureDeployment(): Promise<DeclaredDeployment> {
  const evaluation = await evaluateFixture({ config: CONFIG });
  return declaredDeployment(evaluation.resources, evaluation.project);
}

/** A project where everything the deployment needs is in place: the "all well" baseline tests change. */
export function healthyProject(deployment: DeclaredDeployment): FakeProject {
  return {
    projectId: deployment.project,
    projectNumber: "424242",
    enabled: new Set(requiredApis(deployment).map((a) => a.service)),
    runtimes: {
      [REGION]: [
        { name: "nodejs22", environment: "GEN_1", stage: "GA" },
        { name: "nodejs22", environment: "GEN_2", stage: "GA" },
        { name: "nodejs24", environment: "GEN_2", stage: "GA" },
      ],
    },
    held: new Set(requiredPermissions(deployment).permissions.map((p) => p.permission)),
    policies: {},
    accounts: {},
    failures: {},
  };
}
