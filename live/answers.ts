import { z } from "zod";
import { MalformedAnswerError } from "./errors";

/**
 * The documented shape of every answer the live readers use, checked before anything is read from it (DESIGN.md
 * invariant 14). Objects are loose (fields the readers do not use pass through untouched), and every field the
 * readers use is typed; absent fields are allowed where the reference page marks them optional or output-only
 * (Google omits empty fields from JSON). A 2xx answer that fails its schema is a {@link MalformedAnswerError}:
 * "not visible", never an empty (clean) answer.
 */

const str = z.string();
const optStr = z.string().nullish();
const optBool = z.boolean().nullish();
const optStrings = z.array(z.string()).nullish();

/** An OIDC token configuration, as Scheduler, Pub/Sub and Tasks spell it: `{ serviceAccountEmail, audience }`. */
const OidcToken = z.looseObject({ serviceAccountEmail: optStr, audience: optStr });

/** `google.type.Date`: https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.runtimes/list */
const GoogleDate = z.looseObject({
  year: z.number().int().nullish(),
  month: z.number().int().nullish(),
  day: z.number().int().nullish(),
});

/**
 * An IAM policy: `Policy { version, etag, bindings: [Binding { role, members, condition: Expr }] }`.
 * https://cloud.google.com/iam/docs/reference/rest/v1/Policy
 */
export const Policy = z.looseObject({
  version: z.number().int().nullish(),
  etag: optStr,
  bindings: z
    .array(
      z.looseObject({
        role: str,
        members: z.array(str).nullish(),
        condition: z
          .looseObject({ expression: optStr, title: optStr, description: optStr, location: optStr })
          .nullish(),
      }),
    )
    .nullish(),
});
export type Policy = z.infer<typeof Policy>;

