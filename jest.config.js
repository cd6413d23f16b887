/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // tests/: the tool's own tests, on fixtures. functions/: each function's own tests, next to its code, so a
  // function removed takes its tests with it and a function added brings its own (DESIGN.md invariant 12).
  roots: ["<rootDir>/tests", "<rootDir>/functions"],
  testMatch: ["**/*.test.ts"],
  // swc strips types only; `npm test` runs tsc first for the type check.
  transform: {
    "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  // jose ships ESM only; transform it so jest's CommonJS registry can load it.
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
  testTimeout: 30000,
  // Compiles each module as a vm.Script, so a worker compiles a dependency once rather than once per test file
  // (tests/jest/script-runtime.js says why and what it measured).
  runtime: "<rootDir>/tests/jest/script-runtime.js",
  // Jest's order, but the files that serve a function in process last: the domain each request runs in slows every
  // later file of the worker (tests/jest/sequencer.js says how much).
  testSequencer: "<rootDir>/tests/jest/sequencer.js",
  // One temporary folder per run, removed after it (tests/jest/temp-root.js).
  globalSetup: "<rootDir>/tests/jest/temp-root.js",
  globalTeardown: "<rootDir>/tests/jest/temp-root-teardown.js",
  // Most suites wait on processes and loopback servers rather than compute: on a 2-core machine jest's default (one
  // worker per core but one) runs them one after another. Three workers overlap the waits (issue 19: npm test time).
  maxWorkers: 3,
  // A worker's own exit takes about 1 s after its last suite: measured on a full run, each emitted `exit` within 6 ms of
  // jest's end message (nothing left open in its event loop) and was gone 1.0-1.05 s later, tearing down a heap of
  // 400-900 MB. Jest's default grace is 500 ms, after which it kills the worker and warns of a leak there is not.
  workerGracefulExitTimeout: 5000,
  // The package's public names mean its sources here, as tsconfig.json's "paths" say for tsc, tsx and esbuild.
  moduleNameMapper: {
    "^callgraph$": "<rootDir>/components/index.ts",
    "^callgraph/runtime$": "<rootDir>/functions/shared/index.ts",
    "^callgraph/testing$": "<rootDir>/testing/index.ts",
    // Loaded on first use, as engine/deferred-modules.ts does outside jest: about 0.7 s less per test file.
    "^\\.\\./\\.\\./typescript-shim$": "<rootDir>/tests/jest/lazy-typescript.js",
    "^@npmcli/arborist$": "<rootDir>/tests/jest/lazy-arborist.js",
  },
};
