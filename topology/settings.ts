import { describeValue, type TopologyIssue } from "./errors";
import { MAX_CONCURRENCY, type Generation } from "./schema";

/**
 * The runtime settings a real service needs beyond memory and timeouts (`environment`, `minInstances`,
 * `vpcConnector` and its egress, `labels`; 2nd gen `concurrency` and `cpu`): Google's rules for each, as pure checks
 * that name the offending value. `secrets.ts` holds the secrets' own; both are called from `parse.ts` for every
 * function, malformed or not, so every problem shows at once.
 */

/** Where a problem is, below the function: `at("environment", "PORT")` is `functions.login.environment.PORT`. */
type At = (...rest: PropertyKey[]) => string;

/** Every variable whose name starts with this is the program's own (topology/environment.ts, functions/shared/env.ts). */
export const PROGRAM_ENV_PREFIX = "CALLGRAPH_";

/**
 * Names a user's variable may not take, each with the reason the error gives:
 * - the runtime contract of Cloud Run functions: "FUNCTION_TARGET, FUNCTION_SIGNATURE_TYPE, K_SERVICE, K_REVISION,
 *   PORT" are set when a function is deployed, and the container contract reserves PORT and K_CONFIGURATION
 *   (https://cloud.google.com/run/docs/configuring/services/overview-environment-variables, "Reserved environment
 *   variables"); the runtime sets NODE_ENV, and the operating system PATH, SHLVL and DEBIAN_FRONTEND ("Modifying
 *   environment-provided environment variables might lead to unpredictable outcomes");
 * - 1st gen's older runtimes reserve ENTRY_POINT, GCP_PROJECT, GCLOUD_PROJECT, GOOGLE_CLOUD_PROJECT,
 *   FUNCTION_TRIGGER_TYPE, FUNCTION_NAME, FUNCTION_MEMORY_MB, FUNCTION_TIMEOUT_SEC, FUNCTION_IDENTITY and
 *   FUNCTION_REGION (https://cloud.google.com/functions/1stgendocs/configuring/env-var, "Environment variables set
 *   automatically");
 * - what the function runtime's Google client reads to find the metadata server and credentials (gcp-metadata's
 *   GCE_METADATA_HOST, GCE_METADATA_IP, METADATA_SERVER_DETECTION; google-auth-library's
 *   GOOGLE_APPLICATION_CREDENTIALS): set by hand, they would send the function's identity tokens elsewhere. The
 *   local stack sets the first three (DESIGN.md) and HOME, so a declared value could never be tried locally either.
 */
