// One module per API (not `googleapis`' index, which loads all of them) keeps the CLI's start-up small.
import { cloudfunctions, type cloudfunctions_v2 } from "googleapis/build/src/apis/cloudfunctions";
import {
  cloudresourcemanager,
  type cloudresourcemanager_v3,
} from "googleapis/build/src/apis/cloudresourcemanager";
import { auth as authPlus, iam, type iam_v1 } from "googleapis/build/src/apis/iam";
import { orgpolicy, type orgpolicy_v2 } from "googleapis/build/src/apis/orgpolicy";
import { serviceusage, type serviceusage_v1 } from "googleapis/build/src/apis/serviceusage";
import { apiBaseUrl } from "./api-root";
import { createLimiter } from "./concurrency";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry";

/**
 * googleapis brings its own copy of google-auth-library (googleapis-common's); credentials are made with that
 * copy's `GoogleAuth` so the clients accept them (a `GoogleAuth` of another copy differs in private fields).
 */
export const GoogleAuth = authPlus.GoogleAuth;
export type GoogleAuth = InstanceType<typeof authPlus.GoogleAuth>;

/** The scope every reader needs; the calls themselves decide what is readable (IAM, not scopes). */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** Hosts of the APIs the live readers use; the first label names the API under `--api-root`. */
export const API_HOSTS = {
  serviceusage: "serviceusage.googleapis.com",
  cloudfunctions: "cloudfunctions.googleapis.com",
  cloudresourcemanager: "cloudresourcemanager.googleapis.com",
  orgpolicy: "orgpolicy.googleapis.com",
  iam: "iam.googleapis.com",
  // Read by `callgraph audit` (live/audit/audit-clients.ts), which builds these clients itself.
  run: "run.googleapis.com",
  cloudasset: "cloudasset.googleapis.com",
} as const;
export type ApiName = keyof typeof API_HOSTS;

export interface GoogleClientOptions {
  /** From {@link resolveApiRoot}: every API at `<apiRoot>/<first label of its host>/`; undefined: Google's hosts. */
  readonly apiRoot?: string;
  /** Credentials; default: Application Default Credentials with the cloud-platform scope. */
  readonly auth?: GoogleAuth;
  /** Requests in flight at most, across every API. Default 8. */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /**
   * The fetch gaxios sends requests with; default: gaxios's own choice (node-fetch in Node, which honours
   * HTTPS_PROXY). Tests under jest pass Node's fetch: jest's VM cannot run gaxios's `import("node-fetch")`.
   */
  readonly fetchImplementation?: typeof fetch;
}

/**
 * Google's maintained clients for the APIs the live readers use, with one policy for every request: the API
 * root, bounded concurrency and retries. `callgraph preflight` and `callgraph audit` both build theirs here.
 */
export interface GoogleClients {
  readonly apiRoot?: string;
  readonly serviceusage: serviceusage_v1.Serviceusage;
  readonly cloudfunctions: cloudfunctions_v2.Cloudfunctions;
  readonly cloudresourcemanager: cloudresourcemanager_v3.Cloudresourcemanager;
  readonly orgpolicy: orgpolicy_v2.Orgpolicy;
  readonly iam: iam_v1.Iam;
  /**
   * Sends one request of API `api`: `send` gets the per-call options to pass as the method's second argument
   * (the API root and no gaxios retry), and resolves to the response body.
   */
  call<T>(api: ApiName, send: (options: RequestOptions) => Promise<{ readonly data: T }>): Promise<T>;
}

/** Per-call options of a googleapis method. */
export interface RequestOptions {
  readonly rootUrl?: string;
  readonly retry: false;
  readonly fetchImplementation?: typeof fetch;
}

export function createGoogleClients(options: GoogleClientOptions = {}): GoogleClients {
  const auth = options.auth ?? new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const global = { auth } as const;
  const limit = createLimiter(options.concurrency ?? 8);
  const retry = options.retry ?? DEFAULT_RETRY;
  const apiRoot = options.apiRoot;
  return {
    ...(apiRoot === undefined ? {} : { apiRoot }),
    serviceusage: serviceusage({ version: "v1" as const, ...global }),
    cloudfunctions: cloudfunctions({ version: "v2" as const, ...global }),
    cloudresourcemanager: cloudresourcemanager({ version: "v3" as const, ...global }),
    orgpolicy: orgpolicy({ version: "v2" as const, ...global }),
    iam: iam({ version: "v1" as const, ...global }),
    async call<T>(api: ApiName, send: (o: RequestOptions) => Promise<{ readonly data: T }>): Promise<T> {
      // `rootUrl` must be given per call: set on the client, googleapis-common resolves the method's absolute
      // path against it (`new URL(path, rootUrl)` in apirequest.js), dropping the root's own path
      // (`/cloudfunctions/`). Per call, the generated method prefixes its path with it, as wanted.
      const requestOptions: RequestOptions = {
        retry: false,
        ...(apiRoot === undefined ? {} : { rootUrl: apiBaseUrl(apiRoot, API_HOSTS[api]) }),
        ...(options.fetchImplementation ? { fetchImplementation: options.fetchImplementation } : {}),
      };
      const response = await limit(() => withRetry(() => send(requestOptions), retry));
      return response.data;
    },
  };
}
