import { googleFailure } from "../google-errors";
import type { GoogleClients } from "../google-clients";
import type { LiveAccount, LiveKey } from "./check-accounts";
import type { PolicyRule } from "./check-org-policies";
import type { LiveRuntime } from "./check-runtimes";
import type { Observed } from "./types";

/**
 * The reads of the live project preflight makes. Each answers `Observed`: a refusal (403, a disabled API, a
 * network error after retries) is kept as "not visible" with Google's message, never turned into an empty
 * answer. Nothing here writes.
 */

/**
 * Service name -> state (`ENABLED`, `DISABLED`) through Service Usage `services.batchGet`, at most 30 names
 * per request as the method allows.
 * https://cloud.google.com/service-usage/docs/reference/rest/v1/services/batchGet
 */
export async function readApiStates(
  clients: GoogleClients,
  project: string,
  services: readonly string[],
): Promise<Observed<ReadonlyMap<string, string>>> {
  return observe(async () => {
    const states = new Map<string, string>();
    const chunks = chunk(services, 30);
    const answers = await Promise.all(
      chunks.map((names) =>
        clients.call("serviceusage", (options) =>
          clients.serviceusage.services.batchGet(
            { parent: `projects/${project}`, names: names.map((n) => `projects/${project}/services/${n}`) },
            options,
          ),
        ),
      ),
    );
    for (const answer of answers) {
      for (const s of answer.services ?? []) {
        // `name` is projects/PROJECT_NUMBER/services/SERVICE: the service is its last segment.
        const service = s.config?.name ?? s.name?.slice(s.name.lastIndexOf("/") + 1);
        if (service) states.set(service, s.state ?? "STATE_UNSPECIFIED");
      }
    }
    return states;
  });
}

/**
 * The runtimes the project is offered in `region`, both generations.
 * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.runtimes/list
 */
export function readRuntimes(
  clients: GoogleClients,
  project: string,
  region: string,
): Promise<Observed<readonly LiveRuntime[]>> {
  return observe(async () => {
    const answer = await clients.call("cloudfunctions", (options) =>
      clients.cloudfunctions.projects.locations.runtimes.list(
        { parent: `projects/${project}/locations/${region}` },
        options,
      ),
    );
    return (answer.runtimes ?? []).flatMap((r): LiveRuntime[] =>
      r.name
        ? [
            {
              name: r.name,
              ...(r.environment ? { environment: r.environment } : {}),
              ...(r.stage ? { stage: r.stage } : {}),
              ...(r.deprecationDate ? { deprecationDate: r.deprecationDate } : {}),
              ...(r.decommissionDate ? { decommissionDate: r.decommissionDate } : {}),
              ...(r.warnings ? { warnings: r.warnings } : {}),
            },
          ]
        : [],
    );
  });
}

/**
 * Which of `permissions` the caller holds on the project (Resource Manager v3 `projects.testIamPermissions`),
 * asked in chunks of 100.
 * https://cloud.google.com/resource-manager/reference/rest/v3/projects/testIamPermissions
 */
export async function readHeldPermissions(
  clients: GoogleClients,
  project: string,
  permissions: readonly string[],
): Promise<Observed<ReadonlySet<string>>> {
  return observe(async () => {
    const answers = await Promise.all(
      chunk(permissions, 100).map((list) =>
        clients.call("cloudresourcemanager", (options) =>
          clients.cloudresourcemanager.projects.testIamPermissions(
            { resource: `projects/${project}`, requestBody: { permissions: [...list] } },
            options,
          ),
        ),
      ),
    );
    // An empty answer (`{}`) means none is held.
    return new Set(answers.flatMap((a) => a.permissions ?? []));
  });
}

/**
 * The effective rules of one list constraint on the project (Org Policy v2 `projects.policies.getEffectivePolicy`).
 * No `spec` (nothing set anywhere in the hierarchy) is no rule, i.e. the constraint's default.
 * https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/projects.policies/getEffectivePolicy
 */
export function readEffectiveRules(
  clients: GoogleClients,
  project: string,
  constraint: string,
): Promise<Observed<readonly PolicyRule[]>> {
  return observe(async () => {
    const policy = await clients.call("orgpolicy", (options) =>
      clients.orgpolicy.projects.policies.getEffectivePolicy(
        { name: `projects/${project}/policies/${constraint}` },
        options,
      ),
    );
    return policy.spec?.rules ?? [];
  });
}

/**
 * The account (IAM v1 `projects.serviceAccounts.get`; 404: it does not exist) and its user-managed keys
 * (`keys.list?keyTypes=USER_MANAGED`: Google-managed keys are Google's and never leave it).
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/get
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list
 */
export function readAccount(clients: GoogleClients, email: string): Promise<Observed<LiveAccount>> {
  // `-` for the project: the email alone names the account.
  const name = `projects/-/serviceAccounts/${email}`;
  return observe(async (): Promise<LiveAccount> => {
    let disabled: boolean;
    try {
      const account = await clients.call("iam", (options) =>
        clients.iam.projects.serviceAccounts.get({ name }, options),
      );
      disabled = account.disabled === true;
    } catch (error) {
      if (googleFailure(error).status === 404) return { exists: false };
      throw error;
    }
    const keys = await observe(async () => {
      const answer = await clients.call("iam", (options) =>
        clients.iam.projects.serviceAccounts.keys.list({ name, keyTypes: ["USER_MANAGED"] }, options),
      );
      return (answer.keys ?? []).flatMap((k): LiveKey[] =>
        k.name ? [{ name: k.name, ...(k.validAfterTime ? { validAfterTime: k.validAfterTime } : {}) }] : [],
      );
    });
    return { exists: true, disabled, keys };
  });
}

/** Runs one read, keeping a refusal (status, reason, Google's message) instead of throwing it. */
export async function observe<T>(read: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { visible: true, value: await read() };
  } catch (error) {
    const f = googleFailure(error);
    return {
      visible: false,
      ...(f.status === undefined ? {} : { status: f.status }),
      message: f.message,
      ...(f.reason === undefined ? {} : { reason: f.reason }),
    };
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