export const ANSWERS = {
  /**
   * Service Usage `services.batchGet`: `BatchGetServicesResponse { services: [Service { name, parent, config {
   * name }, state }] }`. https://cloud.google.com/service-usage/docs/reference/rest/v1/services/batchGet
   */
  batchGetServices: z.looseObject({
    services: z
      .array(
        z.looseObject({
          name: optStr,
          config: z.looseObject({ name: optStr }).nullish(),
          state: optStr,
        }),
      )
      .nullish(),
  }),

  /**
   * Cloud Functions v2 `runtimes.list`: `ListRuntimesResponse { runtimes: [Runtime { name, displayName, stage,
   * warnings, environment, deprecationDate, decommissionDate }] }`.
   * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.runtimes/list
   */
  listRuntimes: z.looseObject({
    runtimes: z
      .array(
        z.looseObject({
          name: str,
          environment: optStr,
          stage: optStr,
          warnings: optStrings,
          deprecationDate: GoogleDate.nullish(),
          decommissionDate: GoogleDate.nullish(),
        }),
      )
      .nullish(),
  }),

  /**
   * Resource Manager v3 `projects.testIamPermissions`: `TestIamPermissionsResponse { permissions: [string] }`, the
   * subset held (absent when none is). https://cloud.google.com/resource-manager/reference/rest/v3/projects/testIamPermissions
   */
  testIamPermissions: z.looseObject({ permissions: optStrings }),

  /**
   * Org Policy v2 `getEffectivePolicy`: `Policy { name, spec: PolicySpec { rules: [PolicyRule { values {
   * allowedValues, deniedValues }, allowAll, denyAll, enforce, condition, parameters }], inheritFromParent, reset
   * } }`. https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/projects.policies/getEffectivePolicy,
   * https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/organizations.policies#PolicyRule
   */
  effectivePolicy: z.looseObject({
    name: optStr,
    spec: z
      .looseObject({
        rules: z
          .array(
            z.looseObject({
              values: z.looseObject({ allowedValues: optStrings, deniedValues: optStrings }).nullish(),
              allowAll: optBool,
              denyAll: optBool,
              enforce: optBool,
              condition: z.looseObject({}).nullish(),
            }),
          )
          .nullish(),
      })
      .nullish(),
  }),

  /**
   * IAM v1 `projects.serviceAccounts.get`: `ServiceAccount { name, projectId, uniqueId, email, disabled, ... }`.
   * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/get
   */
  serviceAccount: z.looseObject({ name: optStr, email: optStr, disabled: optBool }),

  /**
   * IAM v1 `projects.serviceAccounts.keys.list`: `ListServiceAccountKeysResponse { keys: [ServiceAccountKey {
   * name, validAfterTime, keyType, ... }] }`.
   * https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list
   */
  serviceAccountKeys: z.looseObject({
    keys: z.array(z.looseObject({ name: str, validAfterTime: optStr, keyType: optStr })).nullish(),
  }),

  /**
   * Cloud Identity v1 `groups.lookup`: `{ "name": string }`, the group's resource name `groups/ID`.
   * https://cloud.google.com/identity/docs/reference/rest/v1/groups/lookup
   */
  groupLookup: z.looseObject({ name: z.string().regex(/^groups\/[^/]+$/, "expected groups/ID") }),

  /**
   * Resource Manager v3 `projects.get`: `Project { name: projects/NUMBER, projectId, parent, state, ... }`.
   * https://cloud.google.com/resource-manager/reference/rest/v3/projects/get
   */
  project: z.looseObject({
    name: z.string().regex(/^projects\/\d+$/, "expected projects/NUMBER"),
    projectId: optStr,
    parent: optStr,
  }),

  /**
   * Resource Manager v3 `folders.get`: `Folder { name: folders/N, parent, displayName, state, ... }`.
   * https://cloud.google.com/resource-manager/reference/rest/v3/folders/get
   */
  folder: z.looseObject({ name: z.string().regex(/^folders\/\d+$/, "expected folders/N"), parent: str }),

  /**
   * Resource Manager v3 `organizations.get`: `Organization { name: organizations/N, displayName,
   * directoryCustomerId, state, ... }`; for a Google Workspace or Cloud Identity organization `displayName` is its
   * primary domain. https://cloud.google.com/resource-manager/reference/rest/v3/organizations/get (Organization)
   */
  organization: z.looseObject({
    name: z.string().regex(/^organizations\/\d+$/, "expected organizations/N"),
    displayName: optStr,
    directoryCustomerId: optStr,
  }),

  /**
   * Resource Manager v1 `projects.getAncestry`: `GetAncestryResponse { ancestor: [Ancestor { resourceId: {
   * type, id } }] }`, the project first. https://cloud.google.com/resource-manager/reference/rest/v1/projects/getAncestry
   */
  ancestry: z.looseObject({
    ancestor: z
      .array(z.looseObject({ resourceId: z.looseObject({ type: optStr, id: optStr }).nullish() }))
      .nullish(),
  }),

  /**
   * Cloud Functions v1 `functions.list`: `ListFunctionsResponse { functions: [CloudFunction { name, status,
   * serviceAccountEmail, buildServiceAccount, httpsTrigger { url }, environmentVariables, ... }], nextPageToken,
   * unreachable }`. https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions/list,
   * https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions#CloudFunctionStatus
   */
  listFunctionsV1: z.looseObject({
    functions: z
      .array(
        z.looseObject({
          name: str,
          status: optStr,
          serviceAccountEmail: optStr,
          buildServiceAccount: optStr,
          httpsTrigger: z.looseObject({ url: optStr }).nullish(),
          environmentVariables: z.record(z.string(), z.string()).nullish(),
        }),
      )
      .nullish(),
    nextPageToken: optStr,
  }),

  /**
   * Cloud Functions v2 `functions.list`: `ListFunctionsResponse { functions: [Function { name, environment,
   * state, stateMessages, url, buildConfig { serviceAccount }, serviceConfig { service, uri,
   * serviceAccountEmail, environmentVariables } }], nextPageToken, unreachable }`.
   * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/list,
   * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions#State
   */
  listFunctionsV2: z.looseObject({
    functions: z
      .array(
        z.looseObject({
          name: str,
          environment: optStr,
          state: optStr,
          stateMessages: z
            .array(z.looseObject({ severity: optStr, type: optStr, message: optStr }))
            .nullish(),
          url: optStr,
          buildConfig: z.looseObject({ serviceAccount: optStr }).nullish(),
          serviceConfig: z
            .looseObject({
              service: optStr,
              uri: optStr,
              serviceAccountEmail: optStr,
              environmentVariables: z.record(z.string(), z.string()).nullish(),
            })
            .nullish(),
        }),
      )
      .nullish(),
    nextPageToken: optStr,
  }),

  /**
   * Cloud Run Admin v2 `services.get`: `Service { name, uri, ingress, invokerIamDisabled, template {
   * serviceAccount }, terminalCondition, ... }`.
   * https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services#Service
   */
  runService: z.looseObject({
    name: str,
    invokerIamDisabled: optBool,
    ingress: optStr,
    uri: optStr,
  }),

  /**
   * Cloud Asset Inventory v1 `searchAllIamPolicies`: `SearchAllIamPoliciesResponse { results: [
   * IamPolicySearchResult { resource, assetType, project, folders, organization, policy } ], nextPageToken }`.
   * https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies
   */
  searchAllIamPolicies: z.looseObject({
    results: z.array(z.looseObject({ resource: str, assetType: optStr, policy: Policy.nullish() })).nullish(),
    nextPageToken: optStr,
  }),

  /**
   * A `getIamPolicy` answer: a {@link Policy} with its `etag`, which every getIamPolicy returns ("etag is used for
   * optimistic concurrency control", https://cloud.google.com/iam/docs/reference/rest/v1/Policy), so that an
   * object of another kind (an error page's JSON, another resource) is not read as an empty policy.
   */
  policy: Policy.extend({ etag: str }),

  /**
   * Cloud Scheduler v1 `projects.locations.jobs.list`: `{ jobs: [Job { name, schedule, timeZone, httpTarget { uri,
   * httpMethod, oidcToken { serviceAccountEmail, audience } } }], nextPageToken }`.
   * https://cloud.google.com/scheduler/docs/reference/rest/v1/projects.locations.jobs/list,
   * https://cloud.google.com/scheduler/docs/reference/rest/v1/projects.locations.jobs#Job
   */
  listSchedulerJobs: z.looseObject({
    jobs: z
      .array(
        z.looseObject({
          name: str,
          httpTarget: z.looseObject({ uri: optStr, oidcToken: OidcToken.nullish() }).nullish(),
        }),
      )
      .nullish(),
    nextPageToken: optStr,
  }),

  /**
   * Pub/Sub v1 `projects.subscriptions.list`: `{ subscriptions: [Subscription { name, topic, pushConfig {
   * pushEndpoint, oidcToken { serviceAccountEmail, audience } } }], nextPageToken }`.
   * https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.subscriptions/list,
   * https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.subscriptions#PushConfig
   */
  listSubscriptions: z.looseObject({
    subscriptions: z
      .array(
        z.looseObject({
          name: str,
          topic: optStr,
          pushConfig: z.looseObject({ pushEndpoint: optStr, oidcToken: OidcToken.nullish() }).nullish(),
        }),
      )
      .nullish(),
    nextPageToken: optStr,
  }),

  /**
   * Cloud Tasks v2 `projects.locations.queues.list`: `{ queues: [Queue { name, httpTarget { uriOverride { host,
   * pathOverride { path } }, oidcToken { serviceAccountEmail, audience } } }], nextPageToken }`.
   * https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues/list,
   * https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues#HttpTarget
   */
  listQueues: z.looseObject({
    queues: z
      .array(
        z.looseObject({
          name: str,
          httpTarget: z
            .looseObject({
              uriOverride: z
                .looseObject({ host: optStr, pathOverride: z.looseObject({ path: optStr }).nullish() })
                .nullish(),
              oidcToken: OidcToken.nullish(),
            })
            .nullish(),
        }),
      )
      .nullish(),
    nextPageToken: optStr,
  }),

  /**
   * Workflows v1 `projects.locations.workflows.list`: `{ workflows: [Workflow { name, serviceAccount, userEnvVars }],
   * nextPageToken, unreachable }`.
   * https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows/list
   */
  listWorkflows: z.looseObject({
    workflows: z
      .array(
        z.looseObject({
          name: str,
          serviceAccount: optStr,
          userEnvVars: z.record(z.string(), z.string()).nullish(),
        }),
      )
      .nullish(),
    nextPageToken: optStr,
  }),

  /**
   * Eventarc v1 `projects.locations.triggers.list`: `{ triggers: [Trigger { name, serviceAccount, destination {
   * cloudRun { service, region, path } } }], nextPageToken, unreachable }`.
   * https://cloud.google.com/eventarc/docs/reference/rest/v1/projects.locations.triggers/list,
   * https://cloud.google.com/eventarc/docs/reference/rest/v1/projects.locations.triggers#Destination
   */
  listTriggers: z.looseObject({
    triggers: z
      .array(
        z.looseObject({
          name: str,
          serviceAccount: optStr,
          destination: z
            .looseObject({ cloudRun: z.looseObject({ service: optStr, region: optStr }).nullish() })
            .nullish(),
        }),
      )
      .nullish(),
    nextPageToken: optStr,
  }),
} as const;

