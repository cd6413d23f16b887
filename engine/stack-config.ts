import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

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
    throw new Error(
      `${programDir} has no Pulumi.yaml: not a Pulumi program (run from the project root, or pass its folder)`,
    );
  }
  const project = (parse(fs.readFileSync(projectFile, "utf8")) as { name?: unknown } | null)?.name;
  if (typeof project !== "string" || !project) throw new Error(`${projectFile}: missing "name"`);

  const stackFile = path.join(programDir, `Pulumi.${stack}.yaml`);
  const raw = fs.existsSync(stackFile)
    ? (parse(fs.readFileSync(stackFile, "utf8")) as { config?: unknown } | null)
    : null;
  const declared = raw?.config ?? {};
  if (typeof declared !== "object" || Array.isArray(declared) || declared === null) {
    throw new Error(`${stackFile}: "config" must be a map`);
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
