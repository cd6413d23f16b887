/**
 * tests/jest/sequencer.js, the order `npm test` runs its files in: jest's own, except that a file importing the
 * Functions Framework's test server, directly or through a module it imports, runs after every other. Checked on a
 * throwaway project with `jest --listTests`, which prints the files in the order the sequencer gives, running none.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "../..");
const SEQUENCER = path.join(REPO, "tests", "jest", "sequencer.js");
const SERVER = 'require("@google-cloud/functions-framework/testing");\n';

// Padding makes the file sizes jest orders by (with no timings cached) put the late files first, so moving them is
// the sequencer's doing.
const pad = (n: number) => `// ${"x".repeat(n)}\n`;
const FILES: Record<string, string> = {
  "direct.test.js": SERVER + pad(4000),
  "indirect.test.js": 'require("./support/server");\n' + pad(3000),
  "support/server.js": 'require("./cycle");\n' + SERVER,
  "support/cycle.js": 'require("./server");\n',
  "cyclic-plain.test.js": 'require("./support/loop-a");\n' + pad(2000),
  "support/loop-a.js": 'require("./loop-b");\n',
  "support/loop-b.js": 'require("./loop-a");\nrequire("./missing");\n',
  "plain.test.js": 'require("@google-cloud/functions-framework");\n' + pad(1000),
  "mention.test.js": '// "@google-cloud/functions-framework/testing" is named here, in a comment only.\n',
};

let project: string;
beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-sequencer-"));
  for (const [name, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(project, name)), { recursive: true });
    fs.writeFileSync(path.join(project, name), text);
  }
});
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

function listTests(): string[] {
  const config = {
    rootDir: project,
    testSequencer: SEQUENCER,
    testEnvironment: "node",
    transform: {},
    cache: false,
  };
  const run = spawnSync(
    process.execPath,
    [
      path.join(REPO, "node_modules", "jest", "bin", "jest.js"),
      "--listTests",
      "--config",
      JSON.stringify(config),
    ],
    { cwd: project, encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`jest --listTests failed (exit ${run.status}): ${run.stderr}`);
  return run.stdout
    .trim()
    .split("\n")
    .map((file) => path.relative(project, file));
}

test("npm test's jest config orders its files with it", () => {
  const config = require(path.join(REPO, "jest.config.js")) as { testSequencer?: string };
  expect(config.testSequencer?.replace("<rootDir>", REPO)).toBe(SEQUENCER);
});

test("files that import the test server, directly or through their imports, run after every other file", () => {
  const order = listTests();
  expect(order).toHaveLength(5);
  // The others keep jest's order (largest first, with nothing cached), and so do the late ones among themselves.
  expect(order.slice(0, 3)).toEqual(["cyclic-plain.test.js", "plain.test.js", "mention.test.js"]);
  expect(order.slice(3)).toEqual(["direct.test.js", "indirect.test.js"]);
});
