import { describeValue, type TopologyIssue } from "./errors";
import type { SecretSpec, Topology } from "./model";
import type { Generation } from "./schema";
import { environmentNameProblem, isProject, stringEntries } from "./settings";

/**
 * Secret Manager secrets a function reads (`secrets:`), as environment variables or files, in both generations' native
 * fields. Each is granted to the function's own account alone, on that secret alone
 * (`components/service-function.ts`).
 */

type At = (...rest: PropertyKey[]) => string;

/**
 * The role that lets an account read a secret's versions, and nothing more: "Secret Manager Secret Accessor ...
 * Allows accessing the payload of secrets" (https://cloud.google.com/secret-manager/docs/access-control). Both
 * generations need it for the function's runtime account: "grant the Secret Manager Secret Accessor role
 * (roles/secretmanager.secretAccessor) on the secret to the runtime service account"
 * (https://cloud.google.com/functions/docs/configuring/secrets).
 */
export const SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";

/** The API a function with secrets needs enabled (https://cloud.google.com/functions/docs/configuring/secrets). */
export const SECRET_MANAGER_API = "secretmanager.googleapis.com";

/**
 * A secret's id: "can contain uppercase and lowercase letters, numerals, and the hyphen (-) and underscore (_)
 * characters", at most 255 characters (https://cloud.google.com/secret-manager/docs/creating-and-accessing-secrets).
 */
export const SECRET_ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
const FULL_SECRET_NAME = /^projects\/([^/]+)\/secrets\/([^/]+)$/;

/** The version every secret gets unless it names one. */
export const LATEST = "latest";

/**
 * Folders a secret may not be mounted on. The platform refuses some: "Restricted mount paths: /cloudsql, /dev/log,
 * /pod, /proc, /var/log" (the Cloud Functions API's SecretVolume.mount_path,
 * https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions#SecretVolume); /dev, /proc
 * and /sys are the kernel's, in either generation. The others it would take and the function would not survive: the
 * folder "will also be completely shadowed and unavailable to mount any other secrets" (the same field), so a secret
 * on /etc hides the resolver's and TLS configuration, on /tmp the only writable folder, on /workspace the function's
 * own code.
 */
const RESTRICTED_TREES = ["/dev", "/proc", "/sys"];
const RESTRICTED_FOLDERS = [
  "/",
  "/cloudsql",
  "/pod",
  "/var/log",
  "/bin",
  "/boot",
  "/etc",
  "/home",
  "/lib",
  "/lib64",
  "/opt",
  "/root",
  "/run",
  "/sbin",
  "/srv",
  "/tmp",
  "/usr",
  "/var",
  "/workspace",
  "/layers",
  "/cnb",
];

