import { MalformedAnswerError } from "../errors";
import type { DeclaredDeployment } from "./declared";
import type { Finding, Observed } from "./types";

/** An API the deploy (or the CLI) needs, and what happens if it is off. */
export interface RequiredApi {
  readonly service: string;
  readonly why: string;
  /** The program's resource that enables it, if any. */
  readonly enabledBy?: string;
  /** A disabled API blocks the deploy (blocker) or only a later command (warning). */
  readonly ifDisabled: "blocker" | "warning";
  readonly source?: string;
}

/**
 * APIs the program cannot enable for itself: the provider enables an API through Service Usage, and reads the
 * project through Resource Manager before it does (terraform-provider-google #6101, #11435;
 * GoogleCloudPlatform/k8s-config-connector #135). Both must be on before the first `pulumi up`.
 */
export const BOOTSTRAP_APIS: readonly RequiredApi[] = [
  {
    service: "cloudresourcemanager.googleapis.com",
    why: "the provider reads the project through it before it can enable any other API",
    ifDisabled: "blocker",
    source: "terraform-provider-google #6101, #11435",
  },
  {
    service: "serviceusage.googleapis.com",
    why: "the provider enables and reads the program's APIs through it",
    ifDisabled: "blocker",
    source: "https://cloud.google.com/service-usage/docs/enable-disable",
  },
];

/**
 * Needed by `callgraph invoke --as`, which mints ID tokens as a function's account
 * (https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateIdToken).
 * Not a blocker: the deploy and the deployed functions never call it.
 */
export const IAM_CREDENTIALS_API: RequiredApi = {
  service: "iamcredentials.googleapis.com",
  why: "`callgraph invoke --as` mints ID tokens as a function's account through it; the deploy does not need it",
  ifDisabled: "warning",
  source: "https://cloud.google.com/iam/docs/reference/credentials/rest",
};

/** The bootstrap APIs, the APIs the program enables, and the IAM Credentials API, each once. */
export function requiredApis(deployment: Pick<DeclaredDeployment, "apis">): RequiredApi[] {
  const byService = new Map<string, RequiredApi>();
  for (const api of BOOTSTRAP_APIS) byService.set(api.service, api);
  for (const { service, resource } of deployment.apis) {
    const known = byService.get(service);
    byService.set(service, {
      ...(known ?? { service, why: "the program's resources use it", ifDisabled: "blocker" }),
      enabledBy: resource,
    });
  }
  if (!byService.has(IAM_CREDENTIALS_API.service))
    byService.set(IAM_CREDENTIALS_API.service, IAM_CREDENTIALS_API);
  return [...byService.values()];
}

/**
 * Findings for the required APIs given their live states (service name -> `ENABLED`/`DISABLED`). An API that is
 * off but enabled by the program itself is no blocker while both bootstrap APIs are on: every resource that
 * needs it depends on its `gcp:projects/service:Service`, so `pulumi up` enables it first. Without a bootstrap
 * API, the program cannot enable anything, and each such API blocks too.
 */
export function checkApis(
  deployment: Pick<DeclaredDeployment, "apis" | "project">,
  states: Observed<ReadonlyMap<string, string>>,
): Finding[] {
  const apis = requiredApis(deployment);
  if (!states.visible) {
    return [
      {
        check: "apis",
        severity: "not-visible",
        subject: `${apis.length} APIs of project ${deployment.project}`,
        problem: `could not read which APIs are enabled (${describeRefusal(states)})`,
        fix: `grant the deployer serviceusage.services.list (e.g. roles/serviceusage.serviceUsageViewer), or run \`gcloud services list --enabled --project=${deployment.project}\` and compare with: ${apis.map((a) => a.service).join(", ")}`,
      },
    ];
  }
  const disabled = apis.filter((a) => states.value.get(a.service) !== "ENABLED");
  const bootstrapOff = disabled.filter((a) => BOOTSTRAP_APIS.some((b) => b.service === a.service));
  const enable = (services: readonly string[]) =>
    `gcloud services enable ${services.join(" ")} --project=${deployment.project}`;
  return disabled.map((api): Finding => {
    const state = states.value.get(api.service) ?? "not found";
    if (api.enabledBy && bootstrapOff.length === 0) {
      return {
        check: "apis",
        severity: "note",
        subject: api.service,
        problem:
          `${state}; not a blocker: the program enables it (${api.enabledBy}) before the resources that use it. ` +
          "A freshly enabled API can take a few minutes to be usable: if `pulumi up` then fails with " +
          '"API has not been used in project … or it is disabled", run it again.',
        source: "https://cloud.google.com/service-usage/docs/enable-disable",
      };
    }
    const severity = api.ifDisabled;
    const cannotSelfEnable =
      api.enabledBy && bootstrapOff.length > 0
        ? ` The program would enable it, but cannot while ${bootstrapOff.map((b) => b.service).join(" and ")} ${bootstrapOff.length > 1 ? "are" : "is"} off.`
        : "";
    return {
      check: "apis",
      severity,
      subject: api.service,
      problem: `${state}: ${api.why}.${cannotSelfEnable}`,
      // Once the bootstrap APIs are on, the program enables the others itself.
      fix: enable(cannotSelfEnable ? bootstrapOff.map((b) => b.service) : [api.service]),
      ...(api.source ? { source: api.source } : {}),
    };
  });
}

/**
 * "HTTP 403 PERMISSION_DENIED: message" for a refused read; for a malformed answer, its message alone
 * ("malformed answer from HOST: what is wrong").
 */
export function describeRefusal(o: { status?: number; reason?: string; message: string }): string {
  if (o.reason === MalformedAnswerError.REASON) return o.message;
  const head = [o.status === undefined ? "no response" : `HTTP ${o.status}`, o.reason]
    .filter(Boolean)
    .join(" ");
  return `${head}: ${o.message}`;
}
