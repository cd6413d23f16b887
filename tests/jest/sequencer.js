// Jest's own order, except that the files serving a function in process run after all the others (issue 19: npm test
// time).
//
// The Functions Framework answers each request to an HTTP function inside a new `domain`
// (@google-cloud/functions-framework, build/src/function_wrappers.js, `wrapHttpFunction`), and Node enables the
// domain module's async hook when the first domain is created and never disables it (lib/domain.js: the `Domain`
// constructor calls `asyncHook.enable()`). From then on every promise and other async resource in that jest worker goes
// through its init, before, after and destroy callbacks, whichever file made it: four copies of
// tests/program/edge-change.test.ts, run in band after tests/functions, cost 8.0-8.7 s of CPU with the real module and
// 6.7-8.2 s with a domain-free stand-in (two runs each, on this machine). Such a file is one that imports the
// framework's test server (`getTestServer`, in `@google-cloud/functions-framework/testing`), directly or through a
// module of the test roots; run last, it slows only the files like it that follow it in its worker. Nothing about
// what runs changes, only when: each file still gets the real framework, domain included.
"use strict";
const Sequencer = require("@jest/test-sequencer").default;

/** The import that serves a function in process, in a domain. */
const TEST_SERVER = "@google-cloud/functions-framework/testing";

class CallgraphSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const imports = new Map();
    const late = sorted.filter((test) => importsTestServer(test.context, test.path, imports));
    return [...sorted.filter((test) => !late.includes(test)), ...late];
  }
}

/**
 * Whether `file` imports the test server, directly or through files jest's haste map knows (the test roots: their
 * dependencies are what the map records). A dependency that does not resolve is not followed. `imports` keeps each
 * file's own imports, read once per sort.
 */
function importsTestServer(context, file, imports) {
  const seen = new Set([file]);
  for (const current of seen) {
    const own = importsOf(context, current, imports);
    if (own.server) return true;
    for (const next of own.files) seen.add(next);
  }
  return false;
}

function importsOf(context, file, imports) {
  let own = imports.get(file);
  if (!own) {
    const specifiers = context.hasteFS.getDependencies(file) ?? [];
    own = {
      server: specifiers.includes(TEST_SERVER),
      files: specifiers
        .filter((specifier) => specifier.startsWith("."))
        .map((specifier) => resolve(context, file, specifier))
        .filter((resolved) => resolved != null && context.hasteFS.exists(resolved)),
    };
    imports.set(file, own);
  }
  return own;
}

function resolve(context, from, specifier) {
  try {
    return context.resolver.resolveModule(from, specifier);
  } catch {
    return null;
  }
}

module.exports = CallgraphSequencer;
