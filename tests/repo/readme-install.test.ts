/**
 * README's "Use it in your own program" installs what `templates/team` is: the template is the repository a test packs
 * this package into and runs (tests/package/template.test.ts), so its package.json is the tested set, and the README's
 * commands must name that set and nothing else. TypeScript is named by a major @pulumi/pulumi accepts: without it,
 * npm resolves ts-node's peer to the newest TypeScript and refuses the install (ERESOLVE).
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const readJson = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as Record<string, Record<string, string>>;

/** The packages of each `npm install` line of the section, as `name -> version given` ("" when none). */
function readmeInstalls(): { dependencies: Map<string, string>; devDependencies: Map<string, string> } {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Use it in your own program");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1].split("\n"))
    .filter((line) => line.startsWith("npm install "));
  const packages = (line: string) =>
    new Map(
      line
        .split(/\s+/)
        .slice(2)
        .filter((word) => !word.startsWith("-"))
        .map((word) => {
          const at = word.lastIndexOf("@");
          return at > 0 ? [word.slice(0, at), word.slice(at + 1)] : [word, ""];
        }),
    );
  return {
    dependencies: packages(lines.find((l) => !l.includes("--save-dev")) ?? ""),
    devDependencies: packages(lines.find((l) => l.includes("--save-dev")) ?? ""),
  };
}

test("the README installs the template's dependencies and dev dependencies, by name", () => {
  const template = readJson("templates/team/package.json");
  const readme = readmeInstalls();
  expect([...readme.dependencies.keys()].sort()).toEqual(Object.keys(template.dependencies).sort());
  expect([...readme.devDependencies.keys()].sort()).toEqual(Object.keys(template.devDependencies).sort());
});

test("TypeScript is named by the template's major, which @pulumi/pulumi's peer range takes", () => {
  const major = readmeInstalls().devDependencies.get("typescript");
  expect(major).toMatch(/^\d+$/);
  expect(readJson("templates/team/package.json").devDependencies.typescript.split(".")[0]).toBe(major);
  // The SDK's range, e.g. ">= 3.8.3 < 7": the README's major must be below its upper bound.
  const range = readJson("node_modules/@pulumi/pulumi/package.json").peerDependencies.typescript;
  const below = /<\s*(\d+)/.exec(range);
  expect(below).not.toBeNull();
  expect(Number(major)).toBeLessThan(Number(below![1]));
});