/**
 * `data` as `schema` has it, or a {@link MalformedAnswerError} naming the API and what is wrong, in words a user
 * can act on (never a JavaScript error): an HTML page (a sign-in or proxy page answering 200), text that is not
 * JSON, or the first field that is not as documented.
 */
export function parseAnswer<T>(api: string, schema: z.ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new MalformedAnswerError(api, describeMismatch(data, result.error));
}

function describeMismatch(data: unknown, error: z.ZodError): string {
  if (typeof data === "string") {
    if (/^\s*</.test(data)) {
      const title = /<title[^>]*>([^<]{0,80})/i.exec(data)?.[1]?.trim();
      return `an HTML page${title ? ` ("${title}")` : ""}, not JSON: a sign-in page or a proxy answered instead of the API`;
    }
    return data.trim() === "" ? "an empty body, not JSON" : "text that is not JSON";
  }
  const issue = error.issues[0];
  if (!issue) return "not the documented shape";
  const at = issue.path.length === 0 ? "the answer" : issue.path.map(String).join(".");
  return `${at}: ${issue.message.replace(/^Invalid input: /, "")}`;
}

/**
 * Throws a {@link MalformedAnswerError} when two entries share a key: a list method names each resource once
 * (https://google.aip.dev/132), so a repeated one is a broken answer (or a proxy replaying a page), not data.
 */
export function assertUnique<T>(
  api: string,
  items: readonly T[],
  key: (item: T) => string,
  what: string,
): void {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw new MalformedAnswerError(api, `${what} ${k} is listed twice`);
    seen.add(k);
  }
}
