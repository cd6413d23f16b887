import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CheckFailed, UsageError } from "../../cli/errors";
import { typesCommand } from "../../cli/commands/types";

/** A program folder with two functions, a calling b, in one stack file. */
function program(stackYaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-types-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: fixture\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackYaml);
  for (const fn of ["alpha", "beta"]) fs.mkdirSync(path.join(dir, "functions", fn), { recursive: true });
  return dir;
}

const DECLARED = `config:
  gcp:project: fixture
  gcp:region: europe-west1
  callgraph:functions:
    alpha:
      calls: [beta]
    beta: {}
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const fixture = (yaml = DECLARED) => {
  const dir = program(yaml);
  dirs.push(dir);
  return dir;
};

describe("callgraph types", () => {
  test("writes each function's callees.generated.ts, then reports nothing to write", async () => {
    const dir = fixture();
    expect(await typesCommand({ dir })).toBe(
      "Wrote 2 files:\n  functions/alpha/callees.generated.ts\n  functions/beta/callees.generated.ts",
    );
    expect(fs.readFileSync(path.join(dir, "functions/alpha/callees.generated.ts"), "utf8")).toMatch(
      /export type Callee = "beta";/,
    );
    expect(await typesCommand({ dir })).toBe(
      "Callee types are up to date with the declarations: nothing written.",
    );
    expect(await typesCommand({ dir, check: true })).toBe(
      "Callee types are up to date with the declarations.",
    );
  });

  test("--check writes nothing and fails (exit 1) naming each stale file", async () => {
    const dir = fixture();
    await typesCommand({ dir });
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), DECLARED.replace("calls: [beta]", "calls: []"));
    fs.rmSync(path.join(dir, "functions/beta/callees.generated.ts"));
    const before = fs.readFileSync(path.join(dir, "functions/alpha/callees.generated.ts"), "utf8");
    const run = () => typesCommand({ dir, check: true });
    await expect(run()).rejects.toThrow(CheckFailed);
    await expect(run()).rejects.toThrow(
      "types: 2 generated files are stale: functions/alpha/callees.generated.ts (out of date), " +
        "functions/beta/callees.generated.ts (missing). Run `npx callgraph types` and commit the result",
    );
    expect(fs.readFileSync(path.join(dir, "functions/alpha/callees.generated.ts"), "utf8")).toBe(before);
  });

  test("an invalid declaration is a usage error naming the stack file and the key", async () => {
    const dir = fixture(DECLARED.replace("calls: [beta]", "calls: [gamma]"));
    await expect(typesCommand({ dir })).rejects.toThrow(UsageError);
    await expect(typesCommand({ dir })).rejects.toThrow(
      /^types: Invalid call graph .*\n {2}Pulumi\.dev\.yaml:\d+:\d+: functions\.alpha/,
    );
  });

  test("every broken stack file at once: one hides no other's problems", async () => {
    const dir = fixture(DECLARED.replace("calls: [beta]", "calls: [gamma]"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.prod.yaml"),
      "config:\n  callgraph:functions:\n    alpha: [oops\n",
    );
    fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), DECLARED.replace("calls: [beta]", "calls: [delta]"));
    const message = await typesCommand({ dir }).then(
      () => "",
      (e: unknown) => (e as Error).message,
    );
    expect(message).toMatch(/^types: Invalid call graph in the stack files, 3 problems:/);
    expect(message).toMatch(
      /\n {2}Pulumi\.dev\.yaml:\d+:\d+: functions\.alpha\.calls\[0\]: unknown function "gamma"/,
    );
    expect(message).toMatch(/\n {2}\S*Pulumi\.prod\.yaml:\d+:\d+: .*Fix the YAML syntax there/);
    expect(message).toMatch(
      /\n {2}Pulumi\.test\.yaml:\d+:\d+: functions\.alpha\.calls\[0\]: unknown function "delta"/,
    );
  });

  test("two functions deploying one folder is a usage error saying how to fix", async () => {
    const dir = fixture(DECLARED.replace("    beta: {}", "    beta:\n      source: functions/alpha"));
    await expect(typesCommand({ dir })).rejects.toThrow(
      /^types: functions\.alpha and functions\.beta both deploy functions\/alpha .*Give each function its own folder/,
    );
  });
});