/** A secret's name read back: its id, and its project when it names one. */
export function parseSecretName(value: string): { secret: string; project?: string } | { problem: string } {
  const full = FULL_SECRET_NAME.exec(value);
  if (full) {
    const [, project, secret] = full;
    if (!isProject(project))
      return {
        problem: `${JSON.stringify(value)} names project ${JSON.stringify(project)}, which is not a project id or number`,
      };
    if (!SECRET_ID_PATTERN.test(secret))
      return {
        problem: `${JSON.stringify(value)}: ${JSON.stringify(secret)} is not a secret id (letters, digits, hyphens and underscores, at most 255)`,
      };
    return { secret, project };
  }
  if (/^projects\/[^/]+\/secrets\/[^/]+\/versions\//.test(value))
    return {
      problem: `${JSON.stringify(value)} names a version: write the secret as projects/P/secrets/S and its version under version`,
    };
  if (SECRET_ID_PATTERN.test(value)) return { secret: value };
  return {
    problem: `${JSON.stringify(value)} is not a secret: give its id (letters, digits, hyphens and underscores, at most 255) in the function's project, or its full name projects/PROJECT/secrets/ID`,
  };
}

/** `projects/P/secrets/S` of a secret, `project` standing for the function's own when the secret names none. */
export function secretResourceName(spec: Pick<SecretSpec, "secret" | "project">, project: string): string {
  return `projects/${spec.project ?? project}/secrets/${spec.secret}`;
}

/** The folder a file secret is mounted on and the file's name in it: `/etc/secrets/api/key` -> `/etc/secrets/api`, `key`. */
export function mountOf(path: string): { folder: string; file: string } {
  const at = path.lastIndexOf("/");
  return { folder: at === 0 ? "/" : path.slice(0, at), file: path.slice(at + 1) };
}

function pathProblem(path: string): string | undefined {
  const segments = path.split("/").slice(1);
  if (
    !path.startsWith("/") ||
    path.endsWith("/") ||
    segments.some((s) => s === "" || s === "." || s === "..")
  )
    return `${JSON.stringify(path)} is not an absolute path to a file (e.g. /etc/secrets/api-key/value): start with /, no empty, "." or ".." segment, no trailing /`;
  if (segments.some((s) => !/^[A-Za-z0-9._-]+$/.test(s)))
    return `${JSON.stringify(path)}: use letters, digits, dots, hyphens and underscores in each segment`;
  const { folder } = mountOf(path);
  if (
    RESTRICTED_TREES.some((t) => folder === t || folder.startsWith(`${t}/`)) ||
    RESTRICTED_FOLDERS.includes(folder)
  )
    return (
      `${JSON.stringify(path)} would mount the secret on ${folder}, which the platform refuses or the function needs: ` +
      `a secret's folder is hidden whole behind it. Use a folder of its own, e.g. /etc/secrets/<name>/${mountOf(path).file}`
    );
  return undefined;
}

/** A secret entry's version as the platform takes it: `latest` or a version number. */
function versionOf(value: unknown): string | undefined {
  if (value === undefined) return LATEST;
  const text = typeof value === "number" ? String(value) : value;
  return typeof text === "string" && (text === LATEST || /^[1-9][0-9]*$/.test(text)) ? text : undefined;
}

/**
 * Every problem of one function's `secrets`, and the secrets it reads when there is none. Checked: the secret's name,
 * its version, exactly one of `env` and `path`, a variable name that is valid, reserved for nobody and not also in
 * `environment` or another secret, a file path that is absolute and not on a folder the platform or the function
 * needs, one secret per folder (a folder is one secret volume), and, on 1st gen, another project named by number.
 */
export function secretIssues(
  secrets: unknown,
  environment: unknown,
  generation: Generation,
  at: At,
): { issues: TopologyIssue[]; secrets: SecretSpec[] } {
  const issues: TopologyIssue[] = [];
  const specs: SecretSpec[] = [];
  if (!Array.isArray(secrets)) return { issues, secrets: specs };
  const declared = new Set(stringEntries(environment).map(([name]) => name));
  const envs = new Map<string, number>();
  const paths = new Map<string, number>();
  const folders = new Map<string, { index: number; key: string; name: string }>();
  secrets.forEach((entry: unknown, i) => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return; // the schema reports it
    const e = entry as Record<string, unknown>;
    const here = (...rest: PropertyKey[]) => at("secrets", i, ...rest);
    let ok = true;
    const refuse = (path: string, message: string) => {
      issues.push({ path, message });
      ok = false;
    };
    const name = typeof e.secret === "string" ? parseSecretName(e.secret) : undefined;
    if (name && "problem" in name) refuse(here("secret"), name.problem);
    if (
      name &&
      "secret" in name &&
      name.project !== undefined &&
      generation === 1 &&
      !/^[0-9]+$/.test(name.project)
    )
      refuse(
        here("secret"),
        `${JSON.stringify(e.secret)}: 1st gen names another project's secret by the project's number only (its ` +
          "projectId takes a number: the provider's cloudfunctions.Function secretEnvironmentVariables and secretVolumes). " +
          "Write projects/<number>/secrets/<id>, or the bare id for a secret of the function's own project",
      );
    const version = versionOf(e.version);
    if (version === undefined && (typeof e.version === "string" || typeof e.version === "number"))
      refuse(
        here("version"),
        `${describeValue(e.version)} is not a secret version: use "latest" or a version number (1, 2, ...)`,
      );
    const env = typeof e.env === "string" ? e.env : undefined;
    const path = typeof e.path === "string" ? e.path : undefined;
    if (e.env !== undefined && e.path !== undefined)
      refuse(
        here(),
        "give either env (an environment variable) or path (a file), not both: list the secret twice for both",
      );
    else if (e.env === undefined && e.path === undefined)
      refuse(
        here(),
        "give env (the environment variable it is read from) or path (the absolute path of its file)",
      );
    if (env !== undefined) {
      const problem = environmentNameProblem(env);
      if (problem) refuse(here("env"), problem);
      else if (declared.has(env))
        refuse(here("env"), `${JSON.stringify(env)} is also set in environment: one variable, one value`);
      else if (envs.has(env))
        refuse(here("env"), `${JSON.stringify(env)} is also given by secrets[${envs.get(env)}]`);
      envs.set(env, envs.get(env) ?? i);
    }
    if (path !== undefined) {
      const problem = pathProblem(path);
      if (problem) refuse(here("path"), problem);
      else if (paths.has(path))
        refuse(here("path"), `${JSON.stringify(path)} is also given by secrets[${paths.get(path)}]`);
      else if (name && "secret" in name) {
        const { folder } = mountOf(path);
        const key = `${name.project ?? ""}/${name.secret}`;
        const other = folders.get(folder);
        const nested = [...folders.entries()].find(
          ([f]) => f !== folder && (f.startsWith(`${folder}/`) || folder.startsWith(`${f}/`)),
        );
        if (other && other.key !== key)
          refuse(
            here("path"),
            `folder ${folder} already holds secret ${JSON.stringify(other.name)} (secrets[${other.index}]): a mounted folder holds one secret, hidden whole behind it. Give each secret a folder of its own`,
          );
        else if (nested)
          refuse(
            here("path"),
            `folder ${folder} and ${nested[0]} (secrets[${nested[1].index}]) are one inside the other: a mounted folder hides everything under it. Give each secret a folder of its own, side by side`,
          );
        else if (!other) folders.set(folder, { index: i, key, name: String(e.secret) });
      }
      paths.set(path, paths.get(path) ?? i);
    }
    if (ok && name && "secret" in name && version !== undefined)
      specs.push({
        secret: name.secret,
        ...(name.project === undefined ? {} : { project: name.project }),
        version,
        ...(env === undefined ? {} : { env }),
        ...(path === undefined ? {} : { path }),
      });
  });
  specs.sort((a, b) => compare(`${a.env ?? ""}\0${a.path ?? ""}`, `${b.env ?? ""}\0${b.path ?? ""}`));
  return { issues, secrets: specs };
}

/** Each distinct secret of a function once, in order: the grants are one per (secret, function). */
export function distinctSecrets(secrets: readonly SecretSpec[], project: string): SecretSpec[] {
  const seen = new Map<string, SecretSpec>();
  for (const s of secrets) {
    const key = secretResourceName(s, project);
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()].sort((a, b) =>
    compare(secretResourceName(a, project), secretResourceName(b, project)),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when some function reads a secret (so the stack needs Secret Manager's API). */
export function hasSecrets(topology: Topology): boolean {
  return topology.functions.some((f) => (f.secrets?.length ?? 0) > 0);
}
