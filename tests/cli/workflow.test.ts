import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { COMMENT_MARKER } from "../../cli/render/diff-markdown";
import { runChecker } from "./support/child-check";
import type { WorkflowCheck } from "./support/workflow-check.mts";

const FILE = path.resolve(__dirname, "../../.github/workflows/callgraph.yml");
const TEXT = fs.readFileSync(FILE, "utf8");

interface Step {
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly if?: string;
  readonly permissions: Record<string, string>;
  readonly steps: readonly Step[];
}
const WORKFLOW = parse(TEXT) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const { review, preview } = WORKFLOW.jobs;
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

  test("runs on pull requests, read-only unless a job needs more", () => {
    expect(Object.keys(WORKFLOW.on)).toEqual(["pull_request"]);
    expect(WORKFLOW.permissions).toEqual({ contents: "read" });
    expect(review.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write" });
  });

  test("review: full history, Node 20 with the npm cache, install, test, then the diff against the base branch", () => {
    expect(step(review, (s) => s.uses?.startsWith("actions/checkout@") ?? false)?.with).toEqual({
      "fetch-depth": 0,
    });
    expect(step(review, (s) => s.uses?.startsWith("actions/setup-node@") ?? false)?.with).toEqual({
      "node-version": 20,
      cache: "npm",
    });
    const runs = review.steps.map((s) => s.run?.trim()).filter(Boolean);
    expect(runs.slice(0, 2)).toEqual(["npm ci", "npm test"]);
    const diff = step(review, (s) => s.id === "diff");
    expect(diff?.run).toContain('node bin/callgraph.js diff --base "origin/${BASE_REF}" --format markdown');
    // The branch name reaches the script through the environment, never spliced into it.
    expect(diff?.env?.BASE_REF).toBe("${{ github.base_ref }}");
    expect(diff?.run).not.toContain("${{");
  });

  test("review: one sticky comment, found by the marker the markdown starts with", () => {
    const comment = step(review, (s) => s.uses?.startsWith("actions/github-script@") ?? false);
    const script = String(comment?.with?.script);
    expect(script).toContain(`const marker = "${COMMENT_MARKER}";`);
    expect(script).toContain("github.rest.issues.updateComment");
    expect(script).toContain("github.rest.issues.createComment");
    expect(comment?.if).toContain("always()");
  });

  test("preview: only with cloud access configured, through workload identity federation, with the policy pack", () => {
    expect(preview.if).toContain("vars.GCP_WORKLOAD_IDENTITY_PROVIDER != ''");
    const auth = step(preview, (s) => s.uses?.startsWith("google-github-actions/auth@") ?? false);
    expect(Object.keys(auth?.with ?? {}).sort()).toEqual(["service_account", "workload_identity_provider"]);
    expect(TEXT).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS/);
    const pulumi = step(preview, (s) => s.uses?.startsWith("pulumi/actions@") ?? false);
    expect(pulumi?.with).toMatchObject({ command: "preview", policyPacks: "policy" });
  });
});
