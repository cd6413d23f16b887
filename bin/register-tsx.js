// Registers tsx for what needs it, TypeScript (the user's program, and in callgraph's own repository the CLI's own
// sources), and leaves the JavaScript packages under node_modules to Node's own loader. Plain JavaScript, loaded before
// tsx: it must keep Node's own handlers before tsx replaces them.
//
// Why: tsx's CommonJS hook takes every `.js` and `.cjs` file Node loads. It reads the file again, runs es-module-lexer
// over any file that says "export" (every CommonJS file that sets `exports.x` does) to look for ESM syntax, and with
// the source maps tsx turns on, Node reads and parses the `.js.map` beside each compiled file (@pulumi/pulumi and
// @pulumi/gcp ship one per file). Loading those two took about 1,450 ms that way against 850 ms without tsx, and about
// 1,000 ms with this: half a second off the start of every `callgraph` command that evaluates a program (issue 19).
// An ES module package went through tsx's CommonJS build of each of its files, one by one: zod (~100 `.cjs` files in
// an ES module scope) took ~118 ms that way against ~70 ms in Node's own loader, jose (ESM only) ~92 against ~41 ms.
//
// What stays with tsx: every file outside node_modules, the process's main module, a file with a query (tsx's
// namespaces), every extension but `.js` and `.cjs` (tsx's own handlers), `.js` in a package whose scope cannot be
// read, and an ES module graph Node refuses as it links it (an `import` of JSON with no import attribute, a relative
// import without its extension: tsx accepts both). Only where Node can itself require a `.js` file written as ESM
// (`process.features.require_module`: Node 20.19 and 22.12 on) is anything handed back to Node, since tsx is what made
// such a file loadable before. Source maps are off only while a dependency is compiled and run, and each TypeScript
// file compiles with them on, whoever requires it, so a stack trace through the user's TypeScript still names its own
// lines.
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const REGISTERED = Symbol.for("callgraph.register-tsx");

function register() {
  if (globalThis[REGISTERED]) return;
  globalThis[REGISTERED] = true;
  const nodeJs = Module._extensions[".js"];
  require("tsx/cjs");
  if (!process.features.require_module || typeof nodeJs !== "function") return;
  const tsxJs = Module._extensions[".js"];
  const tsxSourceMaps = process.sourceMapsEnabled;
  const formatOf = dependencyFormats();

  // Each file runs with source maps as its loader wants them, whatever loads it: a TypeScript file a dependency
  // requires while it loads still gets its map, so its stack traces name its own lines.
  const withSourceMaps = (enabled, load) => {
    const before = process.sourceMapsEnabled;
    process.setSourceMapsEnabled(enabled);
    try {
      return load();
    } finally {
      process.setSourceMapsEnabled(before);
    }
  };
  for (const extension of Object.keys(Module._extensions)) {
    const tsx = Module._extensions[extension];
    if (extension === ".json" || extension === ".node" || extension === ".js") continue;
    Module._extensions[extension] = function (module, filename) {
      return withSourceMaps(tsxSourceMaps, () => tsx.call(this, module, filename));
    };
  }
  Module._extensions[".js"] = function (module, filename) {
    // The process's main module (the CLI's bin, where npm installed it) stays with tsx: it runs the whole command.
    const format = module.id === "." ? undefined : formatOf(filename);
    if (format === "module") {
      try {
        return withSourceMaps(false, () => nodeJs.call(this, module, filename));
      } catch (error) {
        if (!NODE_REFUSES_GRAPH.has(error?.code)) throw error;
        // Refused before any of its modules ran: tsx's CommonJS build of it, as before.
      }
    } else if (format === "commonjs") return withSourceMaps(false, () => nodeJs.call(this, module, filename));
    return withSourceMaps(tsxSourceMaps, () => tsxJs.call(this, module, filename));
  };
}

/**
 * What Node throws when it refuses an ES module graph as it resolves, reads and links it, before any of its modules
 * runs, where tsx's CommonJS build of the same files loads: an `import` of JSON with no `with { type: "json" }`
 * (Node 20 names it ERR_IMPORT_ASSERTION_TYPE_MISSING, Node 22 ERR_IMPORT_ATTRIBUTE_MISSING), a relative import
 * without its extension or of a folder (ERR_MODULE_NOT_FOUND, ERR_UNSUPPORTED_DIR_IMPORT), and an import of
 * TypeScript (ERR_UNKNOWN_FILE_EXTENSION). An error thrown as a module runs is the module's own, and reaches the
 * caller.
 */
const NODE_REFUSES_GRAPH = new Set([
  "ERR_IMPORT_ATTRIBUTE_MISSING",
  "ERR_IMPORT_ASSERTION_TYPE_MISSING",
  "ERR_MODULE_NOT_FOUND",
  "ERR_UNSUPPORTED_DIR_IMPORT",
  "ERR_UNKNOWN_FILE_EXTENSION",
]);

/**
 * How Node itself would load a file of a package under node_modules: "commonjs" (a `.cjs` file, or `.js` in a
 * CommonJS scope), "module" (`.js` in an ES module scope), or undefined: not a dependency's JavaScript, or a scope
 * that cannot be read (tsx keeps those files, as it did before). Each folder's answer is read once.
 */
function dependencyFormats() {
  const scopes = new Map();
  return (filename) => {
    if (!filename.includes(NODE_MODULES) || filename.includes("?")) return undefined;
    // A `.cjs` file is CommonJS whatever its package says (zod ships ~100 of them in an ES module scope).
    if (filename.endsWith(".cjs")) return "commonjs";
    if (!filename.endsWith(".js")) return undefined;
    const walked = [];
    let answer;
    for (let folder = path.dirname(filename); ;) {
      answer = scopes.get(folder);
      if (answer !== undefined) break;
      walked.push(folder);
      answer = packageScope(folder);
      const parent = path.dirname(folder);
      if (answer !== undefined) break;
      if (parent === folder) {
        answer = "commonjs"; // no package.json up to the root: Node's default
        break;
      }
      folder = parent;
    }
    for (const folder of walked) scopes.set(folder, answer);
    return answer === "unreadable" ? undefined : answer;
  };
}

/**
 * As Node decides a `.js` file's format from the nearest package.json: its `type` "commonjs" or none is "commonjs",
 * "module" is "module"; any other type, or a package.json that cannot be read or parsed, is "unreadable"; undefined
 * when the folder has no package.json.
 */
function packageScope(folder) {
  let text;
  try {
    text = fs.readFileSync(path.join(folder, "package.json"), "utf8");
  } catch (error) {
    return error && (error.code === "ENOENT" || error.code === "ENOTDIR") ? undefined : "unreadable";
  }
  try {
    const parsed = JSON.parse(text);
    const type = parsed && typeof parsed === "object" ? parsed.type : undefined;
    if (type === undefined || type === "commonjs") return "commonjs";
    return type === "module" ? "module" : "unreadable";
  } catch {
    return "unreadable";
  }
}

register();
