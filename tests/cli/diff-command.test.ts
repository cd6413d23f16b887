import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { callSitesOf, EvaluationError } from "../../engine";
import { diffCommand } from "../../cli/commands/diff";
import { evaluateRevisions } from "../../cli/diff/revisions";
import { registerDiff } from "../../cli/options/diff";
import { graphCommand } from "../../cli/commands/graph";
import { registerGraph } from "../../cli/options/graph";
import type { GraphDiff } from "../../cli/diff/types";
import { CheckFailed, UsageError } from "../../cli/errors";
import { COMMENT_MARKER } from "../../cli/render/diff-markdown";
import { fn, PROJECT, ProgramRepo } from "./support/program-repo";

const BASE = {
  login: fn({ calls: ["profiles"], invokers: ["group:dev@example.com"] }),
  profiles: fn({ code: "hello" }),
  search: fn({ calls: ["profiles"] }),
};

/** index.ts that runs the declared program and then adds a grant by hand, as someone might in a hurry. */
const ROGUE_INDEX = `import * as gcp from "@pulumi/gcp";
import program = require("./program");

export = async () => {
  const outputs = await program();
  new gcp.cloudfunctions.FunctionIamMember("rogue", {
    project: "${PROJECT}",
    region: "europe-west1",
    cloudFunction: "profiles",
    role: "roles/cloudfunctions.invoker",
    member: "user:mallory@example.com",
  });
  return outputs;
};
`;

let repo: ProgramRepo;

beforeAll(() => {
  repo = ProgramRepo.create();
  repo
    .write("README.md", "a repository before it had a Pulumi program\n")
    .commit("no-program", ["README.md"]);
  repo.topology(BASE).commit("base");
  repo.topology({ ...BASE, search: fn({ calls: ["profiles", "login"] }) }).commit("edge-added");
  repo.topology({ ...BASE, search: fn() }).commit("edge-removed");
  repo.topology({ ...BASE, status: fn({ invokers: ["allUsers"], code: "hello" }) }).commit("public");
  const { search, ...others } = BASE;
  repo
    .topology({
      ...others,
      finder: search,
      login: fn({ calls: ["profiles"], invokers: ["group:dev@example.com"] }),
    })
    .commit("renamed");
  repo.topology(BASE).write("README.md", "only the README changed\n").commit("unrelated");
  repo.topology({ ...BASE, search: fn({ calls: ["nowhere"] }) }).commit("broken");
  repo.write("Pulumi.dev.yaml", "config:\n  callgraph:functions:\n    login: [oops\n").commit("bad-yaml");
  repo
    .topology(BASE)
    .write("program.ts", repo.read("index.ts"))
    .write("index.ts", ROGUE_INDEX)
    .commit("rogue");
});

afterAll(() => repo.dispose());

const diff = async (base: string, head?: string): Promise<GraphDiff> =>
  (await diffCommand({ base, head, dir: repo.dir })).diff;
const rows = (d: GraphDiff) => d.changes.map((c) => `${c.kind} ${c.risk} ${c.subject}`);

