/**
 * A module loaded on first use: what @pulumi/pulumi requires when it loads, for closure serialization
 * (`runtime/closure/*`: TypeScript, through `typescript-shim.js`, and @npmcli/arborist), and never uses under the
 * mocks every test runs with. Node loads them in a few hundred milliseconds; jest, which compiles every module
 * again for every test file, in about 0.7 s per file (issue 19: npm test time). A test that does serialize a
 * closure still gets the real module, on its first property read.
 */
const path = require("node:path");

module.exports = function lazyModule(resolved) {
  let real;
  const load = () => (real ??= require(resolved));
  return new Proxy(
    {},
    {
      // `__esModule` keeps TypeScript's `__importStar` from copying the (not yet loaded) properties.
      get: (_target, key) => (key === "__esModule" ? true : load()[key]),
      has: (_target, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
};

module.exports.nodeModule = (...segments) => path.join(__dirname, "..", "..", "node_modules", ...segments);
