import type { RegisteredResource } from "./types";

/**
 * A function's runtime settings as its registered resource states them, in both generations (1st gen at the top of
 * `gcp.cloudfunctions.Function`, 2nd gen under `serviceConfig` of `gcp.cloudfunctionsv2.Function`), for `graph`,
 * `diff` and the local stack. Read from the resource, not the config, like everything else the engine derives: a
 * function written by hand in the program shows its settings too.
 */

/** Environment variables whose names start with this are the program's own, never the user's (`topology/settings.ts`). */
const PROGRAM_ENV_PREFIX = "CALLGRAPH_";

/** The label every resource of the components carries; not a setting of the user's. */
const MANAGED_LABEL_KEY = "managed-by";

/** One secret a function reads, as its resource names it. */
export interface GraphSecret {
  /** `projects/P/secrets/S`, P as the resource names it (the function's project when it names none). */
  readonly secret: string;
  /** A version number, or `latest`. */
  readonly version: string;
  /** The environment variable it is read from, for a secret given as one. */
  readonly env?: string;
  /** The file it is read from (mount path and file), for a secret mounted as a volume. */
  readonly path?: string;
}

/** What a function's resource says beyond its identity and code. Absent values are the platform's defaults. */
export interface FunctionSettings {
  /** The user's own variables (every name but the program's `CALLGRAPH_*`), sorted by name. */
  readonly environment: Readonly<Record<string, string>>;
  /** Its secrets, sorted by variable, then path. */
  readonly secrets: readonly GraphSecret[];
  readonly memoryMb?: number;
  readonly maxInstances?: number;
  readonly minInstances?: number;
  readonly ingress?: string;
  /** The connector's full name, as registered. */
  readonly vpcConnector?: string;
  readonly vpcConnectorEgressSettings?: string;
  /** Its labels but the components' own `managed-by`, sorted by key. */
  readonly labels: Readonly<Record<string, string>>;
  /** 2nd gen: concurrent requests per instance. */
  readonly concurrency?: number;
  /** 2nd gen: vCPUs per instance, as registered (`"1"`). */
  readonly cpu?: string;
}

/** The settings of one function resource (`gcp.cloudfunctions.Function` or `gcp.cloudfunctionsv2.Function`). */
export function functionSettings(
  r: RegisteredResource,
  generation: 1 | 2,
  project: string,
): FunctionSettings {
  const i = r.inputs;
  const service = generation === 2 ? record(i.serviceConfig) : i;
  const memory = generation === 2 ? memoryMbOf(service.availableMemory) : numberOr(i.availableMemoryMb);
  return {
    environment: sorted(
      Object.entries(record(service.environmentVariables))
        .filter(([k]) => !k.startsWith(PROGRAM_ENV_PREFIX))
        .map(([k, v]) => [k, String(v)]),
    ),
    secrets: secretsOf(service, project),
    ...defined("memoryMb", memory),
    ...defined("maxInstances", numberOr(generation === 2 ? service.maxInstanceCount : i.maxInstances)),
    ...defined("minInstances", numberOr(generation === 2 ? service.minInstanceCount : i.minInstances)),
    ...defined("ingress", stringOr(service.ingressSettings)),
    ...defined("vpcConnector", stringOr(service.vpcConnector)),
    ...defined(
      "vpcConnectorEgressSettings",
      stringOr(service.vpcConnector) === undefined ? undefined : stringOr(service.vpcConnectorEgressSettings),
    ),
    labels: sorted(
      Object.entries(record(i.labels))
        .filter(([k]) => k !== MANAGED_LABEL_KEY)
        .map(([k, v]) => [k, String(v)]),
    ),
    ...defined("concurrency", generation === 2 ? numberOr(service.maxInstanceRequestConcurrency) : undefined),
    ...defined("cpu", generation === 2 ? stringOr(service.availableCpu) : undefined),
  };
}

/**
 * The secrets of either generation's fields: `secretEnvironmentVariables` (`key`, `secret`, `version`, `projectId`)
 * and `secretVolumes` (`mountPath`, `secret`, `projectId`, `versions` of `path` and `version`; with no versions, "the
 * latest version of the secret will be made available in a file named after the secret under the mount point": the
 * provider's cloudfunctions.Function and cloudfunctionsv2.Function).
 */
function secretsOf(service: Readonly<Record<string, unknown>>, project: string): GraphSecret[] {
  const name = (s: Readonly<Record<string, unknown>>) =>
    `projects/${stringOr(s.projectId) ?? project}/secrets/${String(s.secret)}`;
  const secrets: GraphSecret[] = [];
  for (const s of list(service.secretEnvironmentVariables))
    secrets.push({ secret: name(s), version: String(s.version ?? "latest"), env: String(s.key) });
  for (const v of list(service.secretVolumes)) {
    const mount = String(v.mountPath ?? "").replace(/\/+$/, "");
    const versions = list(v.versions);
    const files = versions.length > 0 ? versions : [{ path: String(v.secret), version: "latest" }];
    for (const f of files)
      secrets.push({
        secret: name(v),
        version: String(f.version ?? "latest"),
        path: `${mount}/${String(f.path ?? "").replace(/^\/+/, "")}`,
      });
  }
  return secrets.sort((a, b) =>
    compare(`${a.env ?? ""}\0${a.path ?? ""}`, `${b.env ?? ""}\0${b.path ?? ""}`),
  );
}

/** `"256M"`, `"1Gi"`, `"512Mi"` as MB; undefined for anything else (or a computed value). */
function memoryMbOf(value: unknown): number | undefined {
  const match = typeof value === "string" ? /^([0-9]+)(M|Mi|G|Gi)$/.exec(value) : null;
  if (!match) return undefined;
  const n = Number(match[1]);
  return match[2].startsWith("G") ? n * 1024 : n;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function list(value: unknown): Readonly<Record<string, unknown>>[] {
  return Array.isArray(value) ? value.map(record) : [];
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function sorted(entries: readonly (readonly [string, string])[]): Record<string, string> {
  return Object.fromEntries([...entries].sort(([a], [b]) => compare(a, b)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