describe("callgraph diff between two commits", () => {
  test("a new edge", async () => {
    expect(rows(await diff("base", "edge-added"))).toEqual(["grant-added medium search → login"]);
  });

  test("a removed edge", async () => {
    expect(rows(await diff("base", "edge-removed"))).toEqual(["grant-removed low search → profiles"]);
  });

  test("a new public function", async () => {
    expect(rows(await diff("base", "public"))).toEqual([
      "grant-added high allUsers → status",
      "function-added low status",
    ]);
  });

  test("a renamed function", async () => {
    expect(rows(await diff("base", "renamed"))).toEqual(["function-renamed medium search → finder"]);
  });

  test("an undeclared grant added in index.ts", async () => {
    const d = await diff("base", "rogue");
    expect(rows(d)).toEqual(["grant-added high user:mallory@example.com → profiles"]);
    expect(d.changes[0]).toMatchObject({
      managed: false,
      resources: [{ type: "gcp:cloudfunctions/functionIamMember:FunctionIamMember", name: "rogue" }],
    });
    expect(d.changes[0].reasons[1]).toBe(
      `undeclared grant: made outside the callgraph components (FunctionIamMember "rogue"); not among profiles' declared invokers`,
    );
  });

  test("no change at all: an empty diff that says so", async () => {
    const result = await diffCommand({ base: "base", head: "unrelated", dir: repo.dir });
    expect(result.diff.changes).toEqual([]);
    // Text, though the output is no terminal: the default does not depend on where it goes.
    expect(result.output).toMatch(/^Call graph: no change\n/);
    expect(
      (await diffCommand({ base: "base", head: "unrelated", dir: repo.dir, format: "markdown" })).output,
    ).toContain("### Call graph: no change");
    expect(
      JSON.parse(
        (await diffCommand({ base: "base", head: "unrelated", dir: repo.dir, format: "json" })).output,
      ),
    ).toMatchObject({ empty: true, changes: [] });
  });

  test("text on a terminal, in colour unless NO_COLOR is set", async () => {
    const flags = { base: "base", head: "edge-added", dir: repo.dir };
    const terminal = await diffCommand(flags, { isTty: true, env: {} });
    expect(terminal.output).toMatch(/^\u001b\[1mCall graph: 0 high · 1 medium · 0 low\u001b\[0m\n/);
    expect(terminal.output).toContain("\u001b[33mMEDIUM\u001b[0m  edge added  search → login\n");
    const noColour = await diffCommand(flags, { isTty: true, env: { NO_COLOR: "1" } });
    expect(noColour.output).toBe(terminal.output.replace(/\u001b\[\d+m/g, ""));
    expect(noColour.output).toMatch(
      /^Call graph: 0 high · 1 medium · 0 low\nbase \([0-9a-f]{7}\) → edge-added/,
    );
  });

  test("JSON names both commits", async () => {
    const json = JSON.parse(
      (await diffCommand({ base: "base", head: "edge-added", dir: repo.dir, format: "json" })).output,
    ) as { base: { commit: string }; head: { commit: string } };
    expect(json.base.commit).toBe(repo.git("rev-parse", "base"));
    expect(json.head.commit).toBe(repo.git("rev-parse", "edge-added"));
  });
});

describe("revisions that cannot be compared fail with the revision named, never half a diff", () => {
  test("a bad ref", async () => {
    await expect(diffCommand({ base: "no-such-branch", dir: repo.dir })).rejects.toThrow(UsageError);
    await expect(diffCommand({ base: "no-such-branch", dir: repo.dir })).rejects.toThrow(
      /^unknown revision "no-such-branch": no branch, tag or commit of that name/,
    );
    await expect(diffCommand({ base: "base", head: "--output=x", dir: repo.dir })).rejects.toThrow(
      /unknown revision "--output=x"/,
    );
  });

  test("a stack neither revision has", async () => {
    await expect(
      diffCommand({ base: "base", head: "edge-added", dir: repo.dir, stack: "prod" }),
    ).rejects.toThrow(
      /^base revision "base" \([0-9a-f]{7}\) has no Pulumi\.prod\.yaml \(stack prod does not exist there\), and head revision "edge-added" \([0-9a-f]{7}\) has no Pulumi\.prod\.yaml \(stack prod does not exist there\)\. Pass a --stack that one of them has$/,
    );
  });

  test("a base revision whose program fails", async () => {
    const failure = diffCommand({ base: "broken", head: "base", dir: repo.dir });
    await expect(failure).rejects.toThrow(EvaluationError);
    await expect(diffCommand({ base: "broken", head: "base", dir: repo.dir })).rejects.toThrow(
      /^base revision "broken" \([0-9a-f]{7}\): Invalid call graph[\s\S]*unknown function "nowhere"/,
    );
  });

  test("a base revision whose stack file is not YAML: the file named as in the repository, not the removed checkout", async () => {
    const failure = diffCommand({ base: "bad-yaml", head: "base", dir: repo.dir });
    await expect(failure).rejects.toThrow(
      /^base revision "bad-yaml" \([0-9a-f]{7}\): Pulumi\.dev\.yaml:4:1: .*Fix the YAML syntax there$/,
    );
    await expect(failure).rejects.not.toThrow(os.tmpdir());
  });

  test("a head revision whose program fails", async () => {
    await expect(diffCommand({ base: "base", head: "broken", dir: repo.dir })).rejects.toThrow(
      /^head revision "broken" \([0-9a-f]{7}\): Invalid call graph/,
    );
  });

  test("no worktree is left behind, after successes and failures alike", async () => {
    await diffCommand({ base: "base", head: "public", dir: repo.dir });
    await expect(diffCommand({ base: "broken", head: "base", dir: repo.dir })).rejects.toThrow();
    expect(
      repo
        .git("worktree", "list", "--porcelain")
        .split("\n")
        .filter((l) => l.startsWith("worktree ")),
    ).toEqual([`worktree ${repo.dir}`]);
    const ours = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("callgraph-diff-"));
    expect(
      ours.filter((f) =>
        fs.existsSync(path.join(os.tmpdir(), f, repo.git("rev-parse", "broken").slice(0, 12))),
      ),
    ).toEqual([]);
  });
});

// The change that adopts callgraph, or adds a stack, deploys all it declares: a reviewer must see every grant of it,
// a public one too, and --fail-on must catch it. The change that removes a stack removes every grant.
describe("a side without the program or the stack: everything on the other side is the change", () => {
  test("a base revision with no Pulumi program: every function and grant is added, a public one is caught", async () => {
    const result = await diffCommand({
      base: "no-program",
      head: "public",
      dir: repo.dir,
      failOn: ["public"],
    });
    expect(result.revisions.base.absent).toBe(
      "no Pulumi program in the repository root (Pulumi.yaml is missing)",
    );
    expect(rows(result.diff)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^function-added .* status$/),
        expect.stringMatching(/^grant-added .* allUsers → status$/),
      ]),
    );
    expect(result.diff.changes.every((c) => c.kind.endsWith("-added"))).toBe(true);
    expect(result.output).toContain(
      "; the base has no Pulumi program in the repository root (Pulumi.yaml is missing)",
    );
    expect(result.failures).toEqual([expect.stringMatching(/^public: allUsers → status/)]);
  });

  test("a project whose program is not index.ts is evaluated, never taken for an absent one", async () => {
    repo.git("checkout", "--quiet", "public");
    try {
      fs.renameSync(path.join(repo.dir, "index.ts"), path.join(repo.dir, "main.ts"));
      repo
        .write(
          "Pulumi.yaml",
          repo
            .read("Pulumi.yaml")
            .replace(/^main: .*$/m, "")
            .concat("main: main.ts\n"),
        )
        .commit("moved");
      const result = await diffCommand({ base: "base", head: "moved", dir: repo.dir, failOn: ["public"] });
      expect(result.revisions.head.absent).toBeUndefined();
      expect(result.failures).toEqual([expect.stringMatching(/^public: allUsers → status/)]);
    } finally {
      repo.git("checkout", "--quiet", "main");
    }
  });

  test("a new stack, against a base revision without its file", async () => {
    const staging = (base: string, head: string) =>
      diffCommand({ base, head, dir: repo.dir, stack: "staging" });
    const kinds = (result: { diff: GraphDiff }) => [
      ...new Set(result.diff.changes.map((c) => c.kind.split("-")[1])),
    ];
    const NO_STAGING = "no Pulumi.staging.yaml (stack staging does not exist there)";
    repo.git("checkout", "--quiet", "base");
    try {
      repo.write("Pulumi.staging.yaml", repo.read("Pulumi.dev.yaml")).commit("staging-added");
      const added = await staging("base", "staging-added");
      expect(added.revisions.base.absent).toBe(NO_STAGING);
      expect(kinds(added)).toEqual(["added"]);
      // And the change that removes it removes everything it deployed.
      const removed = await staging("staging-added", "base");
      expect(removed.revisions.head.absent).toBe(NO_STAGING);
      expect(kinds(removed)).toEqual(["removed"]);
    } finally {
      repo.git("checkout", "--quiet", "main");
    }
  });
});

