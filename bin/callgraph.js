#!/usr/bin/env node
// The CLI is TypeScript, run through tsx so that it and the Pulumi program it evaluates share one loader.
require("tsx/cjs");
require("../cli/main.ts").main(process.argv);
