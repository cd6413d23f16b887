"use strict";
// Preloaded into a function's process by the local stack (NODE_OPTIONS=--require, local/local-secrets.ts) when the
// function mounts secrets as files. Deployed, a file secret sits at its declared path (e.g. /etc/secrets/tls/cert),
// in a folder that holds that secret alone; locally that folder is a copy under the run's folder. This maps every
// read of a declared secret folder to its copy, so the function's code reads the path it will read when deployed.
// Only paths inside the declared folders are touched; every other path reaches the file system unchanged.
const fs = require("node:fs");
const path = require("node:path");
const { fileURLToPath } = require("node:url");

const raw = process.env.CALLGRAPH_LOCAL_SECRET_FOLDERS;
if (raw) {
  /** @type {[string, string][]} declared folder -> local copy */
  const folders = Object.entries(JSON.parse(raw));
  const mapped = (p) => {
    let text;
    if (typeof p === "string") text = p;
    else if (p instanceof URL && p.protocol === "file:") text = fileURLToPath(p);
    else if (Buffer.isBuffer(p)) text = p.toString();
    else return p;
    if (!path.isAbsolute(text)) return p;
    const abs = path.resolve(text);
    for (const [folder, local] of folders)
      if (abs === folder || abs.startsWith(`${folder}/`)) return local + abs.slice(folder.length);
    return p;
  };
  const wrap = (target, name) => {
    const original = target[name];
    if (typeof original !== "function") return;
    target[name] = function (p, ...rest) {
      return original.call(this, mapped(p), ...rest);
    };
  };
  const reads = ["readFile", "stat", "lstat", "access", "open", "readdir"];
  for (const name of [...reads, ...reads.map((n) => `${n}Sync`), "existsSync", "createReadStream"])
    wrap(fs, name);
  for (const name of reads) wrap(fs.promises, name);
}
