import { auth as authPlus } from "googleapis/build/src/apis/iam";
import { createAuditClients, type AuditClients } from "../../../../live/audit/audit-clients";
import { CALLEES_ENV, declaredAudit, type DeclaredAudit } from "../../../../live/audit/declared";
import { GoogleAuth } from "../../../../live/google-clients";
import { evaluateFixture, fixtureSource } from "../../../fixtures";
import { FAKE_TOKEN, type FakeEstate } from "./fake-estate";

export const PROJECT = "audit-test";
export const PROJECT_NUMBER = "424242";
export const REGION = "europe-west1";
export const FOLDER = "111";
export const ORGANIZATION = "999";

/** Two 1st-gen functions with an edge and a group invoker, and a public 2nd-gen function that calls one of them
 * (the fixture functions of tests/fixtures/functions: alpha and gamma call beta, as declared). */
export const CONFIG = {
  "gcp:project": PROJECT,
  "gcp:region": REGION,
  "callgraph:projectNumber": PROJECT_NUMBER,
  "callgraph:functions": {
    alpha: { calls: ["beta"], source: fixtureSource("alpha") },
    beta: { invokers: ["group:devs@example.com"], source: fixtureSource("beta") },
    gamma: { generation: 2, calls: ["beta"], invokers: ["allUsers"], source: fixtureSource("gamma") },
  },
};

export async function fixtureDeclared(): Promise<DeclaredAudit> {
  const evaluation = await evaluateFixture({ config: CONFIG });
  return declaredAudit(evaluation.graph, evaluation.resources, evaluation.project, REGION);
}

/**
 * The live estate that matches the declaration exactly (every function deployed as declared, every declared grant
 * applied, no other invoker anywhere, keyless accounts): the clean baseline each test changes one thing in.
 */
export function matchingEstate(declared: DeclaredAudit): FakeEstate {
  const policies: FakeEstate["policies"] = {};
  const accounts: FakeEstate["accounts"] = {};
  const functions = declared.functions.map((d) => {
    const where = `projects/${PROJECT}/locations/${REGION}/${d.generation === 2 ? "services" : "functions"}/${d.name}`;
    const byRole = new Map<string, string[]>();
    for (const i of d.invokers) byRole.set(i.role, [...(byRole.get(i.role) ?? []), i.member]);
    policies[where] = [...byRole].map(([role, members]) => ({ role, members }));
    accounts[d.serviceAccount] = {};
    if (d.buildServiceAccount) accounts[d.buildServiceAccount] = {};
    return {
      name: d.name,
      generation: d.generation,
      serviceAccountEmail: d.serviceAccount,
      ...(d.buildServiceAccount
        ? { buildServiceAccount: `projects/${PROJECT}/serviceAccounts/${d.buildServiceAccount}` }
        : {}),
      environmentVariables: { [CALLEES_ENV]: JSON.stringify(d.callees ?? {}), CALLGRAPH_FUNCTION: d.name },
    };
  });
  // A project policy as real ones look: owners and service agents, none with an invoking role but the owner.
  policies[`projects/${PROJECT}`] = [
    {
      role: "roles/cloudfunctions.serviceAgent",
      members: [`serviceAccount:service-${PROJECT_NUMBER}@gcf-admin-robot.iam.gserviceaccount.com`],
    },
    {
      role: "roles/logging.logWriter",
      members: [`serviceAccount:callgraph-build@${PROJECT}.iam.gserviceaccount.com`],
    },
  ];
  return {
    projectId: PROJECT,
    projectNumber: PROJECT_NUMBER,
    region: REGION,
    ancestors: [
      { type: "folder", id: FOLDER },
      { type: "organization", id: ORGANIZATION },
    ],
    functions,
    policies,
    accounts,
    assetEnabled: true,
    pageSize: 50,
    failures: {},
  };
}

/** Clients with an injected access token (the ADC path runs in the command test); fast retries. */
export function testClients(root: string): AuditClients {
  const client = new authPlus.OAuth2();
  client.setCredentials({ access_token: FAKE_TOKEN, expiry_date: Date.now() + 3_600_000 });
  return createAuditClients({
    auth: new GoogleAuth({ authClient: client }),
    apiRoot: root,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    fetchImplementation: globalThis.fetch,
  });
}
