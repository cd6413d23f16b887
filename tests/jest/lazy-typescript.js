// Mapped for @pulumi/pulumi's `typescript-shim` only (jest.config.js): TypeScript loaded on first use, as
// engine/deferred-modules.ts defers it outside jest. Jest, which compiles every module again for every test file,
// would spend about 0.5 s of each on it. callgraph's own call-site analysis requires TypeScript itself.
const path = require("node:path");
const { loadedOnFirstUse } = require("../../engine/deferred-modules");
module.exports = loadedOnFirstUse(() => require(path.join(__dirname, "../../node_modules/typescript")));
