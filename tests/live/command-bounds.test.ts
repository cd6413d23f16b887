import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { evaluate } from "../../engine";
import { declaredAudit } from "../../live/audit/declared";
import { declaredDeployment } from "../../live/preflight/declared";
import { fn, ProgramRepo } from "../cli/support/program-repo";
import { FakeEstateServer } from "./audit/support/fake-estate";
import { matchingEstate } from "./audit/support/fixture";
import { writeExternalAccountAdc } from "./support/adc";
import { healthyProject } from "./support/deployment";
import { FakeGoogle } from "./support/fake-google";
import type { Misbehaviour } from "./support/google-http";
import { CALLGRAPH_BIN } from "../local/temp-project";

/**
 * The real CLI in its own process (bin/callgraph.js: Application Default Credentials of type external_account,
 * gaxios and node-fetch as a user runs them), against loopback Google stand-ins that misbehave: an API that never
 * answers, a sign-in page answering 200. And a trap for every other way out (an HTTP(S) proxy, the GCE metadata
 * server, `gcloud`), to prove that with --api-root nothing but the stand-in is contacted.
 */

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function callgraph(args: string[], env: Record<string, string>): Promise<Outcome> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run(process.execPath, [CALLGRAPH_BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: home, ...env },
      timeout: 110_000,
    });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "", ms: Date.now() - started };
  }
}

/** The CLI's own lines on stderr (the program's warnings, printed by the engine, come before them). */
const cliLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("callgraph: "));

