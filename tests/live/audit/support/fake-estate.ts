import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  errorBody,
  send,
  sendInjectedFailure,
  sendMisbehaviour,
  type Misbehaviour,
} from "../../support/google-http";

/**
 * A loopback stand-in for the Google APIs `callgraph audit` reads, reached the way `--api-root` routes them
 * (`<root>/<first label of the host>/<path>`), answering with the documented response shapes (each route cites
 * its reference page). Every request is recorded, so tests prove which calls arrived and how many.
 */

export interface Binding {
  readonly role: string;
  readonly members: string[];
  readonly condition?: { expression: string; title?: string };
}

export interface FakeFunction {
  readonly name: string;
  readonly generation: 1 | 2;
  serviceAccountEmail?: string;
  /** `projects/P/serviceAccounts/EMAIL`, as both generations take it. */
  buildServiceAccount?: string;
  environmentVariables: Record<string, string>;
  /** v1 `status` or v2 `state`; default ACTIVE. */
  state?: string;
  /** v2 `stateMessages[].message` (severity ERROR). */
  stateMessage?: string;
  /** 2nd gen: its Cloud Run service's `invokerIamDisabled`. */
  invokerIamDisabled?: boolean;
  /** 2nd gen: a status to refuse `services.get` of its Cloud Run service with. */
  serviceStatus?: number;
}

export interface FakeEstate {
  readonly projectId: string;
  readonly projectNumber: string;
  readonly region: string;
  /** Above the project, nearest first. */
  readonly ancestors: { type: "folder" | "organization"; id: string }[];
  functions: FakeFunction[];
  /**
   * Full resource name -> its policy's bindings, or a status to refuse with. Missing: an empty policy. A service
   * account's policy is under `projects/-/serviceAccounts/EMAIL`.
   */
  policies: Record<string, Binding[] | { status: number }>;
  /** Accounts that exist, by email, with the ids of their user-managed keys. */
  accounts: Record<string, { keys?: string[] }>;
  /** False: every Cloud Asset call answers 403 SERVICE_DISABLED. */
  assetEnabled: boolean;
  /** Results per page of the list and search methods. */
  pageSize: number;
  /** Path prefix -> statuses to answer with first, one per request. */
  failures: Record<string, number[]>;
  /** Path prefix -> how to misbehave there (hang, a sign-in page, a given JSON body). */
  misbehave?: Record<string, Misbehaviour>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
}

export const FAKE_TOKEN = "ya29.audit-loopback";

export class FakeEstateServer {
  readonly requests: RecordedRequest[] = [];
  readonly unexpected: RecordedRequest[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly root: string,
    readonly estate: FakeEstate,
  ) {}