const RESERVED_ENV: Readonly<Record<string, string>> = {
  ...names(
    ["FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "K_SERVICE", "K_REVISION", "K_CONFIGURATION", "PORT"],
    "reserved by Cloud Run functions, which sets it on every instance",
  ),
  ...names(
    [
      "ENTRY_POINT",
      "GCP_PROJECT",
      "GCLOUD_PROJECT",
      "GOOGLE_CLOUD_PROJECT",
      "FUNCTION_TRIGGER_TYPE",
      "FUNCTION_NAME",
      "FUNCTION_MEMORY_MB",
      "FUNCTION_TIMEOUT_SEC",
      "FUNCTION_IDENTITY",
      "FUNCTION_REGION",
    ],
    "reserved by Cloud Functions (1st gen sets it on older runtimes)",
  ),
  ...names(
    ["NODE_ENV", "PATH", "SHLVL", "DEBIAN_FRONTEND", "HOME"],
    "set by the runtime or its operating system (and by the local stack)",
  ),
  ...names(
    ["GCE_METADATA_HOST", "GCE_METADATA_IP", "METADATA_SERVER_DETECTION", "GOOGLE_APPLICATION_CREDENTIALS"],
    "read by the function runtime's Google client to reach the metadata server: it would send the function's identity tokens elsewhere",
  ),
};

/** Prefixes a user's variable may not start with, and why. */
const RESERVED_ENV_PREFIXES: readonly (readonly [string, string])[] = [
  [
    PROGRAM_ENV_PREFIX,
    "set or read by callgraph itself (every CALLGRAPH_* name is the program's: topology/environment.ts, functions/shared/env.ts)",
  ],
  [
    "X_GOOGLE_",
    'reserved by Google ("Keys cannot contain the X_GOOGLE_ prefix": https://cloud.google.com/run/docs/configuring/services/overview-environment-variables)',
  ],
];

function names(list: readonly string[], why: string): Record<string, string> {
  return Object.fromEntries(list.map((n) => [n, why]));
}

/**
 * Names a variable may have: letters, digits and underscores, not starting with a digit, the names every shell and
 * `process.env` reader takes as they are. Google refuses only an empty name and one with `=`; this rule is stricter
 * on purpose, so that a name is the same in YAML, in a shell and in the code.
 */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * "The total bytes used by runtime environment variable names and values for an individual function is limited to
 * 32 KiB" (https://cloud.google.com/run/docs/configuring/services/overview-environment-variables, "Size limits").
 */
export const MAX_ENVIRONMENT_BYTES = 32 * 1024;

/** Why `name` may not be a user's environment variable (or a secret's), or undefined when it may. */
export function environmentNameProblem(name: string): string | undefined {
  if (!ENV_NAME_PATTERN.test(name))
    return `invalid environment variable name ${JSON.stringify(name)}: use letters, digits and underscores, not starting with a digit`;
  const upper = name.toUpperCase();
  const reserved = RESERVED_ENV[upper];
  if (reserved) return `${JSON.stringify(name)} is ${reserved}; choose another name`;
  const prefix = RESERVED_ENV_PREFIXES.find(([p]) => upper.startsWith(p));
  if (prefix) return `${JSON.stringify(name)} is ${prefix[1]}; choose another name`;
  return undefined;
}

/** The `environment` map's problems: names, and the platform's size limit. */
export function environmentIssues(environment: unknown, at: At): TopologyIssue[] {
  const entries = stringEntries(environment);
  const issues: TopologyIssue[] = [];
  for (const [name] of entries) {
    const problem = environmentNameProblem(name);
    if (problem) issues.push({ path: at("environment", name), message: problem });
  }
  const bytes = entries.reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > MAX_ENVIRONMENT_BYTES)
    issues.push({
      path: at("environment"),
      message: `its names and values take ${bytes} bytes; Google allows ${MAX_ENVIRONMENT_BYTES} per function, the program's own variables included. Move large values into a secret file`,
    });
  return issues;
}

/**
 * Google's label rules (https://cloud.google.com/resource-manager/docs/creating-managing-labels#requirements): keys
 * start with a lowercase letter or an international character and hold lowercase letters, international
 * characters, digits, underscores and dashes, at most 63 characters; values hold the same, may be empty, at most 63;
 * at most 128 bytes each; at most 64 labels on a resource.
 */
export const LABEL_KEY_PATTERN = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
export const LABEL_VALUE_PATTERN = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const MAX_LABEL_BYTES = 128;
const MAX_LABELS = 64;

/** The label the program puts on everything it manages; a user's label may not replace it. */
export const MANAGED_LABEL = { key: "managed-by", value: "callgraph" } as const;

/**
 * Keys a user's label may not have: the program's own, and "Label keys starting with `deployment` are reserved for use
 * by deployment tools and cannot be specified manually" (https://cloud.google.com/sdk/gcloud/reference/functions/deploy,
 * `--update-labels`).
 */
function labelKeyProblem(key: string): string | undefined {
  if (key === MANAGED_LABEL.key)
    return `"${MANAGED_LABEL.key}" is the program's own label (${MANAGED_LABEL.key}: ${MANAGED_LABEL.value}); choose another key`;
  if (key.startsWith("deployment"))
    return `${JSON.stringify(key)}: keys starting with "deployment" are reserved by Cloud Functions for deployment tools; choose another key`;
  if (!LABEL_KEY_PATTERN.test(key) || Buffer.byteLength(key) > MAX_LABEL_BYTES)
    return `invalid label key ${JSON.stringify(key)}: start with a lowercase letter; use lowercase letters, digits, underscores and dashes, at most 63 characters`;
  return undefined;
}

