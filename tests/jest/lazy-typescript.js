// Mapped for @pulumi/pulumi's `typescript-shim` only (jest.config.js): callgraph's own call-site analysis loads
// TypeScript itself.
const lazyModule = require("./lazy-module");
module.exports = lazyModule(lazyModule.nodeModule("typescript"));
