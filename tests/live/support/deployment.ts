import { evaluate } from "../../../engine";
import { declaredDeployment, type DeclaredDeployment } from "../../../live/preflight/declared";
import { requiredApis } from "../../../live/preflight/check-apis";
import { requiredPermissions } from "../../../live/preflight/deploy-permissions";
import type { FakeProject } from "./fake-google";

export const PROJECT = "preflight-test";
export const REGION = "europe-west1";

/** A fixture declaration: two 1st-gen functions with an edge, one public 2nd-gen function. */
export const CONFIG = {
  "gcp:project": PROJECT,
  "gcp:region": REGION,
  "callgraph:projectNumber": "424242",
  "callgraph:functions": {
    alpha: { calls: ["beta"], source: "functions/profiles", entryPoint: "profiles" },
    beta: { invokers: ["group:devs@example.com"], source: "functions/profiles", entryPoint: "profiles" },
    gamma: { generation: 2, invokers: ["allUsers"], source: "functions/search", entryPoint: "search" },
  },
};

/** What the program registers for {@link CONFIG}, read as preflight reads it. */
export async function fixtureDeployment(): Promise<DeclaredDeployment> {
  const evaluation = await evaluate({ config: CONFIG });
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
