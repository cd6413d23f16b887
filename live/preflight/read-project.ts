import { ANSWERS, assertUnique, type Policy } from "../answers";
import { LiveUnavailableError, MalformedAnswerError } from "../errors";
import { googleFailure } from "../google-errors";
import { API_HOSTS, type GoogleClients } from "../google-clients";
import type { LiveAccount, LiveKey } from "./check-accounts";
import type { PolicyRule } from "./check-org-policies";
import type { LiveRuntime } from "./check-runtimes";
import type { Observed } from "./types";

/**
 * The reads of the live project preflight makes. Each answers `Observed`: a refusal (403, a disabled API, a
 * network error after retries, a malformed answer) is kept as "not visible" with what was said, never turned into
 * an empty answer. An API that does not answer at all ends the command instead ({@link LiveUnavailableError}).
 * Every answer is checked against its documented shape (`../answers.ts`) before it is read. Nothing here writes.
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
        clients.call("serviceusage", ANSWERS.batchGetServices, (options) =>
          clients.serviceusage.services.batchGet(
            { parent: `projects/${project}`, names: names.map((n) => `projects/${project}/services/${n}`) },
            options,
          ),
        ),
      ),
    );
    for (const answer of answers) {
      const listed = (answer.services ?? []).flatMap((s) => {
        // `name` is projects/PROJECT_NUMBER/services/SERVICE: the service is its last segment.
        const service = s.config?.name ?? s.name?.slice(s.name.lastIndexOf("/") + 1);
        return service ? [{ service, state: s.state ?? "STATE_UNSPECIFIED" }] : [];
      });
      assertUnique(API_HOSTS.serviceusage, listed, (s) => s.service, "service");
      for (const { service, state } of listed) states.set(service, state);
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
    const answer = await clients.call("cloudfunctions", ANSWERS.listRuntimes, (options) =>
      clients.cloudfunctions.projects.locations.runtimes.list(
        { parent: `projects/${project}/locations/${region}` },
        options,
      ),
    );
    const runtimes = (answer.runtimes ?? []).map((r): LiveRuntime => ({
      name: r.name,
      ...(r.environment ? { environment: r.environment } : {}),
      ...(r.stage ? { stage: r.stage } : {}),
      ...(r.deprecationDate ? { deprecationDate: r.deprecationDate } : {}),
      ...(r.decommissionDate ? { decommissionDate: r.decommissionDate } : {}),
      ...(r.warnings ? { warnings: r.warnings } : {}),
    }));
    assertUnique(
      API_HOSTS.cloudfunctions,
      runtimes,
      (r) => `${r.name} (${r.environment ?? "no environment"})`,
      "runtime",
    );
    return runtimes;
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
        clients.call("cloudresourcemanager", ANSWERS.testIamPermissions, (options) =>
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
 * The effective rules of one constraint on the project (Org Policy v2 `projects.policies.getEffectivePolicy`),
 * list and boolean alike. No `spec` (nothing set anywhere in the hierarchy) is no rule, i.e. the constraint's
 * default.
 * https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/projects.policies/getEffectivePolicy
 */
export function readEffectiveRules(
  clients: GoogleClients,
  project: string,
  constraint: string,
): Promise<Observed<readonly PolicyRule[]>> {
  return observe(async () => {
    const policy = await clients.call("orgpolicy", ANSWERS.effectivePolicy, (options) =>
      clients.orgpolicy.projects.policies.getEffectivePolicy(
        { name: `projects/${project}/policies/${constraint}` },
        options,
      ),
    );
    // The answer names the policy by project number: its constraint must be the one asked for.
    if (policy.name && !policy.name.endsWith(`/policies/${constraint}`))
      throw new MalformedAnswerError(API_HOSTS.orgpolicy, `asked for ${constraint}, answered ${policy.name}`);
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
    const account = await getAccount(clients, email);
    if (!account.exists) return { exists: false };
    const keys = await observe(async () => {
      const answer = await clients.call("iam", ANSWERS.serviceAccountKeys, (options) =>
        clients.iam.projects.serviceAccounts.keys.list({ name, keyTypes: ["USER_MANAGED"] }, options),
      );
      const keys = (answer.keys ?? []).map((k): LiveKey => ({
        name: k.name,
        ...(k.validAfterTime ? { validAfterTime: k.validAfterTime } : {}),
      }));
      assertUnique(API_HOSTS.iam, keys, (k) => k.name, "key");
      return keys;
    });
    return { exists: true, disabled: account.disabled, keys };
  });
}

