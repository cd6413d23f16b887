/**
 * The package as a user gets it (issue 20): `npm pack` of this repository, installed into a copy of `templates/team`
 * in a temporary folder without the network (the tarball unpacked as node_modules/callgraph, every other dependency
 * linked from this repository's node_modules, as npm would have installed them), and there the user's own commands:
 * `graph`, `check`, `diff`, `npm test` and `npm start -- --once`. Nothing of this repository's sources is reachable
 * from there: the program, the CLI and the function code load the compiled package.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { shippedFolders } from "./shipped-folders";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "../..");
const TEMPLATE = path.join(REPO, "templates", "team");
/** The folders compiled into dist/. */
const PACKAGE_SOURCES = shippedFolders();

let work: string;
let project: string;

/** Builds dist/ when a source is newer than it (CI's `npm ci` has just built it: then nothing to do). */
function ensureBuilt(): void {
  const built = path.join(REPO, "dist", "components", "index.js");
  const newest = Math.max(
    ...PACKAGE_SOURCES.flatMap((dir) => files(path.join(REPO, dir))).map((f) => fs.statSync(f).mtimeMs),
  );
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < newest)
    execFileSync("npm", ["run", "build"], { cwd: REPO, stdio: "pipe" });
}

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : files(full);
    return /\.(ts|cjs)$/.test(entry.name) ? [full] : [];
  });
}

/** `node_modules` as `npm install` of the tarball would leave it, offline. */
function install(tarball: string, into: string): void {
  const modules = path.join(into, "node_modules");
  fs.mkdirSync(path.join(modules, ".bin"), { recursive: true });
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (entry === ".bin" || entry === "callgraph" || entry.startsWith(".")) continue;
    fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry), "dir");
  }
  for (const bin of fs.readdirSync(path.join(REPO, "node_modules", ".bin")))
    fs.symlinkSync(
      fs.realpathSync(path.join(REPO, "node_modules", ".bin", bin)),
      path.join(modules, ".bin", bin),
    );
  execFileSync("tar", ["-xzf", tarball, "-C", work]);
  fs.renameSync(path.join(work, "package"), path.join(modules, "callgraph"));
  fs.symlinkSync(
    path.join(modules, "callgraph", "bin", "callgraph.js"),
    path.join(modules, ".bin", "callgraph"),
  );
}

const callgraph = (...args: string[]) =>
  run(process.execPath, [path.join(project, "node_modules", "callgraph", "bin", "callgraph.js"), ...args], {
    cwd: project,
    env: { ...process.env, NO_COLOR: "1" },
  });

