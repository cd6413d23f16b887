import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { runChecker } from "../cli/support/child-check";
import type { WorkflowCheck } from "../cli/support/workflow-check.mts";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const WORKFLOW_TEXT = read(".github/workflows/readme.yml");
const SCRIPT = read(".github/scripts/readme-walkthrough.sh");

/** The shell commands of README's "Add a function and an edge" section, in order. */
function readmeCommands(): string[] {
  const readme = read("README.md");
  const start = readme.indexOf("### Add a function and an edge");
  const section = readme.slice(start, readme.indexOf("\n### ", start + 1));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .join("\n")
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

// The walkthrough job does what README says, on a fresh clone (issue 12): the commands it runs must be the
// README's own, so the two cannot drift apart unnoticed.
describe("the README walkthrough (.github/workflows/readme.yml)", () => {
  test("GitHub's workflow parser accepts the workflow, which runs the walkthrough script", async () => {
    const [check] = await runChecker<WorkflowCheck[]>("workflow-check.mts", [
      { name: "readme.yml", content: WORKFLOW_TEXT },
    ]);
    expect(check).toEqual({ name: "readme.yml", errors: [] });
    const workflow = parse(WORKFLOW_TEXT) as {
      jobs: Record<string, { steps: { run?: string; uses?: string }[] }>;
    };
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual(["bash .github/scripts/readme-walkthrough.sh"]);
    expect(steps.some((s) => s.uses?.startsWith("pulumi/actions@"))).toBe(true);
  }, 60_000);

  test("the script runs every command of README's section, in README's order", () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThanOrEqual(3);
    let from = 0;
    for (const command of commands) {
      const at = SCRIPT.indexOf(command, from);
      if (at < 0)
        throw new Error(`README's \`${command}\` is not in the walkthrough script (after offset ${from})`);
      from = at + command.length;
    }
  });

  test("the script then runs the test, the local stack, the diff and the check, and proves two mistakes fail", () => {
    for (const step of [
      "npm test",
      "npm start -- --once",
      "npx callgraph diff --base main",
      "npx callgraph check",
      "pulumi config rm --path 'callgraph:functions.search.calls[0]'",
      'member: "allUsers"',
    ])
      expect(SCRIPT).toContain(step);
  });
});
