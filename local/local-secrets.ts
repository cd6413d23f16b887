import * as fs from "node:fs";
import * as path from "node:path";
import type { GraphFunction } from "../engine";

/**
 * The local values of the secrets functions read. Deployed, a function's secrets come from Secret Manager; locally
 * they come from a git-ignored file of the project, `.callgraph/secrets.<stack>.json` (the whole `.callgraph/`
 * folder is in .gitignore), one JSON object of secret -> value:
 *
 * ```json
 * { "api-key": "dev-key", "projects/123456789012/secrets/tls": "-----BEGIN CERTIFICATE-----..." }
 * ```
 *
 * A secret of the function's own project is found by its id or its full name, any other by its full name
 * (`projects/P/secrets/S`, as declared). One value serves every version. A secret without a value is reported, one
 * line each, when the stack starts, and the function runs without it: its variable unset, its file absent. That is
 * what its code would meet if Secret Manager could not be read (a volume read fails at runtime, an environment
 * variable never arrives), so the rest of the stack stays usable while one value is missing.
 */

/** The file the local values of a stack's secrets are read from, in the program's folder. */
export function localSecretsFile(programDir: string, stack: string): string {
  return path.join(programDir, ".callgraph", `secrets.${stack}.json`);
}

/** The variable that tells `secret-files.cjs` which folders to map, and where to. */
export const SECRET_FOLDERS_ENV = "CALLGRAPH_LOCAL_SECRET_FOLDERS";

const PRELOAD = path.join(__dirname, "secret-files.cjs");

/** The local secrets file is not what it must be: the user's to fix (exit 2). */
export class LocalSecretsError extends Error {
  readonly exitCode = 2;

  constructor(file: string, why: string) {
    super(
      `local: ${file}: ${why}. Write one JSON object of secret (its id, or projects/P/secrets/S) -> value, e.g. {"api-key": "dev-value"}`,
    );
    this.name = "LocalSecretsError";
  }
}

/** The values in `file`; none when there is no such file (every secret is then reported missing). */
export function readLocalSecrets(file: string): Readonly<Record<string, string>> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new LocalSecretsError(file, `cannot be read (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LocalSecretsError(file, `is not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new LocalSecretsError(file, "is not a JSON object");
  const wrong = Object.entries(parsed).filter(([, v]) => typeof v !== "string");
  if (wrong.length > 0)
    throw new LocalSecretsError(
      file,
      `the value of ${wrong.map(([k]) => JSON.stringify(k)).join(", ")} is not a string`,
    );
  return parsed as Record<string, string>;
}

/** A secret a function reads that has no local value. */
export interface MissingSecret {
  readonly function: string;
  readonly secret: string;
  /** The variable or the file it is read from. */
  readonly as: string;
}

/** What a function's process gets of its secrets locally. */
export interface LocalFunctionSecrets {
  /** Variables to add to its environment: the env secrets, and what maps its file secrets' folders. */
  readonly env: Readonly<Record<string, string>>;
  /** Declared folder -> the local copy its files were written to. */
  readonly folders: Readonly<Record<string, string>>;
  readonly missing: readonly MissingSecret[];
}

/** The local value of `secret` for a function of `project`, if the file has one. */
function valueOf(
  values: Readonly<Record<string, string>>,
  secret: string,
  project: string,
): string | undefined {
  if (Object.hasOwn(values, secret)) return values[secret];
  const own = `projects/${project}/secrets/`;
  const id = secret.startsWith(own) ? secret.slice(own.length) : undefined;
  return id !== undefined && Object.hasOwn(values, id) ? values[id] : undefined;
}

/**
 * A function's secrets made local: env secrets as variables of its process, file secrets written under
 * `folder` at their declared paths (read-only to the owner) and mapped for its process by `secret-files.cjs`.
 */
export function localFunctionSecrets(
  fn: GraphFunction,
  values: Readonly<Record<string, string>>,
  folder: string,
  nodeOptions?: string,
): LocalFunctionSecrets {
  const env: Record<string, string> = {};
  const folders: Record<string, string> = {};
  const missing: MissingSecret[] = [];
  for (const s of fn.settings.secrets) {
    const value = valueOf(values, s.secret, fn.project);
    if (s.env !== undefined) {
      if (value === undefined) missing.push({ function: fn.name, secret: s.secret, as: s.env });
      else env[s.env] = value;
      continue;
    }
    if (s.path === undefined) continue;
    const mount = path.posix.dirname(s.path);
    const local = path.join(folder, ...mount.split("/").filter(Boolean));
    folders[mount] = local;
    fs.mkdirSync(local, { recursive: true });
    if (value === undefined) missing.push({ function: fn.name, secret: s.secret, as: s.path });
    else fs.writeFileSync(path.join(local, path.posix.basename(s.path)), value, { mode: 0o600 });
  }
  if (Object.keys(folders).length > 0) {
    env[SECRET_FOLDERS_ENV] = JSON.stringify(folders);
    // The user's own NODE_OPTIONS (a deployed function may set it) still apply, after the mapping.
    env.NODE_OPTIONS = [`--require ${JSON.stringify(PRELOAD)}`, nodeOptions].filter(Boolean).join(" ");
  }
  return { env, folders, missing };
}

/** One line per missing secret, for the start of the run. */
export function missingSecretLine(m: MissingSecret, file: string, project: string): string {
  const own = `projects/${project}/secrets/`;
  const key = m.secret.startsWith(own) ? m.secret.slice(own.length) : m.secret;
  return (
    `callgraph local: ${m.function}: secret ${m.secret} (read as ${m.as}) has no local value: add ` +
    `${JSON.stringify(key)} to ${file}; ${m.function} runs without it`
  );
}