beforeAll(async () => {
  ensureBuilt();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-template-"));
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
    cwd: REPO,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  project = path.join(work, "team");
  fs.cpSync(TEMPLATE, project, { recursive: true });
  install(path.join(work, packed!.filename), project);
}, 180_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test("the packed package holds compiled JavaScript and declarations, no TypeScript source", () => {
  const packed = path.join(project, "node_modules", "callgraph");
  const shipped = files(packed).map((f) => path.relative(packed, f));
  expect(shipped.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  for (const entry of [
    "dist/components/index.js",
    "dist/components/index.d.ts",
    "dist/functions/shared/index.js",
  ])
    expect(fs.existsSync(path.join(packed, entry))).toBe(true);
  for (const file of ["LICENSE", "CHANGELOG.md", "README.md", "package.json"])
    expect(fs.existsSync(path.join(packed, file))).toBe(true);
});

// `pulumi preview --policy-pack node_modules/callgraph/dist/policy`: the pack as the Pulumi CLI runs a local one
// (@pulumi/pulumi's cmd/run-policy-pack, from the pack's folder: its package.json's main, PulumiPolicy.yaml beside
// it), loaded from the installed package with nothing of this repository's. It prints its gRPC port once it serves
// (tests/policy/pack-process.test.ts drives the same runner through the analyzer calls, from policy/).
test("the policy pack runs from the installed package, as --policy-pack names it", async () => {
  const folder = path.join(project, "node_modules", "callgraph", "dist", "policy");
  expect(fs.readFileSync(path.join(folder, "PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, "package.json"), "utf8")) as { main: string };
  expect(fs.existsSync(path.join(folder, manifest.main))).toBe(true);
  const runner = path.join(project, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
  const pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
    cwd: folder,
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      pack.stdout.on("data", (chunk: Buffer) => {
        out += String(chunk);
        const match = /^(\d+)\s*$/m.exec(out);
        if (match) resolve(Number(match[1]));
      });
      let err = "";
      pack.stderr.on("data", (chunk: Buffer) => (err += String(chunk)));
      pack.on("exit", (code) =>
        reject(new Error(`the pack exited (${code}) before serving:\n${out}\n${err}`)),
      );
    });
    expect(port).toBeGreaterThan(0);
  } finally {
    pack.kill();
  }
}, 60_000);

test("graph: the template's declared edge and its scheduled caller, from the compiled package", async () => {
  const { stdout } = await callgraph("graph", "--format", "json");
  const graph = JSON.parse(stdout) as {
    functions: { name: string; invokedBy: { invoker: string; kind: string }[] }[];
    sources: { name: string; kind: string; serviceAccount: string; calls: string[] }[];
  };
  const invokers = (name: string) =>
    graph.functions.find((f) => f.name === name)?.invokedBy.map((i) => `${i.invoker} (${i.kind})`);
  expect(invokers("billing")).toEqual(["nightly-prices (source)", "orders (function)"]);
  expect(invokers("orders")).not.toContainEqual(expect.stringContaining("billing"));
  expect(graph.sources).toEqual([
    {
      name: "nightly-prices",
      kind: "scheduler",
      serviceAccount: "src-nightly-prices@my-project.iam.gserviceaccount.com",
      calls: ["billing"],
      audiences: ["https://billing-123456789012.europe-west1.run.app"],
      managed: true,
    },
  ]);
}, 120_000);

test("check: no policy violation", async () => {
  await expect(callgraph("check")).resolves.toBeDefined();
}, 120_000);

test("diff: a new invoker in the stack file is a labelled change against the last commit", async () => {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: project, stdio: "pipe" });
  git("init", "-q");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "start");
  const stackFile = path.join(project, "Pulumi.dev.yaml");
  fs.writeFileSync(
    stackFile,
    fs
      .readFileSync(stackFile, "utf8")
      .replace("billing: {}", 'billing:\n      invokers: ["user:finance-lead@acme.com"]'),
  );
  const { stdout } = await callgraph("diff", "--base", "HEAD", "--format", "json");
  const diff = JSON.parse(stdout) as { empty: boolean; changes: unknown[] };
  expect(diff.empty).toBe(false);
  expect(JSON.stringify(diff.changes)).toContain("billing");
  fs.writeFileSync(stackFile, fs.readFileSync(path.join(TEMPLATE, "Pulumi.dev.yaml"), "utf8"));
}, 120_000);

test("npm test runs the user's own tests: the stack tests generated from the stack file", async () => {
  const { stdout, stderr } = await run("npm", ["test", "--silent"], {
    cwd: project,
    env: { ...process.env, CI: "1" },
  });
  expect(`${stdout}\n${stderr}`).toMatch(/Tests:\s+\d+ passed, \d+ total/);
}, 170_000);

test("npm start -- --once: the local stack serves the template and its scenario passes", async () => {
  const { stdout, stderr } = await run("npm", ["start", "--silent", "--", "--once"], { cwd: project });
  expect(`${stdout}\n${stderr}`).toMatch(/orders/);
  // The scheduled caller's run is delivered as Cloud Scheduler sends it, signed for its own account.
  expect(`${stdout}\n${stderr}`).toMatch(
    /ok {3}nightly-prices \(scheduler\) delivers to billing: expected allowed, got 200/,
  );
}, 120_000);
