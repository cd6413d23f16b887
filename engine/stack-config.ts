import { isUtf8 } from "node:buffer";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument, visit, type Document } from "yaml";

/** A Pulumi project and one stack's config, read the way the Pulumi CLI would read them. */
export interface StackConfig {
  /** `name` from Pulumi.yaml. */
  readonly project: string;
  /** `main` from Pulumi.yaml: the program's file or folder, when the project names one. */
  readonly main?: string;
  readonly stack: string;
  /** Full keys (`gcp:project`, `callgraph:functions`) -> values as written in the YAML. */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` from `programDir`. A stack file is optional when the config
 * is given in full by the caller (tests, benchmarks); keys without a namespace get the project's, as in Pulumi.
 */
export function readStackConfig(programDir: string, stack: string): StackConfig {
  const { project, main } = readProject(programDir);

  const stackFile = stackFileOf(programDir, stack);
  const raw = fs.existsSync(stackFile) ? (readYaml(stackFile) as { config?: unknown } | null) : null;
  const declared = raw?.config ?? {};
  if (typeof declared !== "object" || Array.isArray(declared) || declared === null) {
    const what = Array.isArray(declared) ? "a list" : declared === null ? "empty" : `a ${typeof declared}`;
    throw new StackConfigError(stackFile, `"config" must be a map of keys to values, not ${what}`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(declared))
    config[key.includes(":") ? key : `${project}:${key}`] = value;
  return { project, ...(main === undefined ? {} : { main }), stack, config };
}

/** `Pulumi.yaml` of `programDir`: the project's name, and its `main` when it names one. */
export function readProject(programDir: string): { project: string; main?: string } {
  const projectFile = path.join(programDir, "Pulumi.yaml");
  if (!fs.existsSync(projectFile)) {
    throw new StackConfigError(
      projectFile,
      "no such file: this folder holds no Pulumi program. Run from the project root, or pass its folder",
    );
  }
  const projectYaml = readYaml(projectFile) as { name?: unknown; main?: unknown } | null;
  const project = projectYaml?.name;
  if (typeof project !== "string" || !project)
    throw new StackConfigError(projectFile, `missing "name". Add the project's name, e.g. name: callgraph`);
  const main = typeof projectYaml?.main === "string" ? projectYaml.main : undefined;
  return { project, ...(main === undefined ? {} : { main }) };
}

