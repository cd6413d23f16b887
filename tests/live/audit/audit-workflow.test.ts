import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { AUDIT_MARKER } from "../../../cli/audit/render-markdown";
import { runChecker } from "../../cli/support/child-check";
import type { WorkflowCheck } from "../../cli/support/workflow-check.mts";

const TEXT = fs.readFileSync(
  path.resolve(__dirname, "../../../.github/workflows/callgraph-audit.yml"),
  "utf8",
);
const WORKFLOW = parse(TEXT) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: {
    audit: {
      permissions: Record<string, string>;
      steps: { uses?: string; run?: string; with?: Record<string, string> }[];
    };
  };
};
const steps = WORKFLOW.jobs.audit.steps;

describe(".github/workflows/callgraph-audit.yml", () => {
  test("GitHub's workflow parser accepts it", async () => {
    const [check] = await runChecker<WorkflowCheck[]>("workflow-check.mts", [
      { name: "callgraph-audit.yml", content: TEXT },
    ]);
    expect(check).toEqual({ name: "callgraph-audit.yml", errors: [] });
  }, 60_000);

  test("daily and on demand, read-only but for the OIDC token and the issue", () => {
    expect(Object.keys(WORKFLOW.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(WORKFLOW.permissions).toEqual({ contents: "read" });
    expect(WORKFLOW.jobs.audit.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      issues: "write",
    });
  });

  test("authenticates by workload identity federation, never with a key", () => {
    const auth = steps.find((s) => s.uses?.startsWith("google-github-actions/auth@"));
    expect(Object.keys(auth!.with!).sort()).toEqual(["service_account", "workload_identity_provider"]);
    expect(TEXT).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS/);
  });

  test("runs the audit as markdown and finds its issue by the renderer's marker", () => {
    expect(steps.find((s) => s.run?.includes("audit"))!.run).toContain(
      'node bin/callgraph.js audit --stack "$STACK" --format markdown',
    );
    expect(TEXT).toContain(`const marker = "${AUDIT_MARKER}";`);
  });
});