/** Any way out of loopback but the stand-in: records every request and CONNECT, and answers none usefully. */
class Trap {
  readonly seen: string[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly address: string,
  ) {}
  static async start(): Promise<Trap> {
    let trap: Trap | undefined;
    const server = http.createServer((req, res) => {
      trap!.seen.push(`${req.method} ${req.headers.host ?? ""}${req.url}`);
      res.writeHead(502).end();
    });
    server.on("connect", (req, socket) => {
      trap!.seen.push(`CONNECT ${req.url}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    trap = new Trap(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    return trap;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let home: string;
let repo: ProgramRepo;
let preflightProject: ReturnType<typeof healthyProject>;
let estate: ReturnType<typeof matchingEstate>;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-home-"));
  // 1st gen, an edge and nothing else: a stack whose program prints no warning.
  repo = ProgramRepo.create().topology({
    caller: fn({ calls: ["callee"] }),
    callee: fn({ code: "hello" }),
  });
  const evaluation = await evaluate({ programDir: repo.dir, stack: "dev" });
  preflightProject = healthyProject(declaredDeployment(evaluation.resources, evaluation.project));
  estate = matchingEstate(
    declaredAudit(evaluation.graph, evaluation.resources, evaluation.project, "europe-west1"),
  );
}, 60_000);

afterAll(() => {
  repo?.dispose();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Runs `args` against a preflight stand-in that misbehaves as told, with ADC pointing at its STS. */
async function preflightAgainst(misbehave: Record<string, Misbehaviour>, args: string[] = []) {
  const fake = await FakeGoogle.start({ ...structuredClone(preflightProject), misbehave });
  const adc = writeExternalAccountAdc(fake.root);
  try {
    const outcome = await callgraph(["preflight", "--dir", repo.dir, "--api-root", fake.root, ...args], {
      GOOGLE_APPLICATION_CREDENTIALS: adc.file,
    });
    return { ...outcome, fake };
  } finally {
    await fake.close();
    fs.rmSync(adc.dir, { recursive: true, force: true });
  }
}

async function auditAgainst(misbehave: Record<string, Misbehaviour>, args: string[] = []) {
  const fake = await FakeEstateServer.start({ ...structuredClone(estate), misbehave });
  const adc = writeExternalAccountAdc(fake.root);
  try {
    const outcome = await callgraph(["audit", "--dir", repo.dir, "--api-root", fake.root, ...args], {
      GOOGLE_APPLICATION_CREDENTIALS: adc.file,
    });
    return { ...outcome, fake };
  } finally {
    await fake.close();
    fs.rmSync(adc.dir, { recursive: true, force: true });
  }
}

const EVERY_PREFLIGHT_API = [
  "/serviceusage/",
  "/cloudfunctions/",
  "/cloudresourcemanager/",
  "/orgpolicy/",
  "/iam/",
];
const EVERY_AUDIT_API = ["/cloudfunctions/", "/cloudresourcemanager/", "/iam/", "/run/"];
const signInPages = (prefixes: string[]) =>
  Object.fromEntries(prefixes.map((p) => [p, "sign-in-page" as const]));

// Each case has its own stand-in and waits out its own deadline: they run at once.
describe("an API that never answers: the command ends within its deadline, exit 2, one line naming the API", () => {
  test.concurrent(
    "preflight, --deadline 3, Org Policy hanging",
    async () => {
      const { code, stdout, stderr, ms } = await preflightAgainst({ "/orgpolicy/": "hang" }, [
        "--deadline",
        "3",
      ]);
      expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
      expect(cliLines(stderr)).toEqual([
        expect.stringMatching(
          /^callgraph: preflight: no answer from orgpolicy\.googleapis\.com within the 3 s deadline \(--deadline\): stopped waiting\. Check that it .*or allow longer with --deadline SECONDS$/,
        ),
      ]);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(ms).toBeLessThan(60_000);
    },
    120_000,
  );

  test.concurrent(
    "audit, --deadline 3, Resource Manager hanging",
    async () => {
      const { code, stdout, stderr, ms } = await auditAgainst({ "/cloudresourcemanager/": "hang" }, [
        "--deadline",
        "3",
      ]);
      expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
      expect(cliLines(stderr)).toEqual([
        expect.stringMatching(
          /^callgraph: audit: no answer from cloudresourcemanager\.googleapis\.com within the 3 s deadline \(--deadline\)/,
        ),
      ]);
      expect(ms).toBeLessThan(60_000);
    },
    120_000,
  );

  test.concurrent(
    "preflight, --timeout 1 under the default deadline: the per-request timeout ends it, naming --timeout",
    async () => {
      const { code, stderr, ms, fake } = await preflightAgainst({ "/iam/": "hang" }, ["--timeout", "1"]);
      expect(code).toBe(2);
      expect(cliLines(stderr)).toEqual([
        expect.stringMatching(
          /^callgraph: preflight: no answer from iam\.googleapis\.com within 1 s, on each of 2 attempts \(--timeout\)/,
        ),
      ]);
      expect(ms).toBeLessThan(60_000);
      expect(fake.requests.length).toBeGreaterThan(0);
    },
    120_000,
  );

  test.concurrent(
    "the credentials' token endpoint (STS) never answering ends it too",
    async () => {
      const { code, stderr, ms } = await auditAgainst({ "/sts/": "hang" }, ["--deadline", "3"]);
      expect(code).toBe(2);
      expect(cliLines(stderr)).toEqual([
        expect.stringMatching(/^callgraph: audit: no answer from .* within the 3 s deadline \(--deadline\)/),
      ]);
      expect(ms).toBeLessThan(60_000);
    },
    120_000,
  );

  test.concurrent(
    "and its per-request timeout bounds the exchange itself, under the default deadline",
    async () => {
      // The exchange's own gaxios instance gets the per-attempt timer too (loadCredentials), not only the API calls.
      const { code, stderr, ms } = await auditAgainst({ "/sts/": "hang" }, ["--timeout", "1"]);
      expect(code).toBe(2);
      expect(cliLines(stderr)).toEqual([
        expect.stringMatching(
          /^callgraph: audit: no answer from .* within 1 s, on each of 2 attempts \(--timeout\)/,
        ),
      ]);
      expect(ms).toBeLessThan(60_000);
    },
    120_000,
  );
});

describe("a sign-in page answering 200: exit 1, saying what could not be read", () => {
  test.concurrent(
    "preflight",
    async () => {
      const { code, stdout, stderr } = await preflightAgainst(signInPages(EVERY_PREFLIGHT_API));
      expect(code).toBe(1);
      expect(cliLines(stderr)).toEqual([
        expect.stringMatching(
          /^callgraph: preflight: \d+ checks of project callgraph-diff-test could not be made \(.+\), with malformed answers from cloudfunctions\.googleapis\.com, cloudresourcemanager\.googleapis\.com, iam\.googleapis\.com, orgpolicy\.googleapis\.com, serviceusage\.googleapis\.com: not known to pass/,
        ),
      ]);
      expect(stdout).toContain("NOT VISIBLE");
      expect(stdout).toContain('an HTML page ("Sign in - Google Accounts"), not JSON');
      expect(stdout).not.toMatch(/^Nothing blocks a deploy\.$/m);
      expect(stdout + stderr).not.toMatch(/Cannot read propert|TypeError/);
    },
    120_000,
  );

  test.concurrent(
    "audit",
    async () => {
      const { code, stdout, stderr } = await auditAgainst(signInPages(EVERY_AUDIT_API));
      expect(code).toBe(1);
      expect(cliLines(stderr)).toEqual([
        expect.stringMatching(
          /^callgraph: audit: project callgraph-diff-test could not read \d+ sources \(.+, with malformed answers from cloudfunctions\.googleapis\.com, cloudresourcemanager\.googleapis\.com, iam\.googleapis\.com; not visible: not known to be clean\)/,
        ),
      ]);
      expect(stdout).toContain("NOT VISIBLE");
      expect(stdout).not.toMatch(/^No drift: the live project grants what the declaration does\.$/m);
      expect(stdout + stderr).not.toMatch(/Cannot read propert|TypeError/);
    },
    120_000,
  );
});

describe("with --api-root, nothing but the stand-in is contacted (issue 18 §3)", () => {
  let trap: Trap;
  let bin: string;
  let marker: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    trap = await Trap.start();
    // A `gcloud` that records being run: google-auth-library runs `gcloud config config-helper` to find a project.
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-bin-"));
    marker = path.join(bin, "gcloud-was-run");
    fs.writeFileSync(path.join(bin, "gcloud"), `#!/bin/sh\necho "$@" >> "${marker}"\nexit 1\n`, {
      mode: 0o755,
    });
    env = {
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
      // Every request that would leave through a proxy, and the metadata server, reach the trap instead.
      HTTPS_PROXY: `http://${trap.address}`,
      HTTP_PROXY: `http://${trap.address}`,
      NO_PROXY: "127.0.0.1,localhost",
      GCE_METADATA_HOST: trap.address,
      CLOUDSDK_CONFIG: path.join(home, "gcloud"),
    };
  });
  afterAll(async () => {
    await trap.close();
    fs.rmSync(bin, { recursive: true, force: true });
  });

