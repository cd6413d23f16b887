import { declaredDeployment, type DeclaredDeployment } from "../../../live/preflight/declared";
import { requiredApis } from "../../../live/preflight/check-apis";
import { membersToLookUp } from "../../../live/preflight/check-members";
import { requiredPermissions } from "../../../live/preflight/deploy-permissions";
import { agentsNeeded } from "../../../live/preflight/check-service-agents";
import { SERVICE_AGENT_ROLES, serviceAgentEmail } from "../../../iam";
import { evaluateFixture, fixtureSource, runs } from "../../fixtures";
import type { FakeProject } from "./fake-google";

export const PROJECT = "preflight-test";
export const REGION = "europe-west1";

/** The group the fixture grants: at a domain that is not reserved (RFC 2606), so it could exist. */
export const GROUP = "group:devs@callgraph-fixture.dev";

/**
 * A fixture declaration: two 1st-gen functions with an edge, one public 2nd-gen function. The code is the fixture
 * functions' (DESIGN.md invariant 12): alpha's code calls beta, as declared; gamma runs relay, which calls only what its
 * function declares (nothing here). Generations are written out: the tests do not depend on the stack's default.
 */
export const CONFIG = {
  "gcp:project": PROJECT,
  "gcp:region": REGION,
  "callgraph:projectNumber": "424242",
  "callgraph:functions": {
    alpha: { generation: 1, calls: ["beta"], source: fixtureSource("alpha") },
    beta: { generation: 1, invokers: [GROUP], source: fixtureSource("beta") },
    gamma: { generation: 2, invokers: ["allUsers"], ...runs("relay") },
  },
};

/** What the program registers for `config` (default {@link CONFIG}) on the fixture stack, read as preflight reads it. */
export async function fixtureDeployment(
  config: Record<string, unknown> = CONFIG,
): Promise<DeclaredDeployment> {
  const evaluation = await evaluateFixture({ config });
  return declaredDeployment(evaluation.resources, evaluation.project);
}

/** A project where everything the deployment needs is in place: the "all well" baseline tests change. */
export function healthyProject(deployment: DeclaredDeployment): FakeProject {
  // The number the program was given: the live one, as preflight's project-number check expects.
  const projectNumber = deployment.projectNumbers[0] ?? "424242";
  return {
    projectId: deployment.project,
    projectNumber,
    enabled: new Set(requiredApis(deployment).map((a) => a.service)),
    // Every runtime the deployment uses, offered for its generation in its region.
    runtimes: Object.fromEntries(
      [...new Set(deployment.functions.map((f) => f.region))].map((region) => [
        region,
        [
          ...new Set(
            deployment.functions
              .filter((f) => f.region === region)
              .map((f) => `${f.runtime}\0GEN_${f.generation}`),
          ),
        ].map((key) => {
          const [name, environment] = key.split("\0") as [string, "GEN_1" | "GEN_2"];
          return { name, environment, stage: "GA" };
        }),
      ]),
    ),
    held: new Set(requiredPermissions(deployment).permissions.map((p) => p.permission)),
    // The invoker check cannot be switched off: enforced, as a careful organization has it.
    policies: { "run.managed.requireInvokerIam": { rules: [{ enforce: true }] } },
    accounts: {},
    failures: {},
    groups: Object.fromEntries(membersToLookUp(deployment).groups.map((g) => [g, true as const])),
    // Every agent the deployment relies on, created and holding its role, as Google leaves them.
    projectBindings: agentsNeeded(deployment.resources).map(({ product }) => ({
      role: SERVICE_AGENT_ROLES[product],
      members: [`serviceAccount:${serviceAgentEmail(product, projectNumber)}`],
    })),
  };
}
