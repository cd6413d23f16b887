/**
 * `callgraph audit` of 1,000 1st-gen functions against the loopback fake Google (tests/live/audit/support), read
 * two ways: one getIamPolicy per resource, and one Cloud Asset Inventory search (`--scope`). Prints wall time and
 * request count side by side. Run: npx tsx bench/audit.ts [functions]
 */
import { auth as authPlus } from "googleapis/build/src/apis/iam";
import { audit } from "../live/audit/audit";
import { createAuditClients } from "../live/audit/audit-clients";
import type { DeclaredAudit } from "../live/audit/declared";
import { readLive } from "../live/audit/read-live";
import { GoogleAuth } from "../live/google-clients";
import { FAKE_TOKEN, FakeEstateServer, type FakeEstate } from "../tests/live/audit/support/fake-estate";

const PROJECT = "bench-audit";
const REGION = "europe-west1";

export interface AuditBenchRow {
  readonly mode: "per-resource" | "asset";
  readonly functions: number;
  readonly wallMs: number;
  readonly requests: number;
  readonly findings: number;
}

/** A chain f0000 -> f0001 -> ...: every function is invoked by the previous one's account, as declared. */
function estateOf(n: number): { declared: DeclaredAudit; estate: FakeEstate } {
  const names = Array.from({ length: n }, (_, i) => `f${String(i).padStart(4, "0")}`);
  const sa = (name: string) => `fn-${name}@${PROJECT}.iam.gserviceaccount.com`;
  const declared: DeclaredAudit = {
    project: PROJECT,
    region: REGION,
    inheritedInvokers: [],
    functions: names.map((name, i) => ({
      name,
      generation: 1,
      region: REGION,
      serviceAccount: sa(name),
      invokers:
        i === 0
          ? []
          : [{ member: `serviceAccount:${sa(names[i - 1]!)}`, role: "roles/cloudfunctions.invoker" }],
    })),
  };
  const estate: FakeEstate = {
    projectId: PROJECT,
    projectNumber: "777",
    region: REGION,
    ancestors: [{ type: "organization", id: "999" }],
    functions: names.map((name) => ({
      name,
      generation: 1,
      serviceAccountEmail: sa(name),
      environmentVariables: {},
    })),
    policies: Object.fromEntries(
      declared.functions.map((f) => [
        `projects/${PROJECT}/locations/${REGION}/functions/${f.name}`,
        f.invokers.map((i) => ({ role: i.role, members: [i.member] })),
      ]),
    ),
    accounts: Object.fromEntries(names.map((name) => [sa(name), {}])),
    assetEnabled: true,
    pageSize: 500,
    failures: {},
  };
  return { declared, estate };
}

export async function benchAudit(n = 1000): Promise<AuditBenchRow[]> {
  const rows: AuditBenchRow[] = [];
  for (const mode of ["per-resource", "asset"] as const) {
    const { declared, estate } = estateOf(n);
    const fake = await FakeEstateServer.start(estate);
    try {
      const client = new authPlus.OAuth2();
      client.setCredentials({ access_token: FAKE_TOKEN, expiry_date: Date.now() + 3_600_000 });
      const clients = createAuditClients({
        auth: new GoogleAuth({ authClient: client }),
        apiRoot: fake.root,
      });
      const start = performance.now();
      const live = await readLive(clients, {
        project: PROJECT,
        region: REGION,
        declaredAccounts: declared.functions.map((f) => f.serviceAccount),
        ...(mode === "asset" ? { scope: "organizations/999" } : {}),
      });
      const result = audit(declared, live, "bench");
      rows.push({
        mode,
        functions: n,
        wallMs: performance.now() - start,
        requests: fake.requests.length,
        findings: result.findings.length + result.notVisible.length,
      });
    } finally {
      await fake.close();
    }
  }
  return rows;
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? 1000);
  void benchAudit(n).then((rows) => {
    console.log("mode          functions  wall (ms)  requests  findings+not-visible");
    for (const r of rows)
      console.log(
        `${r.mode.padEnd(12)}  ${String(r.functions).padStart(9)}  ${r.wallMs.toFixed(0).padStart(9)}  ${String(r.requests).padStart(8)}  ${String(r.findings).padStart(8)}`,
      );
  });
}