describe("the revisions' caches", () => {
  // A repository of its own: the answers are marked below, which would fail every other diff of the repo.
  let own: ProgramRepo;
  beforeAll(() => {
    own = ProgramRepo.create();
    own.topology(BASE).commit("base");
    own.topology({ ...BASE, search: fn({ calls: ["profiles", "login"] }) }).commit("edge-added");
  });
  afterAll(() => own.dispose());

  test("both revisions use the checkout's archives: the same diff again bundles nothing", async () => {
    const builds = path.join(own.dir, ".callgraph", "build");
    await diffCommand({ base: "base", head: "edge-added", dir: own.dir });
    // Every file with its inode and modification time: a build writes its manifest anew (a temp file renamed).
    const files = () =>
      fs
        .readdirSync(builds)
        .map(
          (f) => `${f} ${fs.statSync(path.join(builds, f)).ino} ${fs.statSync(path.join(builds, f)).mtimeMs}`,
        )
        .sort();
    const first = files();
    expect(first.filter((f) => f.includes(".zip ")).length).toBeGreaterThan(0);
    expect(first.filter((f) => f.includes(".manifest.json ")).length).toBeGreaterThan(0);
    await diffCommand({ base: "base", head: "edge-added", dir: own.dir });
    expect(files()).toEqual(first);
  });

  test("both revisions read the checkout's call-site answers: unchanged code is not analysed again, changed code is", async () => {
    const answers = path.join(own.dir, ".callgraph", "callsites");
    await diffCommand({ base: "base", head: "edge-added", dir: own.dir });
    const stored = fs.readdirSync(answers).filter((f) => f.endsWith(".json"));
    expect(stored.length).toBeGreaterThan(0);
    // Mark every stored answer (a dynamic site, which is advisory): only an evaluation that reads them reports it.
    const mark = { file: "fn/echo/index.js", line: 1, column: 1, expression: "marked" };
    for (const file of stored) {
      const entry = JSON.parse(fs.readFileSync(path.join(answers, file), "utf8"));
      fs.writeFileSync(path.join(answers, file), JSON.stringify({ ...entry, dynamic: [mark] }));
    }
    const marked = (e: { resources: Parameters<typeof callSitesOf>[0] }) =>
      callSitesOf(e.resources)
        .filter((f) => f.dynamic.some((site) => site.expression === "marked"))
        .map((f) => f.function);
    const revisions = (base: string, head: string) =>
      evaluateRevisions({ programDir: own.dir, stack: "dev", base, head });
    const unchanged = await revisions("base", "edge-added");
    expect(marked(unchanged.base.evaluation)).toEqual(["login", "profiles", "search"]);
    expect(marked(unchanged.head.evaluation)).toEqual(["login", "profiles", "search"]);
    // Code changed between the revisions: the head's echo is analysed again (its answer refused for its new
    // content), the base's and the unchanged hello are read.
    own
      .write("fn/echo/index.js", "exports.echo = (req, res) => res.send(req.query);\n")
      .commit("echo-changed");
    const changed = await revisions("base", "echo-changed");
    expect(marked(changed.base.evaluation)).toEqual(["login", "profiles", "search"]);
    expect(marked(changed.head.evaluation)).toEqual(["profiles"]);
    // Nothing of the checkout's cache went with the worktrees.
    expect(fs.readdirSync(answers).filter((f) => f.endsWith(".json")).length).toBeGreaterThanOrEqual(
      stored.length,
    );
  });
});

