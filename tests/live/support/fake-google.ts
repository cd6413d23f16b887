import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { errorBody, send, sendInjectedFailure, sendMisbehaviour, type Misbehaviour } from "./google-http";

/**
 * A loopback stand-in for the Google APIs preflight reads, reached the way `--api-root` routes them
 * (`<root>/<first label of the host>/<path>`), answering with the documented response shapes. Every request is
 * recorded, so tests prove which calls arrived, where, and with which credentials.
 */

export interface FakeRuntime {
  readonly name: string;
  readonly environment: "GEN_1" | "GEN_2";
  readonly stage: string;
  readonly deprecationDate?: { year: number; month: number; day: number };
  readonly decommissionDate?: { year: number; month: number; day: number };
}

export interface FakeProject {
  readonly projectId: string;
  readonly projectNumber: string;
  /** Services that are ENABLED; any other asked for is DISABLED. */
  enabled: Set<string>;
  /** Region -> runtimes offered there. */
  runtimes: Record<string, FakeRuntime[]>;
  /** Permissions the caller holds on the project. */
  held: Set<string>;
  /** Constraint -> its effective policy's rules, or an HTTP status to refuse with. Missing: no policy set. */
  policies: Record<string, { rules: object[] } | { status: number }>;
  /** Accounts that exist, by email, with their user-managed keys. */
  accounts: Record<string, { disabled?: boolean; keys?: { id: string; validAfterTime: string }[] }>;
  /** Path prefix -> statuses to answer with first, one per request, before answering normally. */
  failures: Record<string, number[]>;
  /** Group email -> true (it exists) or a status to refuse the lookup with; missing: 404 NOT_FOUND. */
  groups?: Record<string, true | { status: number }>;
  /**
   * What is above the project: its parent (`folders/N`, `organizations/N`, or none), the folders (id -> parent),
   * and the organization (or a status to refuse `organizations.get` with).
   */
  hierarchy?: {
    parent?: string;
    folders?: Record<string, string>;
    organization?: { id: string; displayName: string; directoryCustomerId: string } | { status: number };
  };
  /** Path prefix -> how to misbehave there (hang, a sign-in page, a given JSON body). */
  misbehave?: Record<string, Misbehaviour>;
  /** The project's IAM policy bindings (`projects.getIamPolicy`); missing: an empty policy. */
  projectBindings?: { role: string; members: string[]; condition?: { expression: string; title: string } }[];
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly authorization?: string;
}

export const FAKE_ACCESS_TOKEN = "ya29.fake-token-from-loopback-sts";

export class FakeGoogle {
  readonly requests: RecordedRequest[] = [];
  /** Requests no route answered: a test that sees any has a reader calling something unexpected. */
  readonly unexpected: RecordedRequest[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly root: string,
    readonly project: FakeProject,
  ) {}

