/**
 * tests/jest/script-runtime.js, the runtime `npm test` runs every suite in: it compiles modules as vm.Scripts so a
 * worker compiles a dependency once. What it must not change is what a test sees: each file gets its own module
 * state, stack traces name the file's own lines, and a module that does not parse fails as jest reports it. Checked
 * on a throwaway project whose three test files run in one worker, one after another, and share one module.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "../..");
const RUNTIME = path.join(REPO, "tests", "jest", "script-runtime.js");

const FILES: Record<string, string> = {
  // Counts its loads: a module whose state leaked from one test file to the next would count past 1.
  "counter.js": "let loads = 0;\nmodule.exports = { load: () => ++loads };\n",
  "broken.js": "module.exports = {;\n",
  "first.test.js": [
    "const counter = require('./counter');",
    "test('a fresh module registry', () => {",
    "  expect(counter.load()).toBe(1);",
    "  expect(new Error('here').stack).toContain('first.test.js:4:');",
    "});",
  ].join("\n"),
  "second.test.js": [
    "const counter = require('./counter');",
    "test('a fresh module registry again', () => {",
    "  expect(counter.load()).toBe(1);",
    "  expect(new Error('here').stack).toContain('second.test.js:4:');",
    "});",
  ].join("\n"),
  "third.test.js": [
    "test('a module that does not parse fails with a SyntaxError', () => {",
    "  expect(() => require('./broken')).toThrow(SyntaxError);",
    "});",
  ].join("\n"),
};

let project: string;
beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-script-runtime-"));
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(project, name), text);
});
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

test("npm test's jest config runs suites in it", () => {
  const config = require(path.join(REPO, "jest.config.js")) as { runtime?: string };
  expect(config.runtime?.replace("<rootDir>", REPO)).toBe(RUNTIME);
});

test("every file of a worker gets its own module state, its own line numbers and jest's syntax errors", () => {
  const config = { rootDir: project, runtime: RUNTIME, testEnvironment: "node", transform: {} };
  const run = spawnSync(
    process.execPath,
    [
      path.join(REPO, "node_modules", "jest", "bin", "jest.js"),
      "--runInBand",
      "--ci",
      "--json",
      "--config",
      JSON.stringify(config),
    ],
    { cwd: project, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
  );
  const report = JSON.parse(run.stdout) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: { message: string }[];
  };
  expect(report.testResults.map((r) => r.message).filter(Boolean)).toEqual([]);
  expect(report).toMatchObject({ numPassedTests: 3, numFailedTests: 0 });
  expect(run.status).toBe(0);
});
