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
      environment?: unknown;
      steps: { uses?: string; run?: string; with?: Record<string, string | boolean> }[];
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

  describe("updates or closes only the issue its own bot opened", () => {
    const script = String(steps.find((s) => s.uses?.startsWith("actions/github-script@"))!.with!.script);

    test("lists open issues by its label, then keeps only the bot's own with the marker", () => {
      expect(script).toContain('const label = "callgraph-audit";');
      expect(script).toContain('const bot = "github-actions[bot]";');
      expect(script).toMatch(
        /github\.rest\.issues\.listForRepo, \{ owner, repo, state: "open", labels: label,/,
      );
      expect(script).toContain(
        'const existing = open.find((i) => !i.pull_request && i.user?.login === bot && i.user?.type === "Bot" && (i.body ?? "").startsWith(marker));',
      );
      // Every write goes to `existing` (or creates a new, labelled issue): no other issue number is ever used.
      expect(script.match(/issue_number: [\w.]+/g)).toEqual([
        "issue_number: existing.number",
        "issue_number: existing.number",
        "issue_number: existing.number",
      ]);
      expect(script).toContain("labels: [label] });");
    });

    // The script run for real, against a fake GitHub: who opened which issue decides what it touches.
    type Issue = { number: number; body: string; user: { login: string; type: string }; labels: string[] };
    async function runScript(exitCode: "0" | "1", issues: Issue[]) {
      const calls: { method: string; args: Record<string, unknown> }[] = [];
      const record = (method: string) => async (args: Record<string, unknown>) => {
        calls.push({ method, args });
        return { data: {} };
      };
      const github = {
        rest: {
          issues: {
            listForRepo: "listForRepo",
            update: record("update"),
            create: record("create"),
            createComment: record("createComment"),
            createLabel: record("createLabel"),
          },
        },
        paginate: async (method: string, args: { labels?: string }) => {
          calls.push({ method, args });
          return issues.filter((i) => args.labels === undefined || i.labels.includes(args.labels));
        },
      };
      const context = { repo: { owner: "o", repo: "r" }, serverUrl: "https://github.com", runId: 7 };
      const fsStub = { readFileSync: () => `${AUDIT_MARKER}\n### drift` };
      const env = { EXIT_CODE: exitCode, STACK: "prod" };
      // github-script runs the script as the body of an async function with these in scope.
      const body = script.replace('const fs = require("node:fs");', "").replace(/process\.env/g, "env");
      const fn = new Function("github", "context", "fs", "env", `return (async () => { ${body} })();`) as (
        ...args: unknown[]
      ) => Promise<void>;
      await fn(github, context, fsStub, env);
      return calls.filter((c) => c.method !== "listForRepo");
    }
    const bot = { login: "github-actions[bot]", type: "Bot" };
    const mallory = { login: "mallory", type: "User" };

    test("a clean run closes the bot's issue, never one a user opened with the marker and label", async () => {
      const calls = await runScript("0", [
        { number: 1, body: `${AUDIT_MARKER}\nfake`, user: mallory, labels: ["callgraph-audit"] },
        { number: 2, body: `${AUDIT_MARKER}\nreal`, user: bot, labels: ["callgraph-audit"] },
      ]);
      expect(calls.map((c) => [c.method, c.args.issue_number])).toEqual([
        ["createComment", 2],
        ["update", 2],
      ]);
    });

    test("drift with only a user's look-alike issue open creates the bot's own, labelled", async () => {
      const calls = await runScript("1", [
        { number: 1, body: `${AUDIT_MARKER}\nfake`, user: mallory, labels: ["callgraph-audit"] },
        { number: 3, body: "unrelated", user: bot, labels: ["callgraph-audit"] },
      ]);
      expect(calls.map((c) => c.method)).toEqual(["createLabel", "create"]);
      expect(calls[1]!.args).toMatchObject({
        labels: ["callgraph-audit"],
        title: "callgraph audit: drift in stack prod",
      });
    });

    test("drift updates the bot's issue in place; an unlabelled bot issue is not it", async () => {
      const calls = await runScript("1", [
        { number: 4, body: `${AUDIT_MARKER}\nold`, user: bot, labels: [] },
        { number: 5, body: `${AUDIT_MARKER}\nold`, user: bot, labels: ["callgraph-audit"] },
      ]);
      expect(calls.map((c) => [c.method, c.args.issue_number])).toEqual([["update", 5]]);
    });
  });

  test("the checkout keeps no token; no job of this workflow runs pull-request code", () => {
    const checkout = steps.find((s) => s.uses?.startsWith("actions/checkout@"))!;
    expect(checkout.with).toEqual({ "persist-credentials": false });
    expect(Object.keys(WORKFLOW.on)).not.toContain("pull_request");
    expect(Object.keys(WORKFLOW.on)).not.toContain("pull_request_target");
  });
});