  static async start(project: FakeProject): Promise<FakeGoogle> {
    let fake: FakeGoogle | undefined;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => fake!.handle(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeGoogle(server, `http://127.0.0.1:${port}`, project);
    return fake;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The recorded paths (query left out), in order. */
  paths(): string[] {
    return this.requests.map((r) => r.url.split("?")[0]!);
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", this.root);
    const path = decodeURIComponent(url.pathname);
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      url: `${path}${url.search}`,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    this.requests.push(recorded);
    if (sendMisbehaviour(res, this.project.misbehave, path)) return;
    if (sendInjectedFailure(res, this.project.failures, path)) return;
    const answer = this.route(req.method ?? "", path, url.searchParams, body);
    if (!answer) {
      this.unexpected.push(recorded);
      return send(
        res,
        404,
        errorBody(404, `fake Google has no route for ${req.method} ${path}`, "NOT_FOUND"),
      );
    }
    send(res, answer.status, answer.body);
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: string,
  ): { status: number; body: unknown } | undefined {
    const p = this.project;
    const ok = (b: unknown) => ({ status: 200, body: b });
    let m: RegExpMatchArray | null;

    // STS token exchange, the token_url of the external_account ADC file.
    // https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
    if (method === "POST" && path === "/sts/v1/token")
      return ok({
        access_token: FAKE_ACCESS_TOKEN,
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "Bearer",
        expires_in: 3600,
      });

    // https://cloud.google.com/service-usage/docs/reference/rest/v1/services/batchGet
    // Response: BatchGetServicesResponse { services: [GoogleApiServiceusageV1Service { name, parent, config, state }] }
    if (
      method === "GET" &&
      (m = path.match(/^\/serviceusage\/v1\/projects\/([^/]+)\/services:batchGet$/)) &&
      m[1] === p.projectId
    ) {
      const names = query.getAll("names");
      if (names.length > 30)
        return { status: 400, body: errorBody(400, "at most 30 names", "INVALID_ARGUMENT") };
      return ok({
        services: names.map((n) => {
          const service = n.slice(n.lastIndexOf("/") + 1);
          return {
            name: `projects/${p.projectNumber}/services/${service}`,
            parent: `projects/${p.projectNumber}`,
            config: { name: service, title: service },
            state: p.enabled.has(service) ? "ENABLED" : "DISABLED",
          };
        }),
      });
    }

    // https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.runtimes/list
    // Response: ListRuntimesResponse { runtimes: [Runtime { name, displayName, stage, warnings, environment, deprecationDate, decommissionDate }] }
    if (
      method === "GET" &&
      (m = path.match(/^\/cloudfunctions\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/runtimes$/)) &&
      m[1] === p.projectId
    ) {
      if (!p.enabled.has("cloudfunctions.googleapis.com"))
        return {
          status: 403,
          body: errorBody(
            403,
            "Cloud Functions API has not been used in project before or it is disabled.",
            "SERVICE_DISABLED",
          ),
        };
      return ok({ runtimes: (p.runtimes[m[2]!] ?? []).map((r) => ({ displayName: r.name, ...r })) });
    }

    // https://cloud.google.com/resource-manager/reference/rest/v3/projects/testIamPermissions
    // Response: TestIamPermissionsResponse { permissions: [the subset held] }; `{}` when none is held.
    if (method === "POST" && path === `/cloudresourcemanager/v3/projects/${p.projectId}:testIamPermissions`) {
      const asked = (JSON.parse(body) as { permissions?: string[] }).permissions ?? [];
      const held = asked.filter((x) => p.held.has(x));
      return ok(held.length > 0 ? { permissions: held } : {});
    }

    // https://cloud.google.com/resource-manager/docs/reference/orgpolicy/rest/v2/projects.policies/getEffectivePolicy
    // Response: Policy { name, spec: PolicySpec { rules: [PolicyRule { values, allowAll, denyAll, enforce }] } }
    if (
      method === "GET" &&
      (m = path.match(/^\/orgpolicy\/v2\/projects\/([^/]+)\/policies\/([^/:]+):getEffectivePolicy$/)) &&
      m[1] === p.projectId
    ) {
      const policy = p.policies[m[2]!];
      const name = `projects/${p.projectNumber}/policies/${m[2]}`;
      if (policy && "status" in policy)
        return {
          status: policy.status,
          body: errorBody(
            policy.status,
            `Permission 'orgpolicy.policies.get' denied on resource '${name}'`,
            "IAM_PERMISSION_DENIED",
          ),
        };
      return ok(policy ? { name, spec: { rules: policy.rules } } : { name });
    }

    // https://cloud.google.com/identity/docs/reference/rest/v1/groups/lookup
    // GET v1/groups:lookup?groupKey.id=EMAIL -> { "name": "groups/ID" }. Undocumented refusals, as observed: 403
    // "Permission denied for resource groups/… (or it may not exist)" (terraform-example-foundation#1206); 404 for
    // a group that does not exist.
    if (method === "GET" && path === "/cloudidentity/v1/groups:lookup") {
      const email = (query.get("groupKey.id") ?? "").toLowerCase();
      const group = p.groups?.[email];
      if (group === true) return ok({ name: `groups/0${Buffer.from(email).toString("hex").slice(0, 12)}` });
      if (group)
        return {
          status: group.status,
          body: errorBody(
            group.status,
            `Error(2028): Permission denied for resource groups/${email} (or it may not exist).`,
            "PERMISSION_DENIED",
          ),
        };
      return { status: 404, body: errorBody(404, `Group ${email} does not exist.`, "NOT_FOUND") };
    }

    // https://cloud.google.com/resource-manager/reference/rest/v3/projects/get
    // Project { name: projects/NUMBER, projectId, parent, state }
    if (method === "GET" && path === `/cloudresourcemanager/v3/projects/${p.projectId}`)
      return ok({
        name: `projects/${p.projectNumber}`,
        projectId: p.projectId,
        state: "ACTIVE",
        ...(p.hierarchy?.parent ? { parent: p.hierarchy.parent } : {}),
      });

    // https://cloud.google.com/resource-manager/reference/rest/v3/projects/getIamPolicy
    // POST with GetIamPolicyRequest { options: { requestedPolicyVersion } } -> Policy { version, etag, bindings }.
    // A policy with a conditional binding is answered as version 3 only when version 3 is asked for.
    if (method === "POST" && path === `/cloudresourcemanager/v3/projects/${p.projectId}:getIamPolicy`) {
      const asked = (JSON.parse(body || "{}") as { options?: { requestedPolicyVersion?: number } }).options
        ?.requestedPolicyVersion;
      const bindings = p.projectBindings ?? [];
      const conditional = bindings.some((b) => b.condition);
      if (conditional && asked !== 3)
        return {
          status: 400,
          body: errorBody(400, "a conditional policy needs requestedPolicyVersion 3", "INVALID_ARGUMENT"),
        };
      return ok({
        version: conditional ? 3 : 1,
        etag: "BwYfake=",
        ...(bindings.length > 0 ? { bindings } : {}),
      });
    }

    // https://cloud.google.com/resource-manager/reference/rest/v3/folders/get
    // Folder { name: folders/N, parent, displayName, state }
    if (method === "GET" && (m = path.match(/^\/cloudresourcemanager\/v3\/folders\/(\d+)$/))) {
      const parent = p.hierarchy?.folders?.[m[1]!];
      if (parent === undefined)
        return {
          status: 403,
          body: errorBody(403, `Permission denied on folders/${m[1]}`, "IAM_PERMISSION_DENIED"),
        };
      return ok({ name: `folders/${m[1]}`, parent, displayName: `folder ${m[1]}`, state: "ACTIVE" });
    }

    // https://cloud.google.com/resource-manager/reference/rest/v3/organizations/get
    // Organization { name: organizations/N, displayName (the primary domain), directoryCustomerId, state }
    if (method === "GET" && (m = path.match(/^\/cloudresourcemanager\/v3\/organizations\/(\d+)$/))) {
      const org = p.hierarchy?.organization;
      if (!org || "status" in org || org.id !== m[1])
        return {
          status: org && "status" in org ? org.status : 403,
          body: errorBody(
            org && "status" in org ? org.status : 403,
            `Permission 'resourcemanager.organizations.get' denied on organizations/${m[1]}`,
            "IAM_PERMISSION_DENIED",
          ),
        };
      return ok({
        name: `organizations/${org.id}`,
        displayName: org.displayName,
        directoryCustomerId: org.directoryCustomerId,
        state: "ACTIVE",
      });
    }

    // https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list
    // Response: ListServiceAccountKeysResponse { keys: [ServiceAccountKey { name, validAfterTime, keyType, ... }] }
    if (method === "GET" && (m = path.match(/^\/iam\/v1\/projects\/-\/serviceAccounts\/([^/]+)\/keys$/))) {
      const account = p.accounts[m[1]!];
      if (!account)
        return { status: 404, body: errorBody(404, `Unknown service account ${m[1]}`, "NOT_FOUND") };
      if (query.get("keyTypes") !== "USER_MANAGED")
        return {
          status: 400,
          body: errorBody(400, "fake expects keyTypes=USER_MANAGED", "INVALID_ARGUMENT"),
        };
      const keys = (account.keys ?? []).map((k) => ({
        name: `projects/${p.projectId}/serviceAccounts/${m![1]}/keys/${k.id}`,
        validAfterTime: k.validAfterTime,
        keyType: "USER_MANAGED",
      }));
      return ok(keys.length > 0 ? { keys } : {});
    }

    // https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/get
    // Response: ServiceAccount { name, projectId, uniqueId, email, disabled, ... }; 404 when it does not exist.
    if (method === "GET" && (m = path.match(/^\/iam\/v1\/projects\/-\/serviceAccounts\/([^/]+)$/))) {
      const account = p.accounts[m[1]!];
      if (!account)
        return { status: 404, body: errorBody(404, `Unknown service account ${m[1]}`, "NOT_FOUND") };
      return ok({
        name: `projects/${p.projectId}/serviceAccounts/${m[1]}`,
        projectId: p.projectId,
        email: m[1],
        uniqueId: "1234567890",
        ...(account.disabled ? { disabled: true } : {}),
      });
    }
    return undefined;
  }
}
