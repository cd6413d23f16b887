/**
 * A program edited between two evaluations in one process is evaluated as edited (the development loop, a `diff` of
 * revisions in one folder): its own modules changed on disk are loaded again, with every module that imports them;
 * an unchanged program is not loaded again; its packages' modules never are. `Evaluation.programFiles` names the
 * program's own files, which the development loop watches.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate } from "../../engine";
import { ProgramModules, wallClockNs } from "../../engine/program-modules";
import { codeFolder } from "../local/temp-project";

/** A program that exports a function, its bucket names in a module of its own, and when its entry was loaded. */
const PROGRAM = `import * as gcp from "@pulumi/gcp";
import { buckets } from "./buckets";

const loadedAt = \`\${process.hrtime.bigint()}\`;

export = async () => {
  for (const name of buckets) new gcp.storage.Bucket(name, { location: "US" });
  return { loadedAt, buckets };
};
`;
const buckets = (...names: string[]) => `export const buckets = ${JSON.stringify(names)};\n`;

/** Writes `file` as an editor saved it a second ago (a file modified as a load begins is read again next time). */
function write(file: string, text: string): void {
  fs.writeFileSync(file, text);
  const past = new Date(Date.now() - 1000);
  fs.utimesSync(file, past, past);
}

describe.each([false, true])("a program edited between evaluations (preview: %s)", (preview) => {
  let dir: string;
  beforeAll(() => {
    dir = fs.realpathSync(codeFolder("program-edits").dir);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: program-edits\nmain: index.ts\nruntime: nodejs\n");
    fs.writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      "config:\n  gcp:project: p\n  gcp:region: europe-west1\n",
    );
    write(path.join(dir, "index.ts"), PROGRAM);
    write(path.join(dir, "buckets.ts"), buckets("alpha"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = () => evaluate({ programDir: dir, preview });
  const names = (evaluation: Awaited<ReturnType<typeof run>>) =>
    evaluation.resources.filter((r) => r.type === "gcp:storage/bucket:Bucket").map((r) => r.name);

  test("unchanged, it runs again without being loaded again; its own files are named", async () => {
    const first = await run();
    const second = await run();
    expect(names(second)).toEqual(["alpha"]);
    expect(second.outputs.loadedAt).toBe(first.outputs.loadedAt);
    expect(second.programFiles).toEqual([path.join(dir, "buckets.ts"), path.join(dir, "index.ts")]);
  }, 60_000);

  test("an edit to a module it imports is seen, and the entry that imports it is loaded again", async () => {
    const before = await run();
    write(path.join(dir, "buckets.ts"), buckets("alpha", "beta"));
    const after = await run();
    expect(names(after)).toEqual(["alpha", "beta"]);
    expect(after.outputs).toMatchObject({ buckets: ["alpha", "beta"] });
    expect(after.outputs.loadedAt).not.toBe(before.outputs.loadedAt);
  }, 60_000);

  test("a file saved by renaming a new one over it is seen", async () => {
    const next = path.join(dir, "buckets.ts.new");
    write(next, buckets("gamma"));
    fs.renameSync(next, path.join(dir, "buckets.ts"));
    expect(names(await run())).toEqual(["gamma"]);
  }, 60_000);
});

describe("ProgramModules", () => {
  let dir: string;
  /** Writes a file last modified a second ago: settled, for a load that begins now. */
  const file = (name: string, text = name) => {
    const at = path.join(dir, name);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, text);
    const past = new Date(Date.now() - 1000);
    fs.utimesSync(at, past, past);
    return at;
  };
  /** A module cache as Node keeps it: file -> module, with the modules each one required. */
  const cacheOf = (graph: Record<string, string[]>) =>
    Object.fromEntries(
      Object.entries(graph).map(([f, children]) => [
        f,
        { filename: f, children: children.map((c) => ({ filename: c })) },
      ]),
    ) as unknown as NodeJS.Require["cache"];
  const modulesIn = () => new ProgramModules([dir]);
  beforeEach(() => {
    dir = fs.realpathSync(codeFolder("program-modules").dir);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("records the project's files the entry reaches, through packages too, and nothing else", () => {
    const [entry, own, cached, byPackage, unreached] = [
      "index.ts",
      "lib/own.ts",
      "cached.ts",
      "config/default.js",
      "unreached.ts",
    ].map((n) => file(n));
    const pkg = file("node_modules/pkg/index.js");
    const outside = path.join(path.dirname(dir), "linked-package", "index.js");
    const modules = modulesIn();
    modules.record(
      cacheOf({
        [entry]: [own, pkg, cached, outside, "node:fs"],
        [own]: [],
        [cached]: [],
        [pkg]: [byPackage],
        [byPackage]: [],
        [unreached]: [],
        [outside]: [],
      }),
      entry,
      wallClockNs(),
    );
    expect(modules.files()).toEqual([cached, byPackage, entry, own].sort());
    expect(modules.changed()).toEqual([]);
  });

  test("changed: an edit, a replacement, a removal, and a file modified as the load began", () => {
    const [a, b, c, d, e] = ["a.ts", "b.ts", "c.ts", "d.ts", "e.ts"].map((n) => file(n));
    const modules = modulesIn();
    const since = wallClockNs();
    fs.writeFileSync(e, "written while the load ran");
    modules.record(cacheOf({ [a]: [b, c, d, e], [b]: [], [c]: [], [d]: [], [e]: [] }), a, since);
    fs.appendFileSync(a, "// edited");
    fs.writeFileSync(`${b}.tmp`, "b.ts");
    fs.renameSync(`${b}.tmp`, b);
    fs.rmSync(c);
    expect(modules.changed()).toEqual([a, b, c, e]);
  });

  test("forget drops the changed modules and every own module that imports them", () => {
    const [entry, mid, leaf, sibling] = ["index.ts", "mid.ts", "leaf.ts", "sibling.ts"].map((n) => file(n));
    const pkg = file("node_modules/pkg/index.js");
    const cache = cacheOf({
      [entry]: [mid, sibling, pkg],
      [mid]: [leaf],
      [leaf]: [],
      [sibling]: [],
      [pkg]: [],
    });
    const modules = modulesIn();
    modules.record(cache, entry, wallClockNs());
    expect(modules.forget(cache, entry, [leaf])).toBe(true);
    expect(Object.keys(cache ?? {}).sort()).toEqual([pkg, sibling].sort());
    expect(modules.files()).toEqual([sibling]);
  });

  test("forget refuses, dropping nothing, a file a package imports: the package would keep its old exports", () => {
    const [entry, config] = ["index.ts", "config/default.js"].map((n) => file(n));
    const pkg = file("node_modules/config/index.js");
    const cache = cacheOf({ [entry]: [pkg], [pkg]: [config], [config]: [] });
    const modules = modulesIn();
    modules.record(cache, entry, wallClockNs());
    expect(modules.forget(cache, entry, [config])).toBe(false);
    expect(Object.keys(cache ?? {}).sort()).toEqual([entry, pkg, config].sort());
    expect(modules.files()).toEqual([config, entry].sort());
  });

  test("forget says so where the cache ignores deletions, so the program runs in a fresh process", () => {
    const entry = file("index.ts");
    const registry = cacheOf({ [entry]: [] }) ?? {};
    const ignoring = new Proxy(registry, { deleteProperty: () => true });
    const modules = modulesIn();
    modules.record(ignoring, entry, wallClockNs());
    expect(modules.forget(ignoring, entry, [entry])).toBe(false);
    fs.appendFileSync(entry, "// edited");
    expect(modules.changed()).toEqual([entry]); // still stale here: the next evaluation runs elsewhere too
  });
});
