/** How the stack tests list a bundle's exports: ES entries from the archive build, CommonJS by loading the bundle. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseTopology } from "../../topology";
import { bundleFunction } from "../../testing/entry-exports";

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-exports-"));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write("fns/esm/index.ts", 'export const handle = () => "esm";\nexport function other() {}\n');
  write("fns/cjs/index.js", 'module.exports.handle = () => "cjs";\nexports.extra = 1;\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const spec = (source: string) => parseTopology({ fn: { source, entryPoint: "handle" } }).functions[0];

test.each([
  ["an ES module, from the archive build's metafile", "fns/esm", ["handle", "other"], "esbuild metafile"],
  [
    "a CommonJS module, by loading its bundle in a child process",
    "fns/cjs",
    ["extra", "handle"],
    "loading the bundle",
  ],
])("lists the exports of %s", (_title, source, exports, via) => {
  const bundled = bundleFunction(root, spec(source));
  expect({ exports: bundled.exports, via: bundled.via }).toEqual({ exports, via });
  expect(bundled.archive.path.startsWith(path.join(root, ".callgraph", "build"))).toBe(true);
});
