/**
 * tests/jest/script-runtime.js, the runtime `npm test` runs every suite in: it compiles modules as vm.Scripts so a
 * worker compiles a dependency once. What it must not change is what a test sees: each file gets its own module
 * state, stack traces name the file's own lines, and a module that does not parse fails as jest reports it. Checked
 * on a throwaway project whose three test files run in one worker, one after another, and share one module.
 *
 * It also ends each file's AsyncLocalStorage instances with the file (tests/jest/async-local-storage.js): checked on a
 * second project, whose first file leaves a timer behind that reads its storage after the file ended.
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

// Run in this order (sequencer.js): "a" enables a storage and leaves a timer behind; "b" reads what the timer saw.
const STORAGE_FILES: Record<string, string> = {
  "sequencer.js": [
    "const Sequencer = require(process.env.JEST_SEQUENCER).default;",
    "module.exports = class extends Sequencer {",
    "  sort(tests) { return [...tests].sort((a, b) => a.path.localeCompare(b.path)); }",
    "};",
  ].join("\n"),
  "a.test.js": [
    "const fs = require('node:fs');",
    "const hooks = require('node:async_hooks');",
    "test('a storage works for as long as its file runs', async () => {",
    "  expect(require('async_hooks')).toBe(hooks);",
    "  const storage = new hooks.AsyncLocalStorage();",
    "  expect(storage).toBeInstanceOf(hooks.AsyncLocalStorage);",
    "  const seen = await storage.run('mine', () => new Promise((r) => setTimeout(() => r(storage.getStore()), 10)));",
    "  expect(seen).toBe('mine');",
    "  storage.run('left behind', () =>",
    "    setTimeout(() => fs.writeFileSync(process.env.SEEN, JSON.stringify(storage.getStore() ?? null)), 500));",
    "});",
  ].join("\n"),
  "b.test.js": [
    "const fs = require('node:fs');",
    "test('after its file ended, the storage reads nothing', async () => {",
    "  const deadline = Date.now() + 10000;",
    "  while (!fs.existsSync(process.env.SEEN) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));",
    "  expect(JSON.parse(fs.readFileSync(process.env.SEEN, 'utf8'))).toBeNull();",
    "});",
  ].join("\n"),
};

function makeProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-script-runtime-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Runs jest in band on `dir` with the runtime and `extra` config; its JSON report and exit status. */
function jestOn(dir: string, extra: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const config = { rootDir: dir, runtime: RUNTIME, testEnvironment: "node", transform: {}, ...extra };
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
    { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env } },
  );
  if (!run.stdout.trim()) throw new Error(`jest printed no report (exit ${run.status}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: { message: string }[];
  };
  return { report, status: run.status, messages: report.testResults.map((r) => r.message).filter(Boolean) };
}

let project: string;
let storageProject: string;
beforeAll(() => {
  project = makeProject(FILES);
  storageProject = makeProject(STORAGE_FILES);
});
afterAll(() => {
  for (const dir of [project, storageProject]) fs.rmSync(dir, { recursive: true, force: true });
});

test("npm test's jest config runs suites in it", () => {
  const config = require(path.join(REPO, "jest.config.js")) as { runtime?: string };
  expect(config.runtime?.replace("<rootDir>", REPO)).toBe(RUNTIME);
});

test("every file of a worker gets its own module state, its own line numbers and jest's syntax errors", () => {
  const { report, status, messages } = jestOn(project);
  expect(messages).toEqual([]);
  expect(report).toMatchObject({ numPassedTests: 3, numFailedTests: 0 });
  expect(status).toBe(0);
});

test("a file's AsyncLocalStorage works while the file runs and is disabled when it ends", () => {
  const seen = path.join(storageProject, "seen.json");
  const { report, status, messages } = jestOn(
    storageProject,
    { testSequencer: path.join(storageProject, "sequencer.js") },
    { SEEN: seen, JEST_SEQUENCER: require.resolve("@jest/test-sequencer", { paths: [REPO] }) },
  );
  expect(messages).toEqual([]);
  expect(report).toMatchObject({ numPassedTests: 2, numFailedTests: 0 });
  expect(status).toBe(0);
});