/**
 * Whether a service account exists (IAM v1 `projects.serviceAccounts.get`: 404 is "does not exist", any other
 * refusal is not visible), without its keys.
 * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/get
 */
export function readAccountExists(
  clients: GoogleClients,
  email: string,
): Promise<Observed<{ readonly exists: boolean }>> {
  return observe(async () => ({ exists: (await getAccount(clients, email)).exists }));
}

async function getAccount(
  clients: GoogleClients,
  email: string,
): Promise<{ exists: false } | { exists: true; disabled: boolean }> {
  try {
    const account = await clients.call("iam", ANSWERS.serviceAccount, (options) =>
      clients.iam.projects.serviceAccounts.get({ name: `projects/-/serviceAccounts/${email}` }, options),
    );
    if (account.email && account.email.toLowerCase() !== email.toLowerCase())
      throw new MalformedAnswerError(API_HOSTS.iam, `asked for ${email}, answered ${account.email}`);
    return { exists: true, disabled: account.disabled === true };
  } catch (error) {
    if (isNotFound(error)) return { exists: false };
    throw error;
  }
}

/**
 * Whether a Google group exists, through Cloud Identity v1 `groups.lookup` (`GET v1/groups:lookup?groupKey.id=
 * EMAIL`, answering `{ "name": "groups/ID" }`). Only a 404 (NOT_FOUND) means it does not exist: Cloud Identity
 * answers 403 both for a group the caller may not see and for one that may not exist ("Permission denied for
 * resource groups/… (or it may not exist)", terraform-google-modules/terraform-example-foundation#1206), so a 403
 * (and any other refusal, a token without the scope included) is "not visible".
 * https://cloud.google.com/identity/docs/reference/rest/v1/groups/lookup
 */
export function readGroupExists(
  clients: GoogleClients,
  email: string,
): Promise<Observed<{ readonly exists: boolean }>> {
  return observe(async () => {
    try {
      await clients.call("cloudidentity", ANSWERS.groupLookup, (options) =>
        clients.cloudidentity.groups.lookup({ "groupKey.id": email }, options),
      );
      return { exists: true };
    } catch (error) {
      if (isNotFound(error)) return { exists: false };
      throw error;
    }
  });
}

/** The project's organization as Resource Manager describes it. */
export interface LiveOrganization {
  /** `organizations/N`. */
  readonly name: string;
  /** For a Google Workspace or Cloud Identity organization: its primary domain. */
  readonly displayName?: string;
  /** The Workspace customer ID (`C0…`) that `iam.allowedPolicyMemberDomains` lists. */
  readonly directoryCustomerId?: string;
}

/** Folders nest at most 10 deep (https://cloud.google.com/resource-manager/docs/creating-managing-folders). */
const MAX_FOLDER_DEPTH = 10;

/** The project as Resource Manager describes it: its number and what it sits in. */
export interface LiveProject {
  /** The project number, the digits of `name` (`projects/NUMBER`). */
  readonly number: string;
  /** `folders/N`, `organizations/N`, or undefined (no organization). */
  readonly parent?: string;
}

/**
 * Resource Manager v3 `projects.get`: `name` is `projects/NUMBER` whatever the project was asked by.
 * https://cloud.google.com/resource-manager/reference/rest/v3/projects/get
 */