  test("the trap is no rubber stamp: credentials asked for a project without one reach it", async () => {
    const fake = await FakeEstateServer.start(structuredClone(estate));
    const adc = writeExternalAccountAdc(fake.root);
    try {
      const script =
        'const { GoogleAuth } = require("google-auth-library");' +
        'new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] }).getProjectId().then(() => {}, () => {});';
      await run(process.execPath, ["-e", script], {
        cwd: path.resolve(__dirname, "../.."),
        env: { ...env, HOME: home, GOOGLE_APPLICATION_CREDENTIALS: adc.file },
        timeout: 60_000,
      }).catch(() => undefined);
      expect(trap.seen.length > 0 || fs.existsSync(marker)).toBe(true);
    } finally {
      await fake.close();
      fs.rmSync(adc.dir, { recursive: true, force: true });
      trap.seen.length = 0;
      fs.rmSync(marker, { force: true });
    }
  }, 120_000);

  test.each(["audit", "preflight"] as const)(
    "%s",
    async (command) => {
      const fake =
        command === "audit"
          ? await FakeEstateServer.start(structuredClone(estate))
          : await FakeGoogle.start(structuredClone(preflightProject));
      const adc = writeExternalAccountAdc(fake.root);
      try {
        const { code, stderr } = await callgraph([command, "--dir", repo.dir, "--api-root", fake.root], {
          ...env,
          GOOGLE_APPLICATION_CREDENTIALS: adc.file,
        });
        // The stand-in answered (0: clean, 1: findings), and credentials worked: no usage error.
        expect({ command, code, lines: cliLines(stderr).filter((l) => /credentials/i.test(l)) }).toEqual({
          command,
          code: expect.any(Number),
          lines: [],
        });
        expect(code).toBeLessThan(2);
        expect(fake.requests.length).toBeGreaterThan(1);
        expect(fake.unexpected).toEqual([]);
        expect(trap.seen).toEqual([]);
        expect(fs.existsSync(marker)).toBe(false);
      } finally {
        await fake.close();
        fs.rmSync(adc.dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
