import type { GraphFunction, SecretGrant } from "../../engine";
import { secretText } from "../diff/settings";

/** The role the components grant for each secret a function reads; anything else on a secret is worth a mark. */
const ACCESSOR = "roles/secretmanager.secretAccessor";

/**
 * A function's runtime settings beyond memory, timeout and instances, as one line of parts for a terminal
 * (`env GREETING · secrets API_KEY ← projects/p/secrets/api-key@latest · min 1 instance · ...`); empty when it sets
 * none. Variables are named, not valued: their values are the config's to show.
 */
export function settingsParts(f: GraphFunction): string[] {
  const s = f.settings;
  const parts: string[] = [];
  const env = Object.keys(s.environment);
  if (env.length > 0) parts.push(`env ${env.join(", ")}`);
  if (s.secrets.length > 0) parts.push(`secrets ${s.secrets.map(secretText).join(", ")}`);
  if (s.minInstances !== undefined && s.minInstances > 0)
    parts.push(`min ${s.minInstances} instance${s.minInstances === 1 ? "" : "s"}`);
  if (s.vpcConnector)
    parts.push(`vpc ${s.vpcConnector} (${s.vpcConnectorEgressSettings ?? "PRIVATE_RANGES_ONLY"})`);
  if (s.concurrency !== undefined) parts.push(`concurrency ${s.concurrency}`);
  if (s.cpu !== undefined) parts.push(`cpu ${s.cpu}`);
  const labels = Object.entries(s.labels);
  if (labels.length > 0) parts.push(`labels ${labels.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  return parts;
}

/** What needs a second look in a grant of secret access: not the components', wider than one secret, beyond reading. */
export function secretGrantMarks(g: SecretGrant): string[] {
  return [
    ...(g.managed ? [] : ["UNDECLARED"]),
    ...(g.scope === "secret" ? [] : [`${g.scope.toUpperCase()}-LEVEL`]),
    ...(g.role === ACCESSOR ? [] : [g.role]),
    ...(g.conditional ? ["CONDITIONAL"] : []),
  ];
}

/**
 * The secrets a function reads that no grant of the stack lets its account read: Google checks at deployment that
 * the runtime account may read every secret it names, and the deployment fails otherwise
 * (https://cloud.google.com/run/docs/configuring/secrets, "How secrets are checked at deployment and runtime").
 */
export function ungrantedSecrets(f: GraphFunction, grants: readonly SecretGrant[]): string[] {
  const own = grants.filter((g) => g.function === f.name);
  const covered = (secret: string) =>
    own.some(
      (g) =>
        g.secret === secret ||
        (g.scope === "project" && secret.startsWith(`projects/${g.secret.split("/")[1]}/secrets/`)) ||
        g.scope === "folder" ||
        g.scope === "organization",
    );
  return [...new Set(f.settings.secrets.map((s) => s.secret))].filter((s) => !covered(s));
}
