import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sourceRoots } from "../../engine/program-entry";

// The folders a function's `source` resolves against, as the local stack's samples, `npm start`'s loop and SARIF
// read them: from the entry Pulumi runs, whatever package.json names for the package it also is.
let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-source-roots-")));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test("Pulumi.yaml's main decides, not package.json's exports (this repository's own layout)", () => {
  const code = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-source-roots-code-"));
  try {
    fs.writeFileSync(path.join(code, "index.ts"), "export {};\n");
    fs.symlinkSync(path.join(code, "index.ts"), path.join(dir, "index.ts"));
    fs.mkdirSync(path.join(dir, "dist", "components"), { recursive: true });
    fs.writeFileSync(path.join(dir, "dist", "components", "index.js"), "");
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ exports: { ".": "./dist/components/index.js" } }),
    );
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: p\nmain: index.ts\nruntime: nodejs\n");
    expect(sourceRoots(dir)).toEqual([fs.realpathSync(code), dir]);
    // Without Pulumi.yaml's main, Pulumi would run the package's entry: its folder comes first.
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\n");
    expect(sourceRoots(dir)).toEqual([path.join(dir, "dist", "components"), dir]);
  } finally {
    fs.rmSync(code, { recursive: true, force: true });
  }
});

test("a folder without a project or an entry resolves against itself", () => {
  expect(sourceRoots(dir)).toEqual([dir]);
});