/** Runs one command line through commander as `main` would, capturing what it prints. */
async function run(
  register: (program: Command) => void,
  args: string[],
): Promise<{ stdout: string; error?: unknown }> {
  const program = new Command("callgraph").exitOverride();
  register(program);
  let stdout = "";
  const write = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(["node", "callgraph", ...args]);
    return { stdout };
  } catch (error) {
    return { stdout, error };
  } finally {
    write.mockRestore();
  }
}

describe("--fail-on", () => {
  test("public: prints the diff, then fails naming the public invoker", async () => {
    const { stdout, error } = await run(registerDiff, [
      "diff",
      "--dir",
      repo.dir,
      "--base",
      "base",
      "--head",
      "public",
      "--fail-on",
      "public",
    ]);
    expect(stdout).toContain("public invoker added");
    expect(error).toBeInstanceOf(CheckFailed);
    expect((error as Error).message).toBe(
      "diff --fail-on: the change has public: allUsers → status. Review it, and merge only if it is intended",
    );
  });

  test("public: passes a change that adds only an edge", async () => {
    const { error } = await run(registerDiff, [
      "diff",
      "--dir",
      repo.dir,
      "--base",
      "base",
      "--head",
      "edge-added",
      "--fail-on",
      "public",
    ]);
    expect(error).toBeUndefined();
  });

  test("new-grant: fails on any added grant, passes a removal", async () => {
    const added = await run(registerDiff, [
      "diff",
      "--dir",
      repo.dir,
      "--base",
      "base",
      "--head",
      "edge-added",
      "--fail-on",
      "new-grant",
    ]);
    expect((added.error as Error).message).toMatch(
      /^diff --fail-on: the change has new-grant: search → login\. /,
    );
    const removed = await run(registerDiff, [
      "diff",
      "--dir",
      repo.dir,
      "--base",
      "base",
      "--head",
      "edge-removed",
      "--fail-on",
      "public,new-grant",
    ]);
    expect(removed.error).toBeUndefined();
  });

  test("undeclared and high: a grant written by hand fails both, naming it", async () => {
    const rogue = await diffCommand({
      base: "base",
      head: "rogue",
      dir: repo.dir,
      failOn: ["undeclared,high"],
    });
    expect(rogue.failures).toEqual([
      "high: user:mallory@example.com → profiles",
      "undeclared: user:mallory@example.com → profiles",
    ]);
    // Text though the output is not a terminal; the PR comment asks for --format markdown.
    expect(rogue.output).toMatch(/^Call graph: /);
    const comment = await diffCommand({ base: "base", head: "rogue", dir: repo.dir, format: "markdown" });
    expect(comment.output.startsWith(COMMENT_MARKER)).toBe(true);
  });

  test("an unknown class is a user error, before anything is evaluated", async () => {
    const { error } = await run(registerDiff, [
      "diff",
      "--dir",
      repo.dir,
      "--base",
      "no-such-branch",
      "--fail-on",
      "everything",
    ]);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /^diff: --fail-on: unknown class "everything"\. Use one or more of high, medium, low, public, external, undeclared, /,
    );
  });

  test("an empty value (a CI variable left unset) is a user error too, never a gate turned off", async () => {
    for (const value of ["", " , "]) {
      const { error } = await run(registerDiff, [
        "diff",
        "--dir",
        repo.dir,
        "--base",
        "base",
        "--fail-on",
        value,
      ]);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/^diff: --fail-on: no class given \(the value is empty\)\. /);
    }
  });
});

