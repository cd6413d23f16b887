import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";

const REPO_ROOT = path.resolve(__dirname, "../../..");

/**
 * What the temp repositories copy from this one: the program itself (index.ts and every folder it imports, directly
 * or not), nothing of its functions' code.
 */
const PROGRAM_FILES = [
  "index.ts",
  "Pulumi.yaml",
  "tsconfig.json",
  "package.json",
  "topology",
  "components",
  "callsites",
  "iam",
];

/** Two tiny function folders: different code, so rename detection has something to tell apart. */
const FUNCTION_SOURCES: Record<string, string> = {
  "fn/echo/index.js": "exports.echo = (req, res) => res.send(req.body);\n",
  "fn/hello/index.js": "exports.hello = (_req, res) => res.send('hello');\n",
};

export const PROJECT = "callgraph-diff-test";

/** How the reference index.ts creates its `CallGraph`, which {@link ProgramRepo.declareInCode} rewrites. */
const CALL_GRAPH_CALL = 'new CallGraph("callgraph", { projectNumber, root: __dirname })';

/** A topology entry whose code is one of the tiny folders. */
export function fn(
  spec: { calls?: string[]; invokers?: string[]; code?: "echo" | "hello" } = {},
): Record<string, unknown> {
  const code = spec.code ?? "echo";
  return {
    source: `fn/${code}`,
    entryPoint: code,
    ...(spec.calls ? { calls: spec.calls } : {}),
    ...(spec.invokers ? { invokers: spec.invokers } : {}),
  };
}

/** The group and the outsider of {@link frontBackDeclaration}'s tests. */
export const TEAM = "group:team@example.com";
export const OUTSIDER = "user:mallory@example.com";

/**
 * A declaration for `CallGraph`'s `declaration` argument: `front` (calls `back`, invoked by the `team` principal)
 * and `back`, `team` holding `teamMembers` (none: a principal the code leaves to the stack).
 */
export function frontBackDeclaration(teamMembers: readonly string[]) {
  return {
    functions: {
      front: fn({ code: "hello", calls: ["back"], invokers: ["team"] }),
      back: fn({ code: "echo" }),
    },
    principals: { team: [...teamMembers] },
  };
}

/**
 * A git repository in a temp folder holding a copy of this repository's program (index.ts, components,
 * topology), tiny function folders, and `node_modules` linked to this checkout's, as a developer's clone
 * would have installed. Tests commit topologies to it and diff between the commits.
 */
export class ProgramRepo {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static create(): ProgramRepo {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-repo-")));
    const repo = new ProgramRepo(dir);
    for (const file of PROGRAM_FILES)
      fs.cpSync(path.join(REPO_ROOT, file), path.join(dir, file), { recursive: true });
    for (const [file, text] of Object.entries(FUNCTION_SOURCES)) repo.write(file, text);
    repo.write(".gitignore", "node_modules\n.callgraph/\n"); // no slash: node_modules is a link here
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    repo.git("init", "--quiet", "--initial-branch=main");
    return repo;
  }

  /** Writes `Pulumi.dev.yaml` with these functions, 1st gen unless `generation` says otherwise. */
  topology(functions: Record<string, unknown>, generation: 1 | 2 = 1): this {
    return this.write(
      "Pulumi.dev.yaml",
      stringify({
        config: {
          "gcp:project": PROJECT,
          "gcp:region": "europe-west1",
          "callgraph:generation": generation,
          "callgraph:functions": functions,
        },
      }),
    );
  }

  /**
   * Rewrites the copied index.ts so that its `CallGraph` takes its declaration in code: `declaration` is the
   * TypeScript of the expression, `prelude` what goes before the program (an import).
   */
  declareInCode(declaration: string, prelude = ""): this {
    const index = fs.readFileSync(path.join(REPO_ROOT, "index.ts"), "utf8");
    if (!index.includes(CALL_GRAPH_CALL))
      throw new Error(`index.ts no longer holds ${CALL_GRAPH_CALL}: update ProgramRepo.declareInCode`);
    return this.write(
      "index.ts",
      prelude +
        index.replace(
          CALL_GRAPH_CALL,
          `new CallGraph("callgraph", { projectNumber, root: __dirname, declaration: ${declaration} })`,
        ),
    );
  }

  /**
   * Dates every file of the repository a minute back, as a checkout's are: the engine loads a program file again when
   * it was modified as an evaluation began (engine/program-modules.ts), which under jest means a fresh process per
   * evaluation: its warnings are handed on all the same, but each costs a process start and a load of the program.
   */
  settle(): this {
    const past = new Date(Date.now() - 60_000);
    for (const entry of fs.readdirSync(this.dir, { recursive: true, withFileTypes: true })) {
      const file = path.join(entry.parentPath, entry.name);
      if (entry.isFile() && !file.includes(`${path.sep}.git${path.sep}`)) fs.utimesSync(file, past, past);
    }
    return this;
  }

  write(file: string, text: string): this {
    fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
    fs.writeFileSync(path.join(this.dir, file), text);
    return this;
  }

  read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), "utf8");
  }

  remove(file: string): this {
    fs.rmSync(path.join(this.dir, file), { recursive: true, force: true });
    return this;
  }

  /** Commits everything (or only `files`) and tags the commit, so tests name revisions by what they hold. */
  commit(tag: string, files: readonly string[] = ["--all"]): string {
    this.git("add", ...files);
    this.git("commit", "--quiet", "--allow-empty", "-m", tag);
    this.git("tag", tag);
    return this.git("rev-parse", "HEAD");
  }

  git(...args: string[]): string {
    return execFileSync(
      "git",
      ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args],
      {
        cwd: this.dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    ).trim();
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