/** The `labels` map's problems. */
export function labelIssues(labels: unknown, at: At): TopologyIssue[] {
  const entries = stringEntries(labels);
  const issues: TopologyIssue[] = [];
  for (const [key, value] of entries) {
    const problem = labelKeyProblem(key);
    if (problem) issues.push({ path: at("labels", key), message: problem });
    else if (!LABEL_VALUE_PATTERN.test(value) || Buffer.byteLength(value) > MAX_LABEL_BYTES)
      issues.push({
        path: at("labels", key),
        message: `invalid label value ${JSON.stringify(value)}: use lowercase letters, digits, underscores and dashes, at most 63 characters (or leave it empty)`,
      });
  }
  if (entries.length > MAX_LABELS - 1)
    issues.push({
      path: at("labels"),
      message: `${entries.length} labels: Google allows ${MAX_LABELS} on a function, one of them the program's own (${MANAGED_LABEL.key}); keep at most ${MAX_LABELS - 1}`,
    });
  return issues;
}

/**
 * A Serverless VPC Access connector's name: "Connector names must ... be less than 25 characters", lowercase letters,
 * digits and hyphens, starting with a letter (https://cloud.google.com/vpc/docs/configure-serverless-vpc-access).
 */
export const CONNECTOR_NAME_PATTERN = /^[a-z][-a-z0-9]{0,22}[a-z0-9]$/;
const CONNECTOR_FULL_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/connectors\/([^/]+)$/;

/** A connector as declared: a bare name (in the function's project and region), or a full name. */
export interface ConnectorReference {
  readonly project?: string;
  readonly region?: string;
  readonly name: string;
}

/** A declared connector read back, or undefined when it is malformed. */
export function parseConnector(value: string): ConnectorReference | undefined {
  const full = CONNECTOR_FULL_NAME.exec(value);
  if (full) {
    const [, project, region, name] = full;
    return CONNECTOR_NAME_PATTERN.test(name) && isProject(project) && /^[a-z]+-[a-z]+[0-9]+$/.test(region)
      ? { project, region, name }
      : undefined;
  }
  return CONNECTOR_NAME_PATTERN.test(value) ? { name: value } : undefined;
}

/**
 * The connector's full name, `projects/P/locations/L/connectors/NAME`, the form both generations' `vpcConnector`
 * takes: a bare name is in the function's own project and region (a connector serves its region only:
 * https://cloud.google.com/functions/docs/networking/connecting-vpc).
 */
export function connectorName(value: string, project: string, region: string): string {
  const ref = parseConnector(value);
  if (!ref) throw new Error(`not a connector: ${value}`);
  return `projects/${ref.project ?? project}/locations/${ref.region ?? region}/connectors/${ref.name}`;
}

/**
 * A declared connector in another region than its function's: "The connector must be in the same region as the
 * function" (https://cloud.google.com/functions/docs/networking/connecting-vpc). Known only once the region is, so
 * the component asks (before it registers anything of its own).
 */
export function connectorRegionProblem(value: string, region: string): string | undefined {
  const ref = parseConnector(value);
  if (!ref?.region || ref.region === region) return undefined;
  return `connector ${JSON.stringify(value)} is in ${ref.region}, but the function deploys to ${region}: a function reaches a connector of its own region only. Use a connector in ${region}`;
}

/** Project ids (6-30 characters: https://cloud.google.com/resource-manager/docs/creating-managing-projects) or numbers. */
export function isProject(value: string): boolean {
  return /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(value) || /^[0-9]{1,20}$/.test(value);
}

/**
 * The vCPUs Google derives from a function's memory when it names none: 1st gen's tiers, which 2nd gen keeps as its
 * defaults (https://cloud.google.com/functions/docs/configuring/memory: 128 MiB .083, 256 MiB .167, 512 MiB .333,
 * 1 GiB .583, 2 GiB 1, 4 GiB 2, 8 GiB 2).
 */