export function readProject(clients: GoogleClients, project: string): Promise<Observed<LiveProject>> {
  return observe(async () => {
    const answer = await clients.call("cloudresourcemanager", ANSWERS.project, (options) =>
      clients.cloudresourcemanager.projects.get({ name: `projects/${project}` }, options),
    );
    // A project may be asked for by its number too.
    if (answer.projectId && answer.projectId !== project && answer.name !== `projects/${project}`)
      throw new MalformedAnswerError(
        API_HOSTS.cloudresourcemanager,
        `asked for project ${project}, answered ${answer.projectId}`,
      );
    return {
      number: answer.name.slice("projects/".length),
      ...(answer.parent ? { parent: answer.parent } : {}),
    };
  });
}

/**
 * The project's IAM policy, version 3 so that conditional bindings come with their condition: Resource Manager v3
 * `projects.getIamPolicy` (POST, `options.requestedPolicyVersion`).
 * https://cloud.google.com/resource-manager/reference/rest/v3/projects/getIamPolicy
 */
export function readProjectPolicy(clients: GoogleClients, project: string): Promise<Observed<Policy>> {
  return observe(() =>
    clients.call("cloudresourcemanager", ANSWERS.policy, (options) =>
      clients.cloudresourcemanager.projects.getIamPolicy(
        { resource: `projects/${project}`, requestBody: { options: { requestedPolicyVersion: 3 } } },
        options,
      ),
    ),
  );
}

/**
 * The organization above the project, from its `parent` ({@link readProject}): `folders.get` up the chain, then
 * `organizations.get` (`displayName`, `directoryCustomerId`). Undefined when the project has no organization.
 * https://cloud.google.com/resource-manager/reference/rest/v3/folders/get,
 * https://cloud.google.com/resource-manager/reference/rest/v3/organizations/get
 */
export async function readOrganization(
  clients: GoogleClients,
  project: string,
  read: Observed<LiveProject>,
): Promise<Observed<LiveOrganization | undefined>> {
  if (!read.visible) return read;
  const host = API_HOSTS.cloudresourcemanager;
  return observe(async () => {
    let parent = read.value.parent;
    const seen = new Set<string>();
    while (parent?.startsWith("folders/")) {
      if (seen.has(parent) || seen.size >= MAX_FOLDER_DEPTH)
        throw new MalformedAnswerError(
          host,
          `the folders above project ${project} do not end at an organization`,
        );
      seen.add(parent);
      const name = parent;
      const folder = await clients.call("cloudresourcemanager", ANSWERS.folder, (options) =>
        clients.cloudresourcemanager.folders.get({ name }, options),
      );
      if (folder.name !== name)
        throw new MalformedAnswerError(host, `asked for ${name}, answered ${folder.name}`);
      parent = folder.parent;
    }
    if (parent === undefined || parent === "") return undefined;
    if (!/^organizations\/\d+$/.test(parent))
      throw new MalformedAnswerError(host, `parent ${parent} is neither a folder nor an organization`);
    const orgName = parent;
    const org = await clients.call("cloudresourcemanager", ANSWERS.organization, (options) =>
      clients.cloudresourcemanager.organizations.get({ name: orgName }, options),
    );
    if (org.name !== orgName)
      throw new MalformedAnswerError(host, `asked for ${orgName}, answered ${org.name}`);
    return {
      name: org.name,
      ...(org.displayName ? { displayName: org.displayName } : {}),
      ...(org.directoryCustomerId ? { directoryCustomerId: org.directoryCustomerId } : {}),
    };
  });
}

/**
 * A 404 whose body is Google's error with status `NOT_FOUND` (https://cloud.google.com/apis/design/errors#http_mapping):
 * the only answer read as "does not exist". A bare 404 (a proxy's page, a wrong --api-root) is a refusal like any
 * other: not visible.
 */
export function isNotFound(error: unknown): boolean {
  const failure = googleFailure(error);
  return failure.status === 404 && failure.statusName === "NOT_FOUND";
}

/**
 * Runs one read, keeping a refusal (status, reason, Google's message) or a malformed answer instead of throwing
 * it. An API that did not answer at all ({@link LiveUnavailableError}) is not kept: it ends the command.
 */
export async function observe<T>(read: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { visible: true, value: await read() };
  } catch (error) {
    if (error instanceof LiveUnavailableError) throw error;
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
