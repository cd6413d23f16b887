// Run by tests/engine/program-reload.test.ts in a Node process of its own, under the CLI's loader: jest's module
// registry ignores deletions, so only here does an edited program load again in the same process. Each scenario
// evaluates a program, edits one of its files, evaluates again, and reports the buckets each run registered and
// whether the second ran in this process.
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate } from "../../../engine";

const REPO_ROOT = path.resolve(__dirname, "../../..");
const root = fs.realpathSync(process.argv[2]);

/** Writes `file` as saved a second ago (settled for the next load). */
function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const past = new Date(Date.now() - 1000);
  fs.utimesSync(file, past, past);
}

function project(name: string, files: Record<string, string>, modules?: Record<string, string>): string {
  const dir = path.join(root, name);
  write(path.join(dir, "Pulumi.yaml"), `name: ${name}\nmain: index.ts\nruntime: nodejs\n`);
  write(path.join(dir, "Pulumi.dev.yaml"), "config:\n  gcp:project: p\n  gcp:region: europe-west1\n");
  for (const [file, text] of Object.entries(files)) write(path.join(dir, file), text);
  if (modules) {
    fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
    fs.symlinkSync(
      path.join(REPO_ROOT, "node_modules", "@pulumi"),
      path.join(dir, "node_modules", "@pulumi"),
    );
    for (const [file, text] of Object.entries(modules)) write(path.join(dir, "node_modules", file), text);
  } else fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

const names = (list: string) => `module.exports = { names: ${JSON.stringify(list.split(","))} };\n`;
/** A program exporting a function that registers a bucket per name of `from`, and reports its process. */
const exporting = (from: string, lazy = false, warns = false) => `import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
${lazy ? "" : `import { names } from "${from}";`}
export = async () => {
  ${lazy ? `const { names } = require("${from}");` : ""}
  for (const n of names) new gcp.storage.Bucket(n, { location: "US" });
  ${warns ? 'void pulumi.log.warn(`warns of ${names.join(",")}`);' : ""}
  return { pid: process.pid };
};
`;

async function scenario(
  dir: string,
  edit: () => void,
): Promise<{ before: string[]; after: string[]; sameProcess: boolean; programFiles: string[] }> {
  const run = async () => {
    const evaluation = await evaluate({ programDir: dir });
    const buckets = evaluation.resources
      .filter((r) => r.type === "gcp:storage/bucket:Bucket")
      .map((r) => r.name);
    return { buckets, pid: evaluation.outputs.pid, files: evaluation.programFiles };
  };
  const first = await run();
  edit();
  const second = await run();
  return {
    before: first.buckets,
    after: second.buckets,
    sameProcess: second.pid === undefined || second.pid === process.pid,
    programFiles: first.files.map((f) => path.relative(dir, f)),
  };
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};

  const chain = project("chain", {
    "index.ts": exporting("./mid"),
    "mid.ts": 'export { names } from "./leaf";\n',
    "leaf.ts": names("a1"),
  });
  results.chain = await scenario(chain, () => write(path.join(chain, "leaf.ts"), names("a2")));

  const lazy = project("lazy", { "index.ts": exporting("./lazy", true), "lazy.ts": names("b1") });
  results.lazy = await scenario(lazy, () => write(path.join(lazy, "lazy.ts"), names("b2")));

  const cached = project("cached", { "index.ts": exporting("./names"), "names.ts": names("c1") });
  require(path.join(cached, "names.ts")); // loaded before the program, as another tool in the process might
  results.cached = await scenario(cached, () => write(path.join(cached, "names.ts"), names("c2")));

  const byPackage = project(
    "by-package",
    { "index.ts": exporting("loader", false, true), "config/default.js": names("d1") },
    {
      "loader/index.js":
        'module.exports = require(require("path").join(process.cwd(), "config", "default.js"));\n',
    },
  );
  results.byPackage = await scenario(byPackage, () =>
    write(path.join(byPackage, "config", "default.js"), names("d2")),
  );

  const topLevel = project("top-level", {
    "index.ts": `import * as gcp from "@pulumi/gcp";\nimport { names } from "./names";\nfor (const n of names) new gcp.storage.Bucket(n, { location: "US" });\nexport const pid = process.pid;\n`,
    "names.ts": names("e1"),
  });
  results.topLevel = await scenario(topLevel, () => write(path.join(topLevel, "names.ts"), names("e2")));

  const unchanged = project("unchanged", { "index.ts": exporting("./names"), "names.ts": names("f1") });
  results.unchanged = await scenario(unchanged, () => undefined);

  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