export const DEFAULT_CPU_BY_MEMORY_MB: Readonly<Record<number, number>> = {
  128: 0.083,
  256: 0.167,
  512: 0.333,
  1024: 0.583,
  2048: 1,
  4096: 2,
  8192: 2,
};

/** Whole vCPU counts Cloud Run takes; below 1, any value from 0.08 in steps of 0.001. */
export const WHOLE_CPUS = [1, 2, 4, 6, 8] as const;
const MIN_CPU = 0.08;

/**
 * A declared `cpu` as the number it stands for, or a problem. Cloud Run's rules
 * (https://cloud.google.com/run/docs/configuring/services/cpu): "Values greater than 1 must be integer values" among 1,
 * 2, 4, 6 and 8, or "any value between 0.08 and 1, in increments of 0.001".
 */
export function parseCpu(value: number | string): { cpu: number } | { problem: string } {
  const text = typeof value === "number" ? String(value) : value.trim();
  const cpu = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
  const fraction = cpu >= MIN_CPU && cpu < 1 && Math.abs(Math.round(cpu * 1000) - cpu * 1000) < 1e-9;
  if ((WHOLE_CPUS as readonly number[]).includes(cpu) || fraction) return { cpu };
  return {
    problem: `${describeValue(value)} is not a vCPU count Cloud Run takes: use 1, 2, 4, 6 or 8, or a value from 0.08 to below 1 in steps of 0.001`,
  };
}

/** `cpu` as 2nd gen's `availableCpu` spells it: `"1"`, `"0.5"`. */
export function cpuText(cpu: number): string {
  return String(cpu);
}

/**
 * The memory a vCPU count allows (https://cloud.google.com/run/docs/configuring/services/cpu, "vCPU and memory"): 1
 * vCPU up to 4 GiB, 2 up to 8 GiB, 4 from 2 GiB, 6 and 8 from 4 GiB; below 1 vCPU, "A minimum of 0.5 vCPU is needed to
 * set a memory limit greater than 512MiB" and "A minimum of 1 vCPU is needed to set a memory limit greater than
 * 1GiB". Undefined when the pair is allowed.
 */
export function cpuMemoryProblem(cpu: number, memoryMb: number): string | undefined {
  const [min, max] =
    cpu < 0.5
      ? [0, 512]
      : cpu < 1
        ? [0, 1024]
        : cpu === 1
          ? [0, 4096]
          : cpu === 2
            ? [0, 8192]
            : cpu === 4
              ? [2048, 16384]
              : [4096, 32768];
  if (memoryMb >= min && memoryMb <= max) return undefined;
  const range = min === 0 ? `at most ${max} MB` : `at least ${min} MB`;
  return `${cpu} vCPU takes ${range} of memory, and the function has ${memoryMb} MB: change memory or cpu`;
}

/** The settings of one function that `settingsIssues` checks, as far as they are well typed. */
export interface SettingsParts {
  readonly environment?: unknown;
  readonly labels?: unknown;
  readonly minInstances?: unknown;
  readonly maxInstances?: unknown;
  readonly vpcConnector?: unknown;
  readonly vpcConnectorEgressSettings?: unknown;
  readonly concurrency?: unknown;
  readonly cpu?: unknown;
  readonly memory?: unknown;
}

/** Where a function's generation comes from, for messages: its own `generation`, or the stack's. */
export interface GenerationOf {
  readonly generation: Generation;
  /** True when the function does not set `generation` and the stack-wide `callgraph:generation` decides. */
  readonly fromStack: boolean;
}

/**
 * Every problem of one function's runtime settings, whatever else is wrong with it: variable names, labels, minimum
 * against maximum instances, the connector and its egress, and the 2nd-gen settings against the generation, the
 * memory and each other.
 */
