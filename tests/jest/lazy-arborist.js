// Mapped for @npmcli/arborist (jest.config.js), which only @pulumi/pulumi's closure serialization requires: loaded
// on first use, as engine/deferred-modules.ts defers it outside jest.
const path = require("node:path");
const { loadedOnFirstUse } = require("../../engine/deferred-modules");
module.exports = loadedOnFirstUse(() => require(path.join(__dirname, "../../node_modules/@npmcli/arborist")));
