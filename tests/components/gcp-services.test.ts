import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { shippedFolders } from "../package/shipped-folders";

/**
 * components/gcp.ts: the package and the reference program import @pulumi/gcp's services one by one, never the
 * package's index, which loads all ~150 of them (about 90 ms in each process that evaluates a program) and makes a type
 * check parse every one's typings. A user's program may still import the index; the package does not make it.
 */
const ROOT = path.resolve(__dirname, "../..");
/** The folders the package ships. */
const SHIPPED = shippedFolders();
const INDEX_IMPORT = /(?:from\s+|require\(\s*|import\(\s*)["']@pulumi\/gcp["']/;

function sources(): string[] {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => /\.(ts|js|cjs|mjs)$/.test(f) && fs.existsSync(path.join(ROOT, f)));
  // The top level holds the reference program (index.ts); the folders, what a user's process loads of ours.
  return files.filter((f) => !f.includes("/") || SHIPPED.some((folder) => f.startsWith(`${folder}/`)));
}

test("no file of the package or the reference program imports @pulumi/gcp's index", () => {
  const checked = sources();
  expect(SHIPPED).toEqual(expect.arrayContaining(["components", "engine", "policy"]));
  expect(checked).toEqual(expect.arrayContaining(["index.ts", "components/gcp.ts", "policy/policies.ts"]));
  const offenders = checked.filter((f) => INDEX_IMPORT.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
  expect(offenders).toEqual([]);
});

test("the check above finds an import of the index, whichever way it is written", () => {
  for (const line of [
    'import * as gcp from "@pulumi/gcp";',
    "import gcp = require('@pulumi/gcp');",
    'const gcp = await import("@pulumi/gcp");',
  ])
    expect([line, INDEX_IMPORT.test(line)]).toEqual([line, true]);
  expect(INDEX_IMPORT.test('import * as storage from "@pulumi/gcp/storage";')).toBe(false);
});

test("loading the components and the reference program leaves @pulumi/gcp's index unloaded", () => {
  // In a child process: jest's module registry is not Node's. The CLI's loader, as `callgraph` commands load both.
  const script = [
    'require("./components");',
    'require("./index.ts");',
    "const loaded = Object.keys(require.cache).filter((f) => f.includes('/node_modules/@pulumi/gcp/'));",
    "const rel = (f) => f.slice(f.indexOf('/@pulumi/gcp/') + '/@pulumi/gcp/'.length);",
    "console.log(JSON.stringify(loaded.map(rel)));",
  ].join("\n");
  const out = execFileSync(process.execPath, ["--require", "./bin/register-tsx.js", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const loaded = JSON.parse(out) as string[];
  expect(loaded).not.toContain("index.js");
  // What is loaded is what components/gcp.ts names: the services' own modules.
  expect(loaded).toEqual(expect.arrayContaining(["cloudfunctions/index.js", "serviceaccount/index.js"]));
}, 60_000);
