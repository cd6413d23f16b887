// Mapped for @npmcli/arborist (jest.config.js), which only @pulumi/pulumi's closure serialization requires.
const lazyModule = require("./lazy-module");
module.exports = lazyModule(lazyModule.nodeModule("@npmcli", "arborist"));
