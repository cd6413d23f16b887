/**
 * `callgraph/testing` is the one entry point of the package that needs jest: the component, the function runtime
 * and the tools never load it (a program or a function has no jest). And a stack asked for that has no stack file
 * is a failure naming the file, not an empty declaration.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readDeclaration } from "../../testing/declaration";
import { shippedFolders } from "../package/shipped-folders";

const ROOT = path.resolve(__dirname, "../..");

/** The modules a file imports, re-exports or requires, relative ones resolved to a repository path. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g),
    ...text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g),
    ...text.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g),
  ].map(([, s]) => (s.startsWith(".") ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s)) : s));
}

test("only testing/ imports jest, and nothing the package ships imports testing/", () => {
  const folders = shippedFolders();
  expect(folders).toContain("testing");
  const offenders = folders
    .filter((folder) => folder !== "testing")
    .flatMap((folder) =>
      fs
        .readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
        .filter(
          (f) => /\.(ts|cts|mts|cjs|js)$/.test(f) && !f.endsWith(".test.ts") && !f.includes("node_modules"),
        )
        .map((f) => path.join(folder, f)),
    )
    .flatMap((file) =>
      importsOf(file)
        .filter(
          (m) => /^(@jest\/|jest$|jest-)/.test(m) || m === "testing" || m.startsWith(`testing${path.sep}`),
        )
        .map((m) => `${file} -> ${m}`),
    );
  expect(offenders).toEqual([]);
});

describe("a stack asked for", () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-testing-"));
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: project\nruntime: nodejs\n");
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("without its Pulumi.<stack>.yaml is an error naming the file", () => {
    expect(() => readDeclaration(root, "prod")).toThrow(
      `${path.join(root, "Pulumi.prod.yaml")}: no such file. Add the stack's file, or leave prod out of \`stacks\``,
    );
  });
});
