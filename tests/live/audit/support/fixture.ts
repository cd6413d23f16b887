import { auth as authPlus } from "googleapis/build/src/apis/iam";
import { audit } from "../../../../live/audit/audit";
import { createAuditClients, type AuditClients } from "../../../../live/audit/audit-clients";
import type { AuditResult } from "../../../../live/audit/findings";
import { readLive } from "../../../../live/audit/read-live";
import { CALLEES_ENV, declaredAudit, type DeclaredAudit } from "../../../../live/audit/declared";
import { GoogleAuth } from "../../../../live/google-clients";
import { evaluateFixture, fixtureSource } from "../../../fixtures";
import { FAKE_TOKEN, FakeEstateServer, type FakeEstate } from "./fake-estate";

export const PROJECT = "audit-test";
export const PROJECT_NUMBER = "424242";
export const REGION = "europe-west1";
export const FOLDER = "111";
export const ORGANIZATION = "999";

/** Two 1st-gen functions with an edge and a group invoker, and a public 2nd-gen function that calls one of them
 * (the fixture functions of tests/fixtures/functions: alpha and gamma call beta, as declared). Generations are
 * written out: the tests do not depend on the stack's default. */
export const CONFIG = {
  "gcp:project": PROJECT,
  "gcp:region": REGION,
  "callgraph:projectNumber": PROJECT_NUMBER,
  "callgraph:functions": {
    alpha: { generation: 1, calls: ["beta"], source: fixtureSource("alpha") },
    beta: { generation: 1, invokers: ["group:devs@example.com"], source: fixtureSource("beta") },
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
  // The declaration's own project and region (the fixture's, or a test's own stack).
  const PROJECT = declared.project;
  const REGION = declared.region;
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

/**
 * Reads the estate (the matching one, changed by `change`) through the real clients and audits it against
 * `declared`; proves no request went anywhere the fake has no route for.
 */
export async function auditEstate(
  declared: DeclaredAudit,
  change: (e: FakeEstate) => void = () => undefined,
  stack = "test",
): Promise<{ result: AuditResult; fake: FakeEstateServer }> {
  const estate = matchingEstate(declared);
  change(estate);
  const fake = await FakeEstateServer.start(estate);
  try {
    const live = await readLive(testClients(fake.root), {
      project: PROJECT,
      region: REGION,
      declaredAccounts: declared.functions.flatMap((f) => [
        f.serviceAccount,
        ...(f.buildServiceAccount ? [f.buildServiceAccount] : []),
      ]),
    });
    if (fake.unexpected.length > 0)
      throw new Error(
        `unexpected requests: ${fake.unexpected.map((r) => `${r.method} ${r.path}`).join(", ")}`,
      );
    return { result: audit(declared, live, stack), fake };
  } finally {
    await fake.close();
  }
}

/** Adds `member` with `role` to the policy at `where` (a resource name, or `projects/-/serviceAccounts/EMAIL`). */
export function addBinding(e: FakeEstate, where: string, role: string, member: string): void {
  const policy = (e.policies[where] ??= []);
  if ("status" in policy) throw new Error("refused policy");
  policy.push({ role, members: [member] });
}
