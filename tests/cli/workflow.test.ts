import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { parse } from "yaml";
import { parseFailOn } from "../../cli/diff/fail-on";
import { COMMENT_MARKER } from "../../cli/render/diff-markdown";
import { runChecker } from "./support/child-check";
import type { WorkflowCheck } from "./support/workflow-check.mts";

const FILE = path.resolve(__dirname, "../../.github/workflows/callgraph.yml");
const TEXT = fs.readFileSync(FILE, "utf8");

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly "continue-on-error"?: boolean;
}
interface Job {
  readonly if?: string;
  readonly environment?: string | { readonly name: string };
  readonly needs?: unknown;
  readonly permissions: Record<string, string>;
  readonly steps: readonly Step[];
}
const WORKFLOW = parse(TEXT) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const { test: tests, review, check, preview } = WORKFLOW.jobs;
const step = (job: Job, predicate: (s: Step) => boolean) => job.steps.find(predicate);

describe(".github/workflows/callgraph.yml", () => {
  let checks: WorkflowCheck[];
  beforeAll(async () => {
    // The real file, and a broken copy to prove the validator is not a rubber stamp.
    const broken = TEXT.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest").replace(
      "${{ github.base_ref }}",
      "${{ github.base_ref == }}",
    );
    checks = await runChecker<WorkflowCheck[]>("workflow-check.mts", [
      { name: "callgraph.yml", content: TEXT },
      { name: "broken.yml", content: broken },
    ]);
  }, 60_000);

  test("GitHub's workflow parser accepts it", () => {
    expect(checks[0]).toEqual({ name: "callgraph.yml", errors: [] });
  });

  test("the same parser rejects a broken copy, naming the problems", () => {
    expect(checks[1].errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Unexpected value 'runs_on'/),
        expect.stringMatching(/Unexpected end of expression/),
      ]),
    );
  });

  test("runs on pull requests, read-only unless a job needs more, each job only what it needs", () => {
    expect(Object.keys(WORKFLOW.on)).toEqual(["pull_request"]);
    expect(WORKFLOW.permissions).toEqual({ contents: "read" });
    expect(tests.permissions).toEqual({ contents: "read" });
    expect(review.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(check.permissions).toEqual({ contents: "read", "security-events": "write", actions: "read" });
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write" });
    // Only the check job may write security events.
    expect(TEXT.match(/security-events: write/g)).toHaveLength(1);
  });

  test("the jobs are independent: the diff comment and the policy check never wait on (or skip for) the tests", () => {
    expect(Object.keys(WORKFLOW.jobs).sort()).toEqual(["check", "preview", "review", "test"]);
    for (const job of Object.values(WORKFLOW.jobs)) expect(job.needs).toBeUndefined();
    expect(tests.steps.map((s) => s.run?.trim()).filter(Boolean)).toEqual(["npm ci", "npm test"]);
    for (const job of [review, check, preview])
      expect(job.steps.some((s) => s.run?.includes("npm test"))).toBe(false);
  });

  test("every job runs a Node.js that package.json's engines accepts, with the npm cache", () => {
    const engines = (
      JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")) as {
        engines: { node: string };
      }
    ).engines.node;
    for (const [name, job] of Object.entries(WORKFLOW.jobs)) {
      const setup = step(job, (s) => s.uses?.startsWith("actions/setup-node@") ?? false);
      expect([name, setup?.with]).toEqual([name, { "node-version": 22, cache: "npm" }]);
      expect([name, semver.satisfies("22.12.0", engines)]).toEqual([name, true]);
    }
  });

  test("engines and the dependencies agree: every installed package accepts the oldest Node.js engines allows", () => {
    const engines = (
      JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")) as {
        engines: { node: string };
      }
    ).engines.node;
    const oldest = semver.minVersion(engines)!.version;
    const refusing: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (entry.startsWith(".")) continue;
        if (entry.startsWith("@")) {
          visit(path.join(dir, entry));
          continue;
        }
        const pkg = path.join(dir, entry, "package.json");
        if (fs.existsSync(pkg)) {
          const {
            name,
            version,
            engines: wanted,
          } = JSON.parse(fs.readFileSync(pkg, "utf8")) as {
            name?: string;
            version?: string;
            engines?: { node?: unknown };
          };
          const node = wanted?.node;
          if (typeof node === "string" && semver.validRange(node) && !semver.satisfies(oldest, node))
            refusing.push(`${name}@${version} (node ${node})`);
        }
        visit(path.join(dir, entry, "node_modules"));
      }
    };
    visit(path.resolve(__dirname, "../../node_modules"));
    expect(refusing).toEqual([]);
  });

  test("no step runs on always(): a cancelled run stops", () => {
    expect(TEXT).not.toContain("always()");
    const conditional = Object.values(WORKFLOW.jobs).flatMap((job) => job.steps.filter((s) => s.if));
    expect(conditional.length).toBeGreaterThan(0);
    for (const s of conditional) expect(s.if).toContain("!cancelled()");
  });

  test("review: full history, install, then the diff against the base branch, failing on public and undeclared by default", () => {
    expect(step(review, (s) => s.uses?.startsWith("actions/checkout@") ?? false)?.with).toEqual({
      "fetch-depth": 0,
      "persist-credentials": false,
    });
    const diff = step(review, (s) => s.id === "diff");
    expect(diff?.run).toContain(
      'node bin/callgraph.js diff --base "origin/${BASE_REF}" --head "$HEAD_SHA" --stack "$STACK" --format markdown --fail-on "$FAIL_ON"',
    );
    // The branch name reaches the script through the environment, never spliced into it.
    expect(diff?.env?.BASE_REF).toBe("${{ github.base_ref }}");
    // The head is the pull request's own commit, so call sites link to lines that exist on GitHub.
    expect(diff?.env?.HEAD_SHA).toBe("${{ github.event.pull_request.head.sha }}");
    expect(diff?.run).not.toContain("${{");
    // The repository variable overrides the default; every default class is one --fail-on accepts.
    expect(diff?.env?.FAIL_ON).toBe("${{ vars.CALLGRAPH_FAIL_ON || 'public,undeclared' }}");
    expect(parseFailOn(["public,undeclared"]).map((c) => c.name)).toEqual(["public", "undeclared"]);
  });

  test("check: SARIF to code scanning, then the job fails on a mandatory violation", () => {
    const run = step(check, (s) => s.id === "check");
    expect(run?.run).toContain(
      'node bin/callgraph.js check --stack "$STACK" --format sarif > callgraph.sarif',
    );
    expect(run?.run).toContain('echo "status=$?" >> "$GITHUB_OUTPUT"');
    const upload = step(check, (s) => s.uses?.startsWith("github/codeql-action/upload-sarif@") ?? false);
    expect(upload?.with).toEqual({ sarif_file: "callgraph.sarif" });
    expect(upload?.if).toContain("!cancelled()");
    // Uploaded before the verdict, which comes from the check's own exit status.
    const verdict = check.steps[check.steps.length - 1];
    expect(check.steps.indexOf(upload as Step)).toBeLessThan(check.steps.length - 1);
    expect(verdict.env?.STATUS).toBe("${{ steps.check.outputs.status }}");
    expect(verdict.run).toBe('exit "${STATUS:-3}"');
  });

  test("review: one sticky comment, found by the marker the markdown starts with", () => {
    const comment = step(review, (s) => s.uses?.startsWith("actions/github-script@") ?? false);
    const script = String(comment?.with?.script);
    expect(script).toContain(`const marker = "${COMMENT_MARKER}";`);
    expect(script).toContain("github.rest.issues.updateComment");
    expect(script).toContain("github.rest.issues.createComment");
    expect(comment?.if).toContain("!cancelled()");
  });

  test("preview: only with cloud access configured, through workload identity federation, with the policy pack", () => {
    expect(preview.if).toContain("vars.GCP_WORKLOAD_IDENTITY_PROVIDER != ''");
    const auth = step(preview, (s) => s.uses?.startsWith("google-github-actions/auth@") ?? false);
    expect(Object.keys(auth?.with ?? {}).sort()).toEqual(["service_account", "workload_identity_provider"]);
    expect(TEXT).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS/);
    const pulumi = step(preview, (s) => s.uses?.startsWith("pulumi/actions@") ?? false);
    expect(pulumi?.with).toMatchObject({ command: "preview", policyPacks: "policy" });
    // preflight reads the real project first, on the same stack.
    const preflight = step(preview, (s) => s.run?.includes("preflight") ?? false);
    // --strict: a check preflight could not make fails the job (preflight's default, pinned here).
    expect(preflight?.run).toBe('node bin/callgraph.js preflight --stack "$STACK" --strict');
    expect(preflight?.env?.STACK).toBe(pulumi?.with?.["stack-name"]);
    expect(preview.steps.indexOf(preflight as Step)).toBeLessThan(preview.steps.indexOf(pulumi as Step));
  });

  test("every job runs the pull request's code, and no checkout keeps its token (persist-credentials: false)", () => {
    for (const [name, job] of Object.entries(WORKFLOW.jobs)) {
      const checkouts = job.steps.filter((s) => s.uses?.startsWith("actions/checkout@"));
      expect([name, checkouts.length]).toEqual([name, 1]);
      for (const c of checkouts) expect([name, c.with?.["persist-credentials"]]).toEqual([name, false]);
    }
  });

  test("a job that holds cloud or Pulumi credentials sits behind a protected environment", () => {
    const holdsCredentials = (job: Job) =>
      job.permissions["id-token"] === "write" ||
      job.steps.some(
        (s) =>
          (s.uses?.startsWith("google-github-actions/auth@") ?? false) ||
          Object.values(s.env ?? {}).some((v) => /secrets\./.test(v)),
      );
    const holding = Object.entries(WORKFLOW.jobs).filter(([, job]) => holdsCredentials(job));
    expect(holding.map(([name]) => name)).toEqual(["preview"]);
    for (const [name, job] of holding) expect([name, job.environment]).toEqual([name, "callgraph-preview"]);
    // Jobs without credentials need no approval: they stay out of the environment.
    for (const [name, job] of Object.entries(WORKFLOW.jobs))
      if (!holdsCredentials(job)) expect([name, job.environment]).toEqual([name, undefined]);
  });
});
