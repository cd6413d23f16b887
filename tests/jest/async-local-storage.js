// One test file's view of `node:async_hooks`, whose AsyncLocalStorage instances are disabled when the file ends
// (issue 19: npm test time).
//
// A test file's modules get Node's own core modules, shared by every file in the worker, so an AsyncLocalStorage they
// create outlives the file. Once `run` or `enterWith` has enabled one, Node 20 keeps it in a process-wide list until
// `disable()` is called, and the list's one `init` hook visits every entry for every promise and other async resource
// created anywhere in the worker, each entry writing its own symbol-keyed property on the new resource. Nothing ever
// disables them: @pulumi/pulumi makes one per test file that loads it (runtime/state.js, `global.asyncLocalStorage`,
// "if this is the first copy of `runtime` to load", and a jest file's global is always a fresh one), and
// jest-circus one more per file. So every file made each later file's promises dearer, and kept its own context alive
// through the stores on long-lived resources (Node's default `dns` resolver held the first file's).
// Measured, in band on this machine: copies of tests/program/edge-change.test.ts cost 1.5-2.0 s of CPU each on
// their own, 4.8-6.9 s each after tests/local, and 1.8-1.9 s each after tests/local with this view (a CPU profile of the
// slow four: the garbage collector 8.5 s and `node:async_hooks` 2.9 s, against 2.2 s and 0.1 s on their own). In the
// whole suite run in band, the same file took 10.2 s before and 2.6 s after.
//
// The view is the core module's own exports with a subclass of AsyncLocalStorage that remembers each instance it
// made; `disableAll` disables them, which is Node's documented way to let an instance go ("it will no longer be
// used... the instance can be garbage collected"). Code that ran in the file and is still running after it (a timer
// left behind) then reads `getStore()` as undefined, as it would outside any `run`.
"use strict";
const asyncHooks = require("node:async_hooks");

function scopedAsyncHooks() {
  // Weak: an instance the file dropped before enabling it is not kept for the file's length. An enabled one is held
  // by Node's list anyway, until disabled.
  const made = new Set();
  class AsyncLocalStorage extends asyncHooks.AsyncLocalStorage {
    constructor(...args) {
      super(...args);
      made.add(new WeakRef(this));
    }
  }
  return {
    module: { ...asyncHooks, AsyncLocalStorage },
    /** Disables every instance made through `module` that is not yet collected. */
    disableAll() {
      for (const ref of made) ref.deref()?.disable();
      made.clear();
    },
  };
}

module.exports = { scopedAsyncHooks };