/** Config values as the Pulumi language host hands them to a program: strings, structured values as JSON. */
export function toProgramConfig(config: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/** A Pulumi project or stack file that cannot be read as one: names the file, and the line and column when known. */
export class StackConfigError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly position?: { readonly line: number; readonly column: number },
    options?: { cause?: unknown },
  ) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ""}: ${reason}`, options);
    this.name = "StackConfigError";
  }

  /** `file:line:column`, or the file alone when no position is known: where the reason applies. */
  get where(): string {
    return this.position ? `${this.file}:${this.position.line}:${this.position.column}` : this.file;
  }
}

/** `<programDir>/Pulumi.<stack>.yaml`. */
export function stackFileOf(programDir: string, stack: string): string {
  return path.join(programDir, `Pulumi.${stack}.yaml`);
}

/** The stacks that have a `Pulumi.<stack>.yaml` in `programDir`, sorted. */
export function stacksIn(programDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(programDir);
  } catch {
    return [];
  }
  return names
    .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/**
 * The largest project or stack file read: 1 MiB. A stack file is a declaration of tens of functions (a few hundred
 * bytes each) plus Pulumi's own keys and encrypted secrets: this repository's are under 2 KB, and a thousand
 * functions with long member lists stay well below the cap. Past it the file is refused before a byte is parsed,
 * so a stack file (which a pull request can change, and `callgraph diff` reads from it) cannot make the CLI spend
 * its memory and time on parsing.
 */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

/**
 * How many times aliases may repeat an anchored node, counting what nested aliases expand to (the `yaml` package's
 * `maxAliasCount`; its default too, pinned here so an upgrade cannot change it). A declaration may reuse a list of
 * members with `&devs` / `*devs` tens of times; a "billion laughs" of nine anchors each repeating the last nine
 * times passes it at the third level and is refused, where expanding it (as `toProgramConfig` would, writing every
 * value out as JSON) would take gigabytes.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/**
 * Parses a YAML file; a syntax error becomes a {@link StackConfigError} at the error's line and column (the
 * `yaml` package's message repeats them, with a snippet over several lines: only its first clause is kept). A file
 * that is no regular file (a FIFO or a device would never end), one over {@link MAX_STACK_FILE_BYTES}, an alias
 * bomb or an alias without its anchor are the user's errors too, naming the file, never a crash or a hang.
 */
function readYaml(file: string): unknown {
  const text = readBounded(file);
  let document: Document.Parsed;
  try {
    // Merge keys (`<<: *defaults`) as YAML 1.1 has them and Go's YAML readers, the Pulumi CLI's, apply them.
    document = parseDocument(text, { prettyErrors: true, merge: true });
  } catch (error) {
    // The parser reports what it finds in `errors`; anything thrown is still about this file's text.
    throw new StackConfigError(
      file,
      `cannot be parsed as YAML (${messageOf(error)}). Fix the YAML there`,
      undefined,
      {
        cause: error,
      },
    );
  }
  const [syntax] = document.errors;
  if (syntax) {
    const start = syntax.linePos?.[0];
    const reason = syntax.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new StackConfigError(
      file,
      `${reason}. Fix the YAML syntax there`,
      start ? { line: start.line, column: start.col } : undefined,
      { cause: syntax },
    );
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    // `yaml` throws a ReferenceError for both; neither is a bug of callgraph's.
    const message = messageOf(error);
    const reason = /excessive alias count/i.test(message)
      ? `its aliases expand to more than ${MAX_YAML_ALIAS_COUNT} copies of an anchored value (a YAML alias bomb?). Write the values out, or reuse each anchor less`
      : /unresolved alias/i.test(message)
        ? `alias *${aliasName(message)} has no anchor &${aliasName(message)} before it. Define the anchor first, or write the value out`
        : `cannot be read as YAML (${message}). Fix the YAML there`;
    throw new StackConfigError(file, reason, aliasPosition(document, text, message), { cause: error });
  }
  // A hundred aliases of one large value stay under the count and still multiply the file: what the program is
  // handed (every value written out, `toProgramConfig`) is bounded as the file is, in the size it expands to.
  if (expandedSize(value, new Map()) > MAX_EXPANDED_BYTES)
    throw new StackConfigError(
      file,
      `its aliases expand it past ${MAX_EXPANDED_BYTES / (1024 * 1024)} MiB of values (a YAML alias bomb?). Write the values out, or reuse each anchor less`,
    );
  return value;
}

/** What the values of a stack file may expand to through its aliases: a few times the largest file. */
export const MAX_EXPANDED_BYTES = 4 * MAX_STACK_FILE_BYTES;

/**
 * About the length of `value` written out as JSON, each alias in full, without writing it: an object a hundred
 * aliases share is sized once and counted a hundred times.
 */
function expandedSize(value: unknown, sized: Map<object, number>): number {
  if (typeof value === "string") return value.length + 2;
  if (value === null || typeof value !== "object") return String(value).length;
  const known = sized.get(value);
  if (known !== undefined) return known;
  sized.set(value, 0); // an alias of its own ancestor adds nothing more than once
  let size = 2;
  if (Array.isArray(value)) for (const item of value) size += expandedSize(item, sized) + 1;
  else for (const [key, entry] of Object.entries(value)) size += key.length + 4 + expandedSize(entry, sized);
  sized.set(value, size);
  return size;
}

/** The file's text, refused unread when it is no regular file or over {@link MAX_STACK_FILE_BYTES}. */
function readBounded(file: string): string {
  const stat = fs.statSync(file);
  if (!stat.isFile())
    throw new StackConfigError(file, "not a regular file. Point it at a YAML file, or remove it");
  if (stat.size > MAX_STACK_FILE_BYTES) throw tooLarge(file, stat.size);
  // Read at most one byte past the cap, so a file that grows after the check cannot be read whole either.
  const fd = fs.openSync(file, "r");
  try {
    const buffer = Buffer.alloc(MAX_STACK_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_STACK_FILE_BYTES) throw tooLarge(file, length);
    const bytes = buffer.subarray(0, length);
    // YAML is UTF-8 here (Pulumi reads it so): a byte that is not would become U+FFFD and be believed, e.g. inside a
    // member's email. Found line by line: a newline byte never occurs inside a multi-byte character.
    if (!isUtf8(bytes)) {
      let line = 1;
      for (let start = 0; start <= length; line++) {
        const end = bytes.indexOf(0x0a, start);
        const stop = end === -1 ? length : end;
        if (!isUtf8(bytes.subarray(start, stop)))
          throw new StackConfigError(
            file,
            "not UTF-8 text: this line holds bytes no UTF-8 character is made of. Save the file as UTF-8",
            { line, column: 1 },
          );
        start = stop + 1;
      }
    }
    return bytes.toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

function tooLarge(file: string, bytes: number): StackConfigError {
  return new StackConfigError(
    file,
    `${bytes} bytes, over the ${MAX_STACK_FILE_BYTES} bytes (1 MiB) a stack file may have: it is refused before parsing. Keep the declaration in it, and large data elsewhere`,
  );
}

/** Where the unresolved alias named in `message` is, when the document has it; the bomb has no one place. */
function aliasPosition(
  document: Document.Parsed,
  text: string,
  message: string,
): { line: number; column: number } | undefined {
  const name = aliasName(message);
  if (name === undefined) return undefined;
  let offset: number | undefined;
  visit(document, {
    Alias(_key, node) {
      if (node.source === name && node.range) {
        offset = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The alias an "Unresolved alias" error of `yaml` names. */
function aliasName(message: string): string | undefined {
  return /unresolved alias.*?: (.+)$/i.exec(message)?.[1];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
