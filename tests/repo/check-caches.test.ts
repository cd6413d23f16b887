/**
 * `npm test` type-checks with tsc's incremental build info and checks formatting with prettier's cache, both kept
 * under .callgraph/ (issue 19: npm test time). A cache may only save work: a check that reads it must fail wherever
 * the same check without it fails. Each check is run here as package.json's script runs it (its own arguments, read
 * from package.json), in a throwaway project: it passes, a change it must catch fails it, and run again with nothing
 * changed it still fails, so a failure is never remembered as a pass.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "../..");
const scripts = (
  JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts;

/** A script's words after its command (`tsc -p . --incremental ...` -> `-p . --incremental ...`). */
function argsOf(script: string, command: string): string[] {
  const [first, ...rest] = (scripts[script] ?? "").split(/\s+/);
  expect(first).toBe(command);
  return rest;
}

/** The value after `flag` in `args`; undefined when the flag is absent. */
const valueOf = (args: string[], flag: string) =>
  args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined;

let project: string;
beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-check-caches-"));
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

function run(bin: string, args: string[]) {
  const result = spawnSync(process.execPath, [path.join(REPO, "node_modules", bin), ...args], {
    cwd: project,
    encoding: "utf8",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test("the caches live under .callgraph/, which git ignores and neither check reads as a source", () => {
  const tsc = argsOf("typecheck", "tsc");
  const prettier = argsOf("format:check", "prettier");
  expect(tsc).toContain("--incremental");
  expect(valueOf(tsc, "--tsBuildInfoFile")).toMatch(/^\.callgraph\//);
  expect(prettier).toEqual(expect.arrayContaining(["--check", "--cache"]));
  // Prettier's default strategy trusts a file's modification time; a checkout or a copy can keep it while the
  // content changes. The content strategy hashes the file.
  expect(valueOf(prettier, "--cache-strategy")).toBe("content");
  expect(valueOf(prettier, "--cache-location")).toMatch(/^\.callgraph\//);
  expect(fs.readFileSync(path.join(REPO, ".gitignore"), "utf8").split("\n")).toContain(".callgraph/");
  expect(fs.readFileSync(path.join(REPO, ".prettierignore"), "utf8").split("\n")).toContain(".callgraph/");
  const tsconfig = fs.readFileSync(path.join(REPO, "tsconfig.json"), "utf8");
  expect(tsconfig).toMatch(/"exclude": \[[^\]]*"\.callgraph"/);
});

test("typecheck: a type error introduced after a passing run fails it, and fails it again from the build info", () => {
  const args = argsOf("typecheck", "tsc");
  // The repository's compiler settings, on this project's one file, without node's and jest's typings (seconds to
  // load, and unused here).
  fs.writeFileSync(
    path.join(project, "tsconfig.json"),
    JSON.stringify({
      extends: path.join(REPO, "tsconfig.json"),
      compilerOptions: { types: [] },
      include: [],
      files: ["answer.ts"],
    }),
  );
  const answer = path.join(project, "answer.ts");
  fs.writeFileSync(answer, "export const answer: number = 42;\n");
  expect(run("typescript/bin/tsc", args)).toEqual({ status: 0, output: "" });
  const buildInfo = path.join(project, valueOf(args, "--tsBuildInfoFile")!);
  expect(fs.existsSync(buildInfo)).toBe(true);

  fs.writeFileSync(answer, 'export const answer: number = "forty-two";\n');
  for (const attempt of ["changed", "unchanged since"]) {
    const { status, output } = run("typescript/bin/tsc", args);
    expect({ attempt, failed: status !== 0, output }).toEqual({
      attempt,
      failed: true,
      output: expect.stringContaining("answer.ts(1,14): error TS2322"),
    });
  }
});

test("format:check: a file misformatted after a passing run fails it, and fails it again from the cache", () => {
  const args = argsOf("format:check", "prettier");
  const file = path.join(project, "tidy.ts");
  fs.writeFileSync(file, "export const tidy = 1;\n");
  expect(run("prettier/bin/prettier.cjs", args).status).toBe(0);
  expect(fs.existsSync(path.join(project, valueOf(args, "--cache-location")!))).toBe(true);

  // Same length and the same modification time as before: only the content says it changed.
  const { mtime } = fs.statSync(file);
  fs.writeFileSync(file, "export const  tidy =1;\n");
  fs.utimesSync(file, mtime, mtime);
  for (const attempt of ["changed", "unchanged since"]) {
    const { status, output } = run("prettier/bin/prettier.cjs", args);
    expect({ attempt, status, output }).toEqual({
      attempt,
      status: 1,
      output: expect.stringContaining("tidy.ts"),
    });
  }
});
