/**
 * The repository is its user's: they rename, add and remove functions, so nothing the package says may assume the
 * reference set (login, profiles, search). Every string the shipped code holds (each string and template literal of
 * the folders `npm run build` compiles, and bin/) is read with TypeScript's parser; a message that needs an example
 * takes the user's own names or a placeholder (NAME, CALLEE).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { shippedFolders } from "../package/shipped-folders";

const ROOT = path.resolve(__dirname, "../..");
const REFERENCE_NAMES = /\b(login|profiles|search)\b/;
/** The same words in their ordinary sense. */
const ORDINARY = [/application-default login\b/, /\ba user login\b/, /\bAsset Inventory search\b/];

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(full);
    return /\.(ts|cts|mts|js|cjs|mjs)$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

/** `file:line: text` of every string literal of `file` naming a reference function. */
function namingStrings(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      const text = ORDINARY.reduce((t, words) => t.replace(words, ""), node.text);
      if (REFERENCE_NAMES.test(text)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        found.push(`${path.relative(ROOT, file)}:${line}: ${JSON.stringify(node.text)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test("no string of the shipped code names login, profiles or search", () => {
  const files = [...shippedFolders(), "bin"].flatMap((dir) => sources(path.join(ROOT, dir)));
  expect(files.length).toBeGreaterThan(100);
  expect(files.flatMap(namingStrings)).toEqual([]);
});

test("the check finds such a string, in a plain literal and in a template alike", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-names-"));
  try {
    const file = path.join(dir, "example.ts");
    fs.writeFileSync(
      file,
      'const a = "e.g. [profiles]";\nconst b = `run ${a} as login`;\nconst c = "gcloud auth application-default login";\n',
    );
    expect(namingStrings(file).map((f) => f.replace(/^.*example\.ts:/, ""))).toEqual([
      '1: "e.g. [profiles]"',
      '2: " as login"',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