  static async start(estate: FakeEstate): Promise<FakeEstateServer> {
    let fake: FakeEstateServer | undefined;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => fake!.handle(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake = new FakeEstateServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, estate);
    return fake;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  count(predicate: (r: RecordedRequest) => boolean): number {
    return this.requests.filter(predicate).length;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", this.root);
    const path = decodeURIComponent(url.pathname);
    const recorded = { method: req.method ?? "", path, query: url.search };
    this.requests.push(recorded);
    if (path !== "/sts/v1/token" && req.headers.authorization !== `Bearer ${FAKE_TOKEN}`)
      return send(
        res,
        401,
        errorBody(401, "Request is missing required authentication credential.", "CREDENTIALS_MISSING"),
      );
    if (sendMisbehaviour(res, this.estate.misbehave, path)) return;
    if (sendInjectedFailure(res, this.estate.failures, path)) return;
    const answer = this.route(req.method ?? "", path, url.searchParams);
    if (!answer) {
      this.unexpected.push(recorded);
      return send(res, 404, errorBody(404, `no route for ${req.method} ${path}`, "NOT_FOUND"));
    }
    send(res, answer.status, answer.body);
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
  ): { status: number; body: unknown } | undefined {
    const e = this.estate;
    const ok = (body: unknown) => ({ status: 200, body });
    const parent = `projects/${e.projectId}/locations/${e.region}`;
    let m: RegExpMatchArray | null;

    // https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
    if (method === "POST" && path === "/sts/v1/token")
      return ok({
        access_token: FAKE_TOKEN,
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "Bearer",
        expires_in: 3600,
      });

    // https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions/list
    // ListFunctionsResponse { functions: [CloudFunction { name, httpsTrigger { url }, serviceAccountEmail,
    // buildServiceAccount, environmentVariables, runtime, status }], nextPageToken }
    if (method === "GET" && path === `/cloudfunctions/v1/${parent}/functions`)
      return ok(
        this.page(
          e.functions.filter((f) => f.generation === 1).map((f) => this.v1(f)),
          query,
          "functions",
        ),
      );

    // https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/list
    // ListFunctionsResponse { functions: [Function { name, environment, url, buildConfig, serviceConfig }],
    // nextPageToken }; the v2 API lists 1st-gen functions too, with environment GEN_1.
    if (method === "GET" && path === `/cloudfunctions/v2/${parent}/functions`)
      return ok(
        this.page(
          e.functions.map((f) => this.v2(f)),
          query,
          "functions",
        ),
      );

    // https://cloud.google.com/functions/docs/reference/rest/v1/projects.locations.functions/getIamPolicy (GET)
    // https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/getIamPolicy (GET)
    // https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services/getIamPolicy (GET)
    // Policy { version, etag, bindings: [{ role, members, condition }] }
    if (
      method === "GET" &&
      (m = path.match(/^\/(cloudfunctions\/v[12]|run\/v2)\/(projects\/[^:]+):getIamPolicy$/))
    ) {
      if (query.get("options.requestedPolicyVersion") !== "3")
        return { status: 400, body: errorBody(400, "fake expects version 3", "INVALID_ARGUMENT") };
      return this.policy(m[2]!);
    }

    // https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/getIamPolicy (POST, the version
    // in the query) -> Policy
    if (
      method === "POST" &&
      (m = path.match(/^\/iam\/v1\/(projects\/-\/serviceAccounts\/[^:/]+):getIamPolicy$/))
    ) {
      if (query.get("options.requestedPolicyVersion") !== "3")
        return { status: 400, body: errorBody(400, "fake expects version 3", "INVALID_ARGUMENT") };
      return this.policy(m[1]!);
    }

    // https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services/get
    // Service { name, uid, generation, uri, urls, ingress, invokerIamDisabled, template { serviceAccount },
    // terminalCondition, reconciling, ... }
    if (
      method === "GET" &&
      (m = path.match(/^\/run\/v2\/(projects\/[^/]+\/locations\/[^/]+\/services\/([^/:]+))$/))
    ) {
      const f = e.functions.find((x) => x.generation === 2 && this.serviceName(x) === m![1]);
      if (!f)
        return {
          status: 404,
          body: errorBody(404, `Resource '${m[2]}' of kind 'SERVICE' does not exist.`, "NOT_FOUND"),
        };
      if (f.serviceStatus)
        return {
          status: f.serviceStatus,
          body: errorBody(
            f.serviceStatus,
            `Permission 'run.services.get' denied on resource '${m[1]}'`,
            "IAM_PERMISSION_DENIED",
          ),
        };
      const uri = `https://${f.name}-${e.projectNumber}.${e.region}.run.app`;
      return ok({
        name: m[1],
        uid: "00000000-0000-0000-0000-000000000000",
        generation: "1",
        uri,
        urls: [uri],
        ingress: "INGRESS_TRAFFIC_ALL",
        ...(f.invokerIamDisabled ? { invokerIamDisabled: true } : {}),
        template: { ...(f.serviceAccountEmail ? { serviceAccount: f.serviceAccountEmail } : {}) },
        terminalCondition: { type: "Ready", state: "CONDITION_SUCCEEDED" },
        reconciling: false,
      });
    }

    // https://cloud.google.com/resource-manager/reference/rest/v3/projects/getIamPolicy (POST; folders and
    // organizations alike)
    if (
      method === "POST" &&
      (m = path.match(
        /^\/cloudresourcemanager\/v3\/((?:projects|folders|organizations)\/[^:/]+):getIamPolicy$/,
      ))
    )
      return this.policy(m[1]!);

    // https://cloud.google.com/resource-manager/reference/rest/v1/projects/getAncestry
    // GetAncestryResponse { ancestor: [Ancestor { resourceId: { type, id } }] }, the project first.
    if (method === "POST" && path === `/cloudresourcemanager/v1/projects/${e.projectId}:getAncestry`)
      return ok({
        ancestor: [
          { resourceId: { type: "project", id: e.projectId } },
          ...e.ancestors.map((a) => ({ resourceId: a })),
        ],
      });

    // https://cloud.google.com/resource-manager/reference/rest/v3/projects/get
    // Project { name: projects/NUMBER, projectId, parent, state }
    if (method === "GET" && path === `/cloudresourcemanager/v3/projects/${e.projectId}`) {
      const up = e.ancestors[0];
      return ok({
        name: `projects/${e.projectNumber}`,
        projectId: e.projectId,
        state: "ACTIVE",
        ...(up ? { parent: `${up.type}s/${up.id}` } : {}),
      });
    }

    // https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies
    // SearchAllIamPoliciesResponse { results: [IamPolicySearchResult { resource, assetType, project, folders,
    // organization, policy }], nextPageToken }; names per https://cloud.google.com/asset-inventory/docs/asset-names
    if (
      method === "GET" &&
      (m = path.match(
        /^\/cloudasset\/v1\/((?:projects|folders|organizations)\/[^:/]+):searchAllIamPolicies$/,
      ))
    ) {
      if (!e.assetEnabled)
        return {
          status: 403,
          body: errorBody(
            403,
            `Cloud Asset API has not been used in project ${e.projectNumber} before or it is disabled.`,
            "SERVICE_DISABLED",
          ),
        };
      return ok(this.page(this.assetResults(m[1]!, query.getAll("assetTypes")), query, "results"));
    }

    // https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list
    if (method === "GET" && (m = path.match(/^\/iam\/v1\/projects\/-\/serviceAccounts\/([^/]+)\/keys$/))) {
      const account = e.accounts[m[1]!];
      if (!account)
        return { status: 404, body: errorBody(404, `Unknown service account ${m[1]}`, "NOT_FOUND") };
      const keys = (account.keys ?? []).map((id) => ({
        name: `projects/${e.projectId}/serviceAccounts/${m![1]}/keys/${id}`,
        validAfterTime: "2026-01-02T03:04:05Z",
        keyType: "USER_MANAGED",
      }));
      return ok(keys.length > 0 ? { keys } : {});
    }
    // https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/get
    if (method === "GET" && (m = path.match(/^\/iam\/v1\/projects\/-\/serviceAccounts\/([^/]+)$/))) {
      if (!e.accounts[m[1]!])
        return { status: 404, body: errorBody(404, `Unknown service account ${m[1]}`, "NOT_FOUND") };
      return ok({
        name: `projects/${e.projectId}/serviceAccounts/${m[1]}`,
        projectId: e.projectId,
        email: m[1],
        uniqueId: "1",
      });
    }
    return undefined;
  }

  private page<T>(items: readonly T[], query: URLSearchParams, key: string): Record<string, unknown> {
    const start = Number(query.get("pageToken") || 0);
    const end = start + this.estate.pageSize;
    return { [key]: items.slice(start, end), ...(end < items.length ? { nextPageToken: String(end) } : {}) };
  }

  private policy(name: string): { status: number; body: unknown } {
    const p = this.estate.policies[name];
    if (p && "status" in p)
      return {
        status: p.status,
        body: errorBody(
          p.status,
          `Permission denied on resource '${name}' (or it may not exist).`,
          "IAM_PERMISSION_DENIED",
        ),
      };
    return { status: 200, body: { version: 3, etag: "BwX=", ...(p && p.length > 0 ? { bindings: p } : {}) } };
  }

  private functionName(f: FakeFunction): string {
    return `projects/${this.estate.projectId}/locations/${this.estate.region}/functions/${f.name}`;
  }

  private serviceName(f: FakeFunction): string {
    return `projects/${this.estate.projectId}/locations/${this.estate.region}/services/${f.name}`;
  }

  private v1(f: FakeFunction): object {
    const e = this.estate;
    return {
      name: this.functionName(f),
      httpsTrigger: { url: `https://${e.region}-${e.projectId}.cloudfunctions.net/${f.name}` },
      runtime: "nodejs22",
      status: f.state ?? "ACTIVE",
      ...(f.serviceAccountEmail ? { serviceAccountEmail: f.serviceAccountEmail } : {}),
      ...(f.buildServiceAccount ? { buildServiceAccount: f.buildServiceAccount } : {}),
      environmentVariables: f.environmentVariables,
    };
  }

  private v2(f: FakeFunction): object {
    const e = this.estate;
    const url =
      f.generation === 2
        ? `https://${f.name}-${e.projectNumber}.${e.region}.run.app`
        : `https://${e.region}-${e.projectId}.cloudfunctions.net/${f.name}`;
    return {
      name: this.functionName(f),
      environment: f.generation === 2 ? "GEN_2" : "GEN_1",
      state: f.state ?? "ACTIVE",
      ...(f.stateMessage
        ? { stateMessages: [{ severity: "ERROR", type: "BuildFailed", message: f.stateMessage }] }
        : {}),
      url,
      buildConfig: {
        runtime: "nodejs22",
        ...(f.buildServiceAccount ? { serviceAccount: f.buildServiceAccount } : {}),
      },
      serviceConfig: {
        ...(f.generation === 2 ? { service: this.serviceName(f), uri: url } : {}),
        ...(f.serviceAccountEmail ? { serviceAccountEmail: f.serviceAccountEmail } : {}),
        environmentVariables: f.environmentVariables,
      },
    };
  }

  /**
   * The policies an Asset search at `scope` sees: the resources within it that have a policy set, named as Asset
   * Inventory names them (the project and its resources by project number where the asset-names page says so).
   * Only 1st-gen functions are `CloudFunction` assets.
   */
  private assetResults(scope: string, assetTypes: readonly string[]): object[] {
    const e = this.estate;
    const chain = [
      `projects/${e.projectId}`,
      `projects/${e.projectNumber}`,
      ...e.ancestors.map((a) => `${a.type}s/${a.id}`),
    ];
    const at = chain.indexOf(scope);
    if (at < 0) return [];
    const visibleAncestors = e.ancestors.slice(0, Math.max(0, at - 1));
    const project = `projects/${e.projectNumber}`;
    const candidates = [
      ...e.functions
        .filter((f) => f.generation === 1)
        .map((f) => ({
          name: this.functionName(f),
          asset: `//cloudfunctions.googleapis.com/${this.functionName(f)}`,
          type: "cloudfunctions.googleapis.com/CloudFunction",
        })),
      ...e.functions
        .filter((f) => f.generation === 2)
        .map((f) => ({
          name: this.serviceName(f),
          asset: `//run.googleapis.com/${this.serviceName(f)}`,
          type: "run.googleapis.com/Service",
        })),
      {
        name: `projects/${e.projectId}`,
        asset: `//cloudresourcemanager.googleapis.com/${project}`,
        type: "cloudresourcemanager.googleapis.com/Project",
      },
      ...visibleAncestors.map((a) => ({
        name: `${a.type}s/${a.id}`,
        asset: `//cloudresourcemanager.googleapis.com/${a.type}s/${a.id}`,
        type: `cloudresourcemanager.googleapis.com/${a.type === "folder" ? "Folder" : "Organization"}`,
      })),
    ];
    return candidates.flatMap((c) => {
      const bindings = e.policies[c.name];
      if (!bindings || "status" in bindings || bindings.length === 0) return [];
      if (assetTypes.length > 0 && !assetTypes.includes(c.type)) return [];
      return [
        {
          resource: c.asset,
          assetType: c.type,
          ...(c.type.endsWith("Folder") || c.type.endsWith("Organization") ? {} : { project }),
          policy: { bindings },
        },
      ];
    });
  }
}
