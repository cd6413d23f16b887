import * as fs from "node:fs";
import * as path from "node:path";
import type { EffectiveGraph, RegisteredResource } from "../../engine";
import { stackFileOf } from "../../engine/stack-config";
import { declarationLines, type DeclarationLines, type TextPosition } from "./declaration-lines";
import { resourceOrigin } from "./resource-origin";

/** A line of a file in the repository, for annotations (SARIF `physicalLocation`). */
export interface SourceLocation {
  /** Relative to the repository root, with `/` separators, as code scanning resolves it. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** What is at that line, in words: `function "profiles"`, `resource "rogue"`. */
  readonly what: string;
}

/** The file Pulumi loads as the program (Pulumi.yaml `main` defaults to the project folder's index.ts). */
const PROGRAM_FILE = "index.ts";

/**
 * Points each finding about a resource at the line a person changes to fix it: the stack file's declaration of
 * the function it belongs to, or for a resource written in the program, the line of `index.ts` that names it.
 * Reads the two files once.
 */
export class FindingLocator {
  private readonly stackFile: string;
  private readonly programFile: string;
  private readonly declaration: DeclarationLines;
  private readonly programText: string;

  constructor(
    private readonly options: {
      readonly programDir: string;
      readonly stack: string;
      /** Name in Pulumi.yaml: keys without a namespace belong to it. */
      readonly project: string;
      readonly resources: readonly RegisteredResource[];
      readonly graph: EffectiveGraph;
      /**
       * The program's own files (`Evaluation.programFiles`): where a declaration written in code is looked for, when
       * the stack file declares no such function. Defaults to index.ts alone.
       */
      readonly programFiles?: readonly string[];
    },
  ) {
    this.stackFile = stackFileOf(options.programDir, options.stack);
    this.programFile = path.join(options.programDir, PROGRAM_FILE);
    this.declaration = declarationLines(readIfThere(this.stackFile), options.project);
    this.programText = readIfThere(this.programFile);
  }

  locate(urn: string): SourceLocation {
    const origin = resourceOrigin(urn, this.options.resources, this.options.graph);
    if (origin?.kind === "function") {
      const declared = this.declaration.byFunction.get(origin.function);
      if (declared) return this.at(this.stackFile, declared, `function "${origin.function}"`);
      // A declaration in code: the function's key in the program's files, the entry first.
      for (const file of this.codeFiles()) {
        const key = keyPosition(readIfThere(file), origin.function);
        if (key) return this.at(file, key, `function "${origin.function}" (declared in code)`);
      }
    }
    if (origin?.kind === "program") {
      const written = constructionPosition(this.programText, origin.name, origin.type);
      return this.at(
        this.programFile,
        written ?? { line: 1, column: 1 },
        written
          ? `resource "${origin.name}"`
          : `resource "${origin.name}" (its name is not written literally in ${PROGRAM_FILE})`,
      );
    }
    return this.at(
      this.stackFile,
      this.declaration.functions ?? { line: 1, column: 1 },
      "the declared call graph",
    );
  }

  /** index.ts, then the program's other files, each once. */
  private codeFiles(): string[] {
    return [...new Set([this.programFile, ...(this.options.programFiles ?? [])])];
  }

  private at(file: string, position: TextPosition, what: string): SourceLocation {
    return { file: repositoryPath(file), ...position, what };
  }
}

/**
 * Where `text` constructs the resource named `name` of type `type`: `new <Class>("name"` first (the class is the
 * type token's last part, e.g. `FunctionIamMember`; any module prefix, type arguments and line breaks
 * allowed), then any `new X("name"`, then any string literal "name". 1-based.
 */
export function constructionPosition(text: string, name: string, type: string): TextPosition | undefined {
  const literal = `(["'\`])${escape(name)}\\1`;
  const className = escape(type.slice(type.lastIndexOf(":") + 1));
  const patterns = [
    new RegExp(`new\\s+(?:[\\w$]+\\.)*${className}\\s*(?:<[^>()]*>)?\\s*\\(\\s*${literal}`),
    new RegExp(`new\\s+(?:[\\w$]+\\.)*[\\w$]+\\s*(?:<[^>()]*>)?\\s*\\(\\s*${literal}`),
    new RegExp(literal),
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return positionOf(text, match.index);
  }
  return undefined;
}

/**
 * Where `text` writes `name` as an object key (`orders: {`, `"orders": {`), as a declaration in code names a function;
 * 1-based, at the key. Undefined when it writes none.
 */
export function keyPosition(text: string, name: string): TextPosition | undefined {
  const match = new RegExp(`(^|[\\s{,])((["'])${escape(name)}\\3|${escape(name)})\\s*:`, "m").exec(text);
  return match ? positionOf(text, match.index + match[1].length) : undefined;
}

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `file` relative to the root of the git repository that holds it (the folder with `.git`, a folder in a clone
 * and a file in a worktree alike), which is how code scanning names files; relative to its own folder when
 * there is no repository.
 */
export function repositoryPath(file: string): string {
  let root = path.dirname(file);
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, ".git"))) {
      root = dir;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return path.relative(root, file).split(path.sep).join("/");
}

function readIfThere(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
