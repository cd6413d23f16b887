// jest's globalSetup (jest.config.js; temp-root-teardown.js removes it): every temporary folder of a run, the
// tests' own and those of the processes they start (local stacks, packed templates, evaluation children), goes
// under one folder made for the run, so a run leaves nothing in the machine's temporary directory however a suite
// ends. Workers and their children find it as os.tmpdir() does, through TMPDIR: set here, before jest starts any
// worker, it is in every worker's environment.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-tests-"));
  process.env.CALLGRAPH_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
};
