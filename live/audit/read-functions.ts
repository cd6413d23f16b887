import type { cloudfunctions_v1 } from "googleapis/build/src/apis/cloudfunctions";
import type { cloudfunctions_v2 } from "googleapis/build/src/apis/cloudfunctions";
import { lastSegment } from "../../iam";
import { emailOfAccountName } from "../preflight/declared";
import type { AuditClients } from "./audit-clients";
import { readAllPages } from "./pages";
import type { LiveFunction } from "./types";

/**
 * 1st-gen functions of one region through Cloud Functions v1 `projects.locations.functions.list`, every page.
 * Response: `{ functions: [CloudFunction { name, serviceAccountEmail, httpsTrigger { url }, buildServiceAccount,
 * environmentVariables }], nextPageToken }`.
 * https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions/list
 */
export async function listFunctionsV1(
  clients: AuditClients,
  project: string,
  region: string,
): Promise<LiveFunction[]> {
  const parent = `projects/${project}/locations/${region}`;
  const pages = await readAllPages((pageToken) =>
    clients.call("cloudfunctions", (options) =>
      clients.cloudfunctionsV1.projects.locations.functions.list({ parent, pageToken }, options),
    ),
  );
  return pages.flatMap((page) => (page.functions ?? []).flatMap((f) => fromV1(f, region)));
}

/**
 * 2nd-gen functions of one region through Cloud Functions v2 `projects.locations.functions.list`, every page.
 * The v2 API lists 1st-gen functions too (`environment: GEN_1`); those are left to the v1 listing, whose fields
 * are the 1st-gen ones (`buildServiceAccount`, `httpsTrigger.url`).
 * Response: `{ functions: [Function { name, environment, url, buildConfig { serviceAccount }, serviceConfig {
 * service, uri, serviceAccountEmail, environmentVariables } }], nextPageToken }`.
 * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/list
 * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions#Environment
 */
export async function listFunctionsV2(
  clients: AuditClients,
  project: string,
  region: string,
): Promise<LiveFunction[]> {
  const parent = `projects/${project}/locations/${region}`;
  const pages = await readAllPages((pageToken) =>
    clients.call("cloudfunctions", (options) =>
      clients.cloudfunctions.projects.locations.functions.list({ parent, pageToken }, options),
    ),
  );
  return pages.flatMap((page) =>
    (page.functions ?? []).filter((f) => f.environment !== "GEN_1").flatMap((f) => fromV2(f, region)),
  );
}

function fromV1(f: cloudfunctions_v1.Schema$CloudFunction, region: string): LiveFunction[] {
  if (!f.name) return [];
  return [
    {
      name: lastSegment(f.name),
      resourceName: f.name,
      generation: 1,
      region,
      ...email("serviceAccount", f.serviceAccountEmail),
      ...email("buildServiceAccount", f.buildServiceAccount),
      ...(f.httpsTrigger?.url ? { url: f.httpsTrigger.url } : {}),
      environment: { ...(f.environmentVariables ?? {}) },
    },
  ];
}

function fromV2(f: cloudfunctions_v2.Schema$Function, region: string): LiveFunction[] {
  if (!f.name) return [];
  const service = f.serviceConfig;
  const url = f.url ?? service?.uri;
  return [
    {
      name: lastSegment(f.name),
      resourceName: f.name,
      generation: 2,
      region,
      ...email("serviceAccount", service?.serviceAccountEmail),
      ...email("buildServiceAccount", f.buildConfig?.serviceAccount),
      ...(url ? { url } : {}),
      ...(service?.service ? { service: service.service } : {}),
      environment: { ...(service?.environmentVariables ?? {}) },
    },
  ];
}

/** Accounts come as an email (runtime) or `projects/P/serviceAccounts/EMAIL` (build): the email, lower case. */
function email<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: emailOfAccountName(value) } as Record<K, string>) : {};
}
