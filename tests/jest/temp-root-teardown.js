// jest's globalTeardown: removes the run's temporary folder (temp-root.js), whatever the suites left in it.
const fs = require("node:fs");

module.exports = async () => {
  const root = process.env.CALLGRAPH_TEST_TMPDIR;
  if (root) fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
};
