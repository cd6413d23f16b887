/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // swc strips types only; `npm test` runs tsc first for the type check.
  transform: {
    "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  // jose ships ESM only; transform it so jest's CommonJS registry can load it.
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
  testTimeout: 30000,
};
