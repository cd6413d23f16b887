#!/usr/bin/env node
// tsx loads the user's Pulumi program (TypeScript) in the same loader as the CLI (register-tsx.js says what it leaves
// to Node). The CLI itself is the package's compiled JavaScript; in callgraph's own repository, where its TypeScript
// sources sit beside this file, those.
require("./register-tsx.js");
const fs = require("node:fs");
const path = require("node:path");
const source = path.join(__dirname, "..", "cli", "main.ts");
require(fs.existsSync(source) ? source : path.join(__dirname, "..", "dist", "cli", "main.js")).main(
  process.argv,
);