export function settingsIssues(
  decl: SettingsParts,
  of: GenerationOf,
  defaults: { readonly memoryMb: number; readonly maxInstances: number },
  at: At,
): TopologyIssue[] {
  const issues: TopologyIssue[] = [
    ...environmentIssues(decl.environment, at),
    ...labelIssues(decl.labels, at),
  ];
  const max = typeof decl.maxInstances === "number" ? decl.maxInstances : defaults.maxInstances;
  if (typeof decl.minInstances === "number" && Number.isInteger(decl.minInstances) && decl.minInstances > max)
    issues.push({
      path: at("minInstances"),
      message: `${decl.minInstances} is more than maxInstances (${max}): the minimum must not exceed the maximum`,
    });
  if (typeof decl.vpcConnector === "string" && !parseConnector(decl.vpcConnector))
    issues.push({
      path: at("vpcConnector"),
      message: `${describeValue(decl.vpcConnector)} is not a Serverless VPC Access connector: give its name (lowercase letters, digits and hyphens, starting with a letter, at most 24 characters) or its full name projects/PROJECT/locations/REGION/connectors/NAME`,
    });
  if (decl.vpcConnectorEgressSettings !== undefined && decl.vpcConnector === undefined)
    issues.push({
      path: at("vpcConnectorEgressSettings"),
      message: `${describeValue(decl.vpcConnectorEgressSettings)} says what goes through a VPC connector, and the function names none: set vpcConnector too, or remove it`,
    });

  const memoryMb = typeof decl.memory === "number" ? decl.memory : defaults.memoryMb;
  const gen1 = of.generation === 1;
  const which = `this function is 1st gen (${of.fromStack ? "callgraph:generation: 1" : "generation: 1"})`;
  if (gen1 && decl.concurrency !== undefined)
    issues.push({
      path: at("concurrency"),
      message: `concurrency (${describeValue(decl.concurrency)}) is a 2nd gen setting (Cloud Run functions' maxInstanceRequestConcurrency), and ${which}, whose instances serve one request at a time. Remove it, or set generation: 2`,
    });
  let cpu: number | undefined;
  if (typeof decl.cpu === "number" || typeof decl.cpu === "string") {
    const parsed = parseCpu(decl.cpu);
    if ("problem" in parsed) issues.push({ path: at("cpu"), message: parsed.problem });
    else cpu = parsed.cpu;
  }
  if (gen1 && decl.cpu !== undefined) {
    issues.push({
      path: at("cpu"),
      message: `cpu (${describeValue(decl.cpu)}) is a 2nd gen setting (Cloud Run functions' availableCpu), and ${which}, whose CPU follows its memory. Remove it (set memory instead), or set generation: 2`,
    });
    return issues;
  }
  if (gen1) return issues;
  if (cpu !== undefined) {
    const problem = cpuMemoryProblem(cpu, memoryMb);
    if (problem) issues.push({ path: at("cpu"), message: problem });
  }
  // "If you set concurrency greater than 1, the function must have 1 or more vCPU"
  // (https://cloud.google.com/functions/docs/configuring/concurrency); below 1 vCPU, "Maximum concurrency must be set
  // to 1" (https://cloud.google.com/run/docs/configuring/services/cpu).
  const effective = cpu ?? DEFAULT_CPU_BY_MEMORY_MB[memoryMb];
  // Out of range, the schema has said so already.
  const concurrency =
    typeof decl.concurrency === "number" &&
    Number.isInteger(decl.concurrency) &&
    decl.concurrency <= MAX_CONCURRENCY
      ? decl.concurrency
      : undefined;
  if (concurrency !== undefined && concurrency > 1 && effective !== undefined && effective < 1)
    issues.push({
      path: at("concurrency"),
      message:
        `${concurrency} concurrent requests need at least 1 vCPU, and the function has ${effective}` +
        (cpu === undefined ? ` (what ${memoryMb} MB of memory comes with)` : "") +
        ": set cpu: 1 (or memory: 2048 or more), or concurrency: 1",
    });
  return issues;
}

/** The entries of a map whose values are strings (malformed values are the schema's to report). */
export function stringEntries(value: unknown): [string, string][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string",
  );
}

/** A map sorted by key, so the same declaration always registers byte-identical inputs. */
export function sortedRecord(entries: readonly (readonly [string, string])[]): Record<string, string> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
