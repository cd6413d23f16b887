import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SourceCallSites } from "./report";

/** One source folder's answer as stored under `.callgraph/callsites/`. */
interface CacheEntry extends SourceCallSites {
  readonly schema: typeof SCHEMA;
}

const SCHEMA = 1;
const memory = new Map<string, SourceCallSites>();

/** Forgets this process's answers, as a new process would start; the disk cache stays. For tests. */
export function forgetRememberedCallSites(): void {
  memory.clear();
}

/**
 * Answers kept by the content of the files they were computed from, as function archives are: in this
 * process, and on disk so the next process (the next `check`, `preview`, test run) reuses them.
 */
export class CallSiteCache {
  /** Contents hashed in this run; a file shared by many functions (the client library) is read once. */
  private readonly fileHashes = new Map<string, string | undefined>();

  constructor(
    private readonly root: string,
    private readonly dir: string,
    /** Everything besides the inputs the answer depends on: versions, the ClientApi, compiler options. */
    private readonly salt: string,
  ) {}

  /** The stored answer for `source`, if its inputs still hash the same and its entry is still `entry`. */
  get(source: string, entry: string): SourceCallSites | undefined {
    const key = this.key(source);
    const candidate = memory.get(this.remembered(key)) ?? this.read(key);
    if (!candidate || !candidate.inputs.includes(entry)) return undefined;
    if (this.hash(candidate.inputs) !== candidate.inputsHash) return undefined;
    memory.set(this.remembered(key), candidate);
    return candidate;
  }

  set(source: string, sites: SourceCallSites): void {
    const key = this.key(source);
    memory.set(this.remembered(key), sites);
    const entry: CacheEntry = { schema: SCHEMA, ...sites };
    fs.mkdirSync(this.dir, { recursive: true });
    writeAtomically(this.file(key), JSON.stringify(entry));
  }

  /** sha256 of the salt and each input's name and content; undefined when an input is gone. */
  hash(inputs: readonly string[]): string | undefined {
    const hash = createHash("sha256").update(this.salt).update("\0");
    for (const input of inputs) {
      const content = this.fileHash(input);
      if (content === undefined) return undefined;
      hash.update(input).update("\0").update(content).update("\0");
    }
    return hash.digest("hex");
  }

  private fileHash(input: string): string | undefined {
    if (!this.fileHashes.has(input)) {
      let digest: string | undefined;
      try {
        digest = createHash("sha256")
          .update(fs.readFileSync(path.resolve(this.root, input)))
          .digest("hex");
      } catch {
        digest = undefined; // deleted since: the answer is stale
      }
      this.fileHashes.set(input, digest);
    }
    return this.fileHashes.get(input);
  }

  private key(source: string): string {
    return (
      createHash("sha256")
        // By the source folder's path in the project, not on disk: a checkout elsewhere (a diff's worktree of another
        // revision) finds the same entry, which its inputs' hash then accepts or refuses.
        .update(path.relative(this.root, path.resolve(this.root, source)).split(path.sep).join("/"))
        .digest("hex")
        .slice(0, 16)
    );
  }

  /** This process remembers answers per cache folder, as the folders store them. */
  private remembered(key: string): string {
    return `${this.dir}\0${key}`;
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private read(key: string): SourceCallSites | undefined {
    try {
      const entry = JSON.parse(fs.readFileSync(this.file(key), "utf8")) as CacheEntry;
      if (entry.schema !== SCHEMA) return undefined;
      const { schema: _schema, ...sites } = entry;
      return sites;
    } catch {
      return undefined; // absent or unreadable: compute again
    }
  }
}

// Concurrent runs (tests, bench) may store the same answer: write to a temp name, then rename.
function writeAtomically(file: string, data: string): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(temp, data);
  fs.renameSync(temp, file);
}
