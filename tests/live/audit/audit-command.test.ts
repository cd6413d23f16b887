import * as fs from "node:fs";
import * as path from "node:path";
import { auth as authPlus } from "googleapis/build/src/apis/iam";
import { stringify } from "yaml";
import { runAuditCommand } from "../../../cli/commands/audit";
import { CheckFailed, UsageError } from "../../../cli/errors";
import { AUDIT_MARKER } from "../../../cli/audit/render-markdown";
import { GoogleAuth } from "../../../live/google-clients";
import { ProgramRepo } from "../../cli/support/program-repo";
import { fixtureSource, REPO_ROOT, type FixtureCode } from "../../fixtures";
import { FAKE_TOKEN, FakeEstateServer, type FakeEstate } from "./support/fake-estate";

const PROJECT = "audit-command-test";
const REGION = "europe-west1";
const sa = (name: string) => `fn-${name}@${PROJECT}.iam.gserviceaccount.com`;

// A temporary copy of this repository's program with a stack of its own (never a file in the repository root,
// where tests/stack discovers every stack file). Its functions are fixtures, alpha calling beta as declared,
// copied with the library they import to the same paths as here, so their sources and relative imports resolve.
const STACK = "audit";
let repo: ProgramRepo;
beforeAll(() => {
  repo = ProgramRepo.create();
  const copy = (folder: string) =>
    fs.cpSync(path.join(REPO_ROOT, folder), path.join(repo.dir, folder), { recursive: true });
  for (const code of ["alpha", "beta"] satisfies FixtureCode[]) copy(fixtureSource(code));
  copy(path.join("functions", "shared"));
  repo.write(
    `Pulumi.${STACK}.yaml`,
    stringify({
      config: {
        "gcp:project": PROJECT,
        "gcp:region": REGION,
        // Written out: the estate below is 1st gen, whatever the stack's default becomes.
        "callgraph:generation": 1,
        "callgraph:functions": {
          alpha: { calls: ["beta"], source: fixtureSource("alpha") },
          beta: { source: fixtureSource("beta") },
        },
      },
    }),
  );
});
afterAll(() => repo?.dispose());

/** A live estate where `alpha` is deployed as declared and `beta` lets `alpha` in, plus `change`. */
function estate(change: (e: FakeEstate) => void): FakeEstate {
  const e: FakeEstate = {
    projectId: PROJECT,
    projectNumber: "1234",
    region: REGION,
    ancestors: [{ type: "organization", id: "999" }],
    functions: ["alpha", "beta"].map((name) => ({
      name,
      generation: 1 as const,
      serviceAccountEmail: sa(name),
      buildServiceAccount: `projects/${PROJECT}/serviceAccounts/callgraph-build@${PROJECT}.iam.gserviceaccount.com`,
      environmentVariables: {
        CALLGRAPH_CALLEES: JSON.stringify(
          name === "alpha" ? { beta: `https://${REGION}-${PROJECT}.cloudfunctions.net/beta` } : {},
        ),
      },
    })),
    policies: {
      [`projects/${PROJECT}/locations/${REGION}/functions/beta`]: [
        { role: "roles/cloudfunctions.invoker", members: [`serviceAccount:${sa("alpha")}`] },
      ],
    },
    accounts: {},
    assetEnabled: true,
    pageSize: 50,
    failures: {},
  };
  change(e);
  return e;
}

/**
 * Runs the command against the fake with an injected access token. (The ADC `external_account` path, STS at the
 * fake, does not complete under jest yet: google-auth-library's STS exchange fails with "Unexpected Gaxios Error"
 * here; see the report.)
 */
async function command(flags: Record<string, unknown>, change: (e: FakeEstate) => void = () => undefined) {
  const fake = await FakeEstateServer.start(estate(change));
  const client = new authPlus.OAuth2();
  client.setCredentials({ access_token: FAKE_TOKEN, expiry_date: Date.now() + 3_600_000 });
  const auth = new GoogleAuth({ authClient: client });
  let out = "";
  const progress: string[] = [];
  try {
    const run = runAuditCommand(
      { dir: repo.dir, stack: STACK, apiRoot: fake.root, ...flags },
      (t) => (out += t),
      {
        auth,
        env: {},
        fetchImplementation: globalThis.fetch,
        progress: { write: (t) => progress.push(t), tty: false },
      },
    );
    const outcome = await run.then(
      (report) => ({ report, error: undefined }),
      (error: unknown) => ({ report: undefined, error }),
    );
    return { ...outcome, out, fake, progress };
  } finally {
    await fake.close();
  }
}

describe("callgraph audit (command)", () => {
  test("a clean project: exit 0, every read answered", async () => {
    const { error, out, fake } = await command({ format: "table" });
    expect(error).toBeUndefined();
    expect(out).toContain("No drift: the live project grants what the declaration does.");
    expect(fake.unexpected).toEqual([]);
  }, 60_000);

  test("drift: exit 1 (CheckFailed), markdown with the marker the workflow looks for and the diff's badges", async () => {
    const { error, out } = await command({ format: "markdown" }, (e) => {
      e.policies[`projects/${PROJECT}/locations/${REGION}/functions/alpha`] = [
        { role: "roles/cloudfunctions.invoker", members: ["allUsers"] },
      ];
    });
    expect(error).toBeInstanceOf(CheckFailed);
    expect((error as Error).message).toBe(
      `audit: project ${PROJECT} has 1 finding (public-exposure). Fix each finding as its "fix" says, or declare what is intended`,
    );
    expect(out.split("\n").slice(0, 3)).toEqual([
      AUDIT_MARKER,
      "### Call graph audit: 1 high · 0 medium · 0 low",
      "",
    ]);
    expect(out).toContain("| 🔴 high | public-exposure | `allUsers → alpha` |");
  }, 60_000);

  test("json has schemaVersion first and the risk of each finding; sarif is 2.1.0 located at the stack file", async () => {
    const change = (e: FakeEstate) => {
      e.accounts[sa("beta")] = { keys: ["abc"] };
    };
    const json = await command({ format: "json" }, change);
    const doc = JSON.parse(json.out) as { schemaVersion: number; findings: { kind: string; risk: string }[] };
    expect(Object.keys(doc)[0]).toBe("schemaVersion");
    expect(doc.findings).toEqual([expect.objectContaining({ kind: "account-keys", risk: "high" })]);
    const sarif = JSON.parse((await command({ format: "sarif" }, change)).out) as {
      version: string;
      runs: {
        results: {
          ruleId: string;
          level: string;
          locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
        }[];
      }[];
    };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]!.results).toEqual([
      expect.objectContaining({
        ruleId: "account-keys",
        level: "error",
        locations: [
          expect.objectContaining({
            physicalLocation: expect.objectContaining({
              artifactLocation: { uri: `Pulumi.${STACK}.yaml`, uriBaseId: "%SRCROOT%" },
            }),
          }),
        ],
      }),
    ]);
  }, 60_000);

  test("--fail-on narrows what fails; not visible fails by default; bad flags are usage errors", async () => {
    const hidden = (e: FakeEstate) => {
      e.policies["organizations/999"] = { status: 403 };
    };
    expect((await command({}, hidden)).error).toBeInstanceOf(CheckFailed);
    expect((await command({ failOn: ["high"] }, hidden)).error).toBeUndefined();
    for (const flags of [
      { failOn: ["loud"] },
      { scope: "bucket/x" },
      { format: "yaml" },
      { apiRoot: "not a url" },
    ])
      expect((await command(flags)).error).toBeInstanceOf(UsageError);
  }, 60_000);
});
