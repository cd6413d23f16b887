import type { z } from "zod";
import { lastSegment } from "../../iam";
import { ANSWERS, assertUnique } from "../answers";
import { MalformedAnswerError } from "../errors";
import { API_HOSTS } from "../google-clients";
import { emailOfAccountName } from "../preflight/declared";
import type { AuditClients } from "./audit-clients";
import { readAllPages } from "./pages";
import type { LiveFunction, LiveService } from "./types";

type CloudFunctionV1 = NonNullable<z.infer<typeof ANSWERS.listFunctionsV1>["functions"]>[number];
type FunctionV2 = NonNullable<z.infer<typeof ANSWERS.listFunctionsV2>["functions"]>[number];

/**
 * 1st-gen functions of one region through Cloud Functions v1 `projects.locations.functions.list`, every page.
 * Response: `{ functions: [CloudFunction { name, status, serviceAccountEmail, httpsTrigger { url },
 * buildServiceAccount, environmentVariables }], nextPageToken }`.
 * https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions/list
 */
export async function listFunctionsV1(
  clients: AuditClients,
  project: string,
  region: string,
): Promise<LiveFunction[]> {
  const parent = `projects/${project}/locations/${region}`;
  const pages = await readAllPages(API_HOSTS.cloudfunctions, (pageToken) =>
    clients.call("cloudfunctions", ANSWERS.listFunctionsV1, (options) =>
      clients.cloudfunctionsV1.projects.locations.functions.list({ parent, pageToken }, options),
    ),
  );
  const functions = pages.flatMap((page) => (page.functions ?? []).map((f) => fromV1(f, region)));
  assertUnique(API_HOSTS.cloudfunctions, functions, (f) => f.resourceName, "function");
  return functions;
}

/**
 * 2nd-gen functions of one region through Cloud Functions v2 `projects.locations.functions.list`, every page.
 * The v2 API lists 1st-gen functions too (`environment: GEN_1`); those are left to the v1 listing, whose fields
 * are the 1st-gen ones (`buildServiceAccount`, `httpsTrigger.url`).
 * Response: `{ functions: [Function { name, environment, state, stateMessages, url, buildConfig { serviceAccount
 * }, serviceConfig { service, uri, serviceAccountEmail, environmentVariables } }], nextPageToken }`.
 * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/list
 * https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions#Environment
 */
export async function listFunctionsV2(
  clients: AuditClients,
  project: string,
  region: string,
): Promise<LiveFunction[]> {
  const parent = `projects/${project}/locations/${region}`;
  const pages = await readAllPages(API_HOSTS.cloudfunctions, (pageToken) =>
    clients.call("cloudfunctions", ANSWERS.listFunctionsV2, (options) =>
      clients.cloudfunctions.projects.locations.functions.list({ parent, pageToken }, options),
    ),
  );
  const all = pages.flatMap((page) => page.functions ?? []);
  assertUnique(API_HOSTS.cloudfunctions, all, (f) => f.name, "function");
  return all.filter((f) => f.environment !== "GEN_1").map((f) => fromV2(f, region));
}

/**
 * The Cloud Run service of a 2nd-gen function (`serviceConfig.service`), through Cloud Run Admin v2
 * `projects.locations.services.get`: whether its invoker IAM check is off (`invokerIamDisabled`: "Disables IAM
 * permission check for run.routes.invoke for callers of this service").
 * https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services/get,
 * https://cloud.google.com/run/docs/securing/managing-access#invoker_check
 */
export async function readService(clients: AuditClients, name: string): Promise<LiveService> {
  const service = await clients.call("run", ANSWERS.runService, (options) =>
    clients.run.projects.locations.services.get({ name }, options),
  );
  // The answer names the service as asked (project by id or number: compare the location and service).
  if (locationAndId(service.name) !== locationAndId(name))
    throw new MalformedAnswerError(API_HOSTS.run, `asked for ${name}, answered ${service.name}`);
  return {
    name,
    invokerIamDisabled: service.invokerIamDisabled === true,
    ...(service.ingress ? { ingress: service.ingress } : {}),
  };
}

/** `locations/L/services/S` of a service name: the same whether the project is named by id or by number. */
function locationAndId(name: string): string {
  return name.split("/").slice(-4).join("/");
}

function fromV1(f: CloudFunctionV1, region: string): LiveFunction {
  return {
    name: lastSegment(f.name),
    resourceName: f.name,
    generation: 1,
    region,
    ...email("serviceAccount", f.serviceAccountEmail),
    ...email("buildServiceAccount", f.buildServiceAccount),
    ...(f.httpsTrigger?.url ? { url: f.httpsTrigger.url } : {}),
    environment: { ...(f.environmentVariables ?? {}) },
    ...(f.status ? { state: f.status } : {}),
  };
}

function fromV2(f: FunctionV2, region: string): LiveFunction {
  const service = f.serviceConfig;
  const url = f.url ?? service?.uri;
  const messages = f.stateMessages ?? [];
  const message = (messages.find((m) => m.severity === "ERROR") ?? messages[0])?.message;
  return {
    name: lastSegment(f.name),
    resourceName: f.name,
    generation: 2,
    region,
    ...email("serviceAccount", service?.serviceAccountEmail),
    ...email("buildServiceAccount", f.buildConfig?.serviceAccount),
    ...(url ? { url } : {}),
    ...(service?.service ? { service: service.service } : {}),
    environment: { ...(service?.environmentVariables ?? {}) },
    ...(f.state ? { state: f.state } : {}),
    ...(message ? { stateMessage: message } : {}),
  };
}

/** Accounts come as an email (runtime) or `projects/P/serviceAccounts/EMAIL` (build): the email, lower case. */
function email<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: emailOfAccountName(value) } as Record<K, string>) : {};
}
