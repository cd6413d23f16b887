import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SourceCallSites } from "./report";

/**
 * One source folder's answers as stored under `.callgraph/callsites/`: the latest at the top, the few before it under
 * `previous`, so two checkouts sharing the folder (`callgraph diff`'s base and head) each find their own answer for
 * code that differs between them rather than each computing it over the other's.
 */
interface CacheEntry extends SourceCallSites {
  readonly schema: typeof SCHEMA;
  readonly previous?: readonly SourceCallSites[];
}

const SCHEMA = 1;
/** Answers remembered per source folder: the latest and three before it. */
const KEPT_ANSWERS = 4;
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
    const valid = (candidate: SourceCallSites) =>
      candidate.inputs.includes(entry) && this.hash(candidate.inputs) === candidate.inputsHash;
    // This process's answer first: the disk is read only when it no longer holds (an evaluation asks per function).
    const remembered = memory.get(this.remembered(key));
    if (remembered && valid(remembered)) return remembered;
    const stored = this.read(key).find(valid);
    if (stored) memory.set(this.remembered(key), stored);
    return stored;
  }

  set(source: string, sites: SourceCallSites): void {
    const key = this.key(source);
    memory.set(this.remembered(key), sites);
    const previous = this.read(key)
      .filter((answer) => answer.inputsHash !== sites.inputsHash)
      .slice(0, KEPT_ANSWERS - 1);
    const entry: CacheEntry = { schema: SCHEMA, ...sites, previous };
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

  /** The stored answers for a key, latest first; none when the file is absent, unreadable or of another shape. */
  private read(key: string): SourceCallSites[] {
    let entry: Partial<CacheEntry> | null;
    try {
      entry = JSON.parse(fs.readFileSync(this.file(key), "utf8")) as Partial<CacheEntry> | null;
    } catch {
      return []; // absent or unreadable: compute again
    }
    if (typeof entry !== "object" || entry === null || entry.schema !== SCHEMA) return [];
    const { schema: _schema, previous, ...latest } = entry;
    return [latest, ...(Array.isArray(previous) ? previous : [])].filter(isAnswer);
  }
}

/** Enough of an answer's shape to check it against its inputs; the rest is the extraction's own record. */
function isAnswer(value: unknown): value is SourceCallSites {
  const answer = value as Partial<SourceCallSites> | null;
  return (
    typeof answer === "object" &&
    answer !== null &&
    typeof answer.inputsHash === "string" &&
    Array.isArray(answer.inputs) &&
    answer.inputs.every((input) => typeof input === "string") &&
    Array.isArray(answer.callSites) &&
    Array.isArray(answer.dynamic)
  );
}

// Concurrent runs (tests, bench) may store the same answer: write to a temp name, then rename.
function writeAtomically(file: string, data: string): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(temp, data);
  fs.renameSync(temp, file);
}
