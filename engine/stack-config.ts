import * as fs from "node:fs";
import * as path from "node:path";
import { parse, YAMLParseError } from "yaml";

/** A Pulumi project and one stack's config, read the way the Pulumi CLI would read them. */
export interface StackConfig {
  /** `name` from Pulumi.yaml. */
  readonly project: string;
  readonly stack: string;
  /** Full keys (`gcp:project`, `callgraph:functions`) -> values as written in the YAML. */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` from `programDir`. A stack file is optional when the config
 * is given in full by the caller (tests, benchmarks); keys without a namespace get the project's, as in Pulumi.
 */
export function readStackConfig(programDir: string, stack: string): StackConfig {
  const projectFile = path.join(programDir, "Pulumi.yaml");
  if (!fs.existsSync(projectFile)) {
    throw new StackConfigError(
      projectFile,
      "no such file: this folder holds no Pulumi program. Run from the project root, or pass its folder",
    );
  }
  const project = (readYaml(projectFile) as { name?: unknown } | null)?.name;
  if (typeof project !== "string" || !project)
    throw new StackConfigError(projectFile, `missing "name". Add the project's name, e.g. name: callgraph`);

  const stackFile = stackFileOf(programDir, stack);
  const raw = fs.existsSync(stackFile) ? (readYaml(stackFile) as { config?: unknown } | null) : null;
  const declared = raw?.config ?? {};
  if (typeof declared !== "object" || Array.isArray(declared) || declared === null) {
    throw new StackConfigError(stackFile, `"config" must be a map of keys to values, not ${typeof declared}`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(declared))
    config[key.includes(":") ? key : `${project}:${key}`] = value;
  return { project, stack, config };
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
 * Parses a YAML file; a syntax error becomes a {@link StackConfigError} at the error's line and column (the
 * `yaml` package's message repeats them, with a snippet over several lines: only its first clause is kept).
 */
function readYaml(file: string): unknown {
  try {
    return parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const start = error.linePos?.[0];
    const reason = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new StackConfigError(
      file,
      `${reason}. Fix the YAML syntax there`,
      start ? { line: start.line, column: start.col } : undefined,
      { cause: error },
    );
  }
}
