// Jest's runtime, compiling each module as a `vm.Script` instead of with `vm.compileFunction` (issue 19: npm test
// time). A Script goes through V8's per-isolate compilation cache, keyed by source and file name, and that cache is
// shared by every context of the worker: the second test file that loads @pulumi/pulumi, @pulumi/gcp, zod or the
// engine reuses the first one's parse and the bytecode its functions were compiled to, instead of compiling them all
// again in each file's fresh context. `compileFunction` bypasses that cache (nodejs/node#35375, "vm.compileFunction
// is much slower than vm.Script", opened by a jest maintainer; jestjs/jest#9457). Measured on three copies of a test
// file loading @pulumi/pulumi, @pulumi/gcp and engine/ in one worker: 918, 601, 462 ms of CPU with jest's own
// runtime, 1,078, 267, 191 ms with this one.
//
// Nothing is cached by this file: no Script is kept (jest 27 left vm.Script for compileFunction after a leak of kept
// Scripts, jestjs/jest#11956), only V8 keeps what it keeps for any script, and it holds no context. Each file still
// runs in its own context with its own module registry: only compiled code is shared, never a module's state.
// The wrapper is jest 26's, on the module's first line, so line numbers are the module's own.
//
// It also gives each file its own view of `node:async_hooks`, whose AsyncLocalStorage instances it disables when the
// file ends (tests/jest/async-local-storage.js says why and what that saved).
"use strict";
const vm = require("node:vm");
const Runtime = require("jest-runtime").default;
const { scopedAsyncHooks } = require("./async-local-storage");

const WRAPPER_KEY = "Object.<anonymous>";

class ScriptRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    // The file's AsyncLocalStorage instances end with it (tests/jest/async-local-storage.js says why). jest-runtime 30
    // serves every core module, to `require` and `import` alike, through `coreModule.require(name)`.
    const coreModule = this.coreModule;
    if (coreModule && typeof coreModule.require === "function") {
      const scoped = scopedAsyncHooks();
      const requireCore = coreModule.require.bind(coreModule);
      coreModule.require = (name) =>
        name === "async_hooks" || name === "node:async_hooks" ? scoped.module : requireCore(name);
      this.disableAsyncLocalStorage = scoped.disableAll;
    }
    // jest-runtime 30: the executor compiles each module (`compile(source, filename)`, returning the module
    // function or null once the environment is torn down). Anything else: jest's own compile, unchanged.
    const executor = this.executor;
    if (!executor || typeof executor.compile !== "function") return;
    const compileFunction = executor.compile.bind(executor);
    executor.compile = (source, filename) => {
      const context = executor.environment.getVmContext();
      if (context == null) return null;
      // Core modules and anything that fails to compile go to jest's own path, which names them as jest does.
      if (executor.resolution.isCoreModule(filename)) return compileFunction(source, filename);
      let script;
      try {
        script = new vm.Script(
          `({${JSON.stringify(WRAPPER_KEY)}:function(${executor.injectedModuleParameters.join(",")}){${source}\n}});`,
          {
            filename,
            importModuleDynamically: (specifier, _script, attributes) =>
              executor.dynamicImport(specifier, filename, context, attributes),
          },
        );
      } catch {
        return compileFunction(source, filename);
      }
      return script.runInContext(context)[WRAPPER_KEY];
    };
  }

  teardown() {
    super.teardown();
    this.disableAsyncLocalStorage?.();
  }
}

module.exports = ScriptRuntime;