describe("callgraph graph on a program with a hand-written grant", () => {
  // The working tree is at the last commit, "rogue".
  test("the table marks the undeclared grant and names its resource", async () => {
    const table = await graphCommand({ dir: repo.dir });
    // The tiny functions' code calls nobody: each declared edge is an unused grant.
    expect(table).toMatch(
      /^profiles +gen1 +fn-profiles@callgraph-diff-test\.iam\.gserviceaccount\.com +login \[UNUSED\], search \[UNUSED\], user:mallory@example\.com \[UNDECLARED\]$/m,
    );
    expect(table).toContain(
      '  ! FunctionIamMember "rogue": user:mallory@example.com -> profiles (roles/cloudfunctions.invoker)',
    );
  });

  test("the table and the JSON list the first deploy's waits, with what each waits after and before", async () => {
    const table = await graphCommand({ dir: repo.dir });
    expect(table).toContain(
      "Waits of the first `pulumi up` (each waits once, when created; later ups skip it):",
    );
    expect(table).toMatch(/^ {2}callgraph-api-propagation +60s +after 6 resources, before \d+ resources$/m);
    expect(table).toMatch(/^ {2}callgraph-build-propagation +120s +after 3 resources, before 3 resources$/m);
    const json = JSON.parse(await graphCommand({ dir: repo.dir, format: "json" })) as {
      waits: { name: string; duration: string; after: string[]; waitedForBy: number }[];
    };
    expect(json.waits.find((w) => w.name === "callgraph-build-propagation")).toEqual({
      name: "callgraph-build-propagation",
      duration: "120s",
      after: ["callgraph-build-images", "callgraph-build-logs", "callgraph-build-sources"],
      waitedForBy: 3,
    });
  });

  test("through commander, with --format", async () => {
    const { stdout, error } = await run(registerGraph, ["graph", "--dir", repo.dir, "--format", "dot"]);
    expect(error).toBeUndefined();
    expect(stdout).toContain('"user:mallory@example.com" -> "profiles" [style=dashed');
  });
});

describe("callgraph diff against the working tree", () => {
  test("uncommitted changes are the head", async () => {
    repo.topology({ ...BASE, profiles: fn({ code: "hello", invokers: ["domain:example.com"] }) });
    const result = await diffCommand({ base: "base", dir: repo.dir });
    expect(result.revisions.head).toEqual({ ref: "working tree", commit: undefined });
    expect(rows(result.diff)).toEqual([
      "grant-added high domain:example.com → profiles",
      "grant-added high user:mallory@example.com → profiles",
    ]);
  });
});

describe("what the two revisions warn", () => {
  /** BASE's stack file with principals that no function names, so the program warns once per principal. */
  const withUnusedPrincipals = (names: readonly string[]) => {
    repo.topology(BASE);
    const principals = names.map((n) => `    ${n}: ["user:${n}@example.com"]\n`).join("");
    return repo.write(
      "Pulumi.dev.yaml",
      `${repo.read("Pulumi.dev.yaml")}  callgraph:principals:\n${principals}`,
    );
  };

  test("a warning both revisions print is printed once; one of either alone is printed too", async () => {
    withUnusedPrincipals(["ghost"]).commit("ghost-principal");
    withUnusedPrincipals(["ghost", "phantom"]);
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await diffCommand({ base: "ghost-principal", dir: repo.dir });
      const printed = warn.mock.calls.map((args) => args.join(" "));
      const about = (name: string) =>
        printed.filter((line) => line.includes(`callgraph:principals.${name}:`));
      expect(about("ghost")).toHaveLength(1);
      expect(about("ghost")[0]).toContain("no function names it");
      expect(about("phantom")).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });
});
