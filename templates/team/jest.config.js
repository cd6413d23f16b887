/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests", "<rootDir>/functions"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  // jose (ID tokens, in callgraph's runtime) ships only ES modules: let jest compile it like your own code.
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
  testTimeout: 120000,
};
