import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { promisify } from "node:util";
import { ProgramRepo, fn } from "../cli/support/program-repo";
import { writeExternalAccountAdc } from "./support/adc";
import { healthyProject } from "./support/deployment";
import { FAKE_ACCESS_TOKEN, FakeGoogle } from "./support/fake-google";
import { evaluate } from "../../engine";
import { declaredDeployment } from "../../live/preflight/declared";
import { CALLGRAPH_BIN } from "../local/temp-project";

const run = promisify(execFile);

/** Runs the real CLI in its own process: Application Default Credentials, gaxios and all, as a user runs it. */
async function callgraph(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CALLGRAPH_BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("callgraph preflight, end to end (bin/callgraph.js, external_account ADC, loopback Google)", () => {
  let repo: ProgramRepo;
  let fake: FakeGoogle;
  let adc: { file: string; dir: string };

  beforeAll(async () => {
    repo = ProgramRepo.create().topology({
      caller: fn({ calls: ["callee"] }),
      callee: fn({ code: "hello" }),
    });
    const evaluation = await evaluate({ programDir: repo.dir, stack: "dev" });
    const project = healthyProject(declaredDeployment(evaluation.resources, evaluation.project));
    project.runtimes = { "europe-west1": [{ name: "nodejs22", environment: "GEN_2", stage: "GA" }] };
    fake = await FakeGoogle.start(project);
    adc = writeExternalAccountAdc(fake.root);
  });

  afterAll(async () => {
    await fake.close();
    repo.dispose();
    fs.rmSync(adc.dir, { recursive: true, force: true });
  });

  test("reports the blocker as JSON, exits 1, and reached every API under CALLGRAPH_GOOGLE_API_ROOT with the STS token", async () => {
    const { code, stdout, stderr } = await callgraph(["preflight", "--dir", repo.dir, "--format", "json"], {
      GOOGLE_APPLICATION_CREDENTIALS: adc.file,
      CALLGRAPH_GOOGLE_API_ROOT: fake.root,
    });
    expect({ code, stderr }).toEqual({ code: 1, stderr: expect.stringContaining("block") });
    const report = JSON.parse(stdout) as {
      schemaVersion: number;
      passed: boolean;
      findings: { severity: string; subject: string }[];
    };
    expect(report).toMatchObject({ schemaVersion: 1, passed: false, apiRoot: fake.root });
    expect(
      report.findings
        .filter((f) => f.severity === "blocker")
        .map((f) => f.subject)
        .sort(),
    ).toEqual(["callee (gen 1, nodejs22, europe-west1)", "caller (gen 1, nodejs22, europe-west1)"]);
    // A line of its own: the program's warnings come first (this fixture's caller code grants an edge it does
    // not call, which the program reports as an unused grant).
    expect(stderr).toMatch(
      /^callgraph: preflight: 2 findings block a deploy of stack dev to project callgraph-diff-test/m,
    );
    // The real ADC path ran: the subject token was exchanged at the fake STS, and its token used everywhere.
    expect(fake.paths()).toContain("/sts/v1/token");
    const apiCalls = fake.requests.filter((r) => r.url !== "/sts/v1/token");
    expect(apiCalls.length).toBeGreaterThan(5);
    expect(apiCalls.every((r) => r.authorization === `Bearer ${FAKE_ACCESS_TOKEN}`)).toBe(true);
    expect(new Set(apiCalls.map((r) => r.url.split("/")[1]))).toEqual(
      new Set(["serviceusage", "cloudfunctions", "cloudresourcemanager", "orgpolicy", "iam"]),
    );
  });

  test("usage errors exit 2 with the culprit named", async () => {
    const env = { GOOGLE_APPLICATION_CREDENTIALS: adc.file };
    const badFormat = await callgraph(["preflight", "--dir", repo.dir, "--format", "xml"], env);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be table or json, not "xml"');
    const badRoot = await callgraph(["preflight", "--dir", repo.dir, "--api-root", "ftp://127.0.0.1"], env);
    expect(badRoot.code).toBe(2);
    expect(badRoot.stderr).toContain('--api-root "ftp://127.0.0.1" must be an http or https URL');
  });
});

describe("callgraph preflight refuses a member at a reserved example domain (issue 17 §4)", () => {
  let repo: ProgramRepo;
  let fake: FakeGoogle;
  let adc: { file: string; dir: string };

  beforeAll(async () => {
    repo = ProgramRepo.create().topology({
      caller: fn({ calls: ["callee"] }),
      callee: fn({ code: "hello", invokers: ["group:platform-team@example.org"] }),
    });
    const evaluation = await evaluate({ programDir: repo.dir, stack: "dev" });
    // Everything else in place: the member is the one blocker.
    fake = await FakeGoogle.start(
      healthyProject(declaredDeployment(evaluation.resources, evaluation.project)),
    );
    adc = writeExternalAccountAdc(fake.root);
  }, 60_000);

  afterAll(async () => {
    await fake.close();
    repo.dispose();
    fs.rmSync(adc.dir, { recursive: true, force: true });
  });

  test("exit 1, naming group:platform-team@example.org, why it cannot exist and the fix", async () => {
    const { code, stdout, stderr } = await callgraph(["preflight", "--dir", repo.dir], {
      GOOGLE_APPLICATION_CREDENTIALS: adc.file,
      CALLGRAPH_GOOGLE_API_ROOT: fake.root,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^callgraph: preflight: 1 finding blocks a deploy of stack dev to project callgraph-diff-test$/m,
    );
    expect(stdout).toContain("BLOCKER [members] group:platform-team@example.org");
    expect(stdout).toContain(
      "group:platform-team@example.org is at example.org, which is reserved for examples and documentation (RFC 2606, RFC 6761)",
    );
    expect(stdout).toContain("`Error 400: … does not exist`");
    expect(stdout).toContain(`"user:$(gcloud config get account)"`);
    // Cloud Identity is not asked about a member that cannot exist.
    expect(fake.paths().some((p) => p.startsWith("/cloudidentity/"))).toBe(false);
  }, 120_000);
});
