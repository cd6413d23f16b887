// One module per API (not `googleapis`' index, which loads all of them) keeps the CLI's start-up small.
import { cloudfunctions, type cloudfunctions_v2 } from "googleapis/build/src/apis/cloudfunctions";
import { cloudidentity, type cloudidentity_v1 } from "googleapis/build/src/apis/cloudidentity";
import {
  cloudresourcemanager,
  type cloudresourcemanager_v3,
} from "googleapis/build/src/apis/cloudresourcemanager";
import { auth as authPlus, iam, type iam_v1 } from "googleapis/build/src/apis/iam";
import { orgpolicy, type orgpolicy_v2 } from "googleapis/build/src/apis/orgpolicy";
import { serviceusage, type serviceusage_v1 } from "googleapis/build/src/apis/serviceusage";
import type { z } from "zod";
import { parseAnswer } from "./answers";
import { apiBaseUrl } from "./api-root";
import { attemptTimeout, type AttemptAdapter } from "./attempt-timeout";
import { createLimiter } from "./concurrency";
import { DEFAULT_REQUEST_TIMEOUT_SECONDS, type Deadline } from "./deadline";
import { LiveUnavailableError } from "./errors";
import { isAbortError } from "./google-errors";
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
  // Whether a declared `group:` member exists (preflight).
  cloudidentity: "cloudidentity.googleapis.com",
  // Read by `callgraph audit` (live/audit/audit-clients.ts), which builds these clients itself.
  run: "run.googleapis.com",
  cloudasset: "cloudasset.googleapis.com",
  // The callers that are not functions (callgraph:callers), read by `callgraph audit`.
  cloudscheduler: "cloudscheduler.googleapis.com",
  pubsub: "pubsub.googleapis.com",
  cloudtasks: "cloudtasks.googleapis.com",
  workflows: "workflows.googleapis.com",
  eventarc: "eventarc.googleapis.com",
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
  /** One attempt of one request may take this long (ms) before it is aborted. Default 20 s. */
  readonly requestTimeoutMs?: number;
  /**
   * The command's deadline: every request carries its signal, is aborted when it passes, and none starts after.
   * Undefined: only the per-request timeout bounds a request.
   */
  readonly deadline?: Deadline;
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
  readonly cloudidentity: cloudidentity_v1.Cloudidentity;
  /**
   * Sends one request of API `api`: `send` gets the per-call options to pass as the method's second argument
   * (the API root, a timeout, the deadline's signal and no gaxios retry), and resolves to the response body
   * checked against `schema`, its documented shape.
   * @throws MalformedAnswerError for a 2xx answer that is not that shape (an HTML page, a wrong type).
   * @throws LiveUnavailableError when the request timed out on every attempt, or the deadline passed.
   * @throws the GaxiosError of a refusal (4xx, 5xx after retries, a network error), for the reader to keep.
   */
  call<T>(
    api: ApiName,
    schema: z.ZodType<T>,
    send: (options: RequestOptions) => Promise<{ readonly data: unknown }>,
  ): Promise<T>;
}

/** Per-call options of a googleapis method. */
export interface RequestOptions {
  readonly rootUrl?: string;
  /**
   * gaxios' own retry is off (it retries timeouts, without jitter, and never POST): {@link withRetry} is the one
   * policy. googleapis turns it on unless told (`options.retry = options.retry === undefined ? true : ...` in
   * googleapis-common's apirequest.js).
   */
  readonly retry: false;
  /**
   * Bounds each attempt by the per-request timeout with a signal it holds (live/attempt-timeout.ts): gaxios' own
   * `timeout` can be garbage-collected before it fires. It follows `signal`, the command's deadline.
   */
  readonly adapter: AttemptAdapter;
  readonly signal?: AbortSignal;
  readonly fetchImplementation?: typeof fetch;
}

/**
 * Application Default Credentials for one command of the live readers:
 * - the project is given, so google-auth-library never looks one up. Unasked, it tries (GoogleAuth
 *   `findAndCacheProjectId` in googleauth.js, run by `getClient()`) GOOGLE_CLOUD_PROJECT, the credentials file,
 *   `gcloud config config-helper`, the GCE metadata server, and for `external_account` credentials (workload
 *   identity federation) Resource Manager v1 `projects.get` at Google's own host: none of which `--api-root`
 *   covers, so a run against a private endpoint or a test server would reach elsewhere (or hang);
 * - its own requests (a token exchange at STS, a refresh at the OAuth endpoint) get the per-request timeout and
 *   the command's deadline too (`transporterOptions`, the defaults of its gaxios instance), so that a token
 *   endpoint that never answers cannot outlive the command either.
 */
export function createLiveAuth(options: {
  readonly projectId: string;
  readonly requestTimeoutMs: number;
  readonly deadline: Deadline;
}): GoogleAuth {
  return new GoogleAuth({
    scopes: [CLOUD_PLATFORM_SCOPE],
    projectId: options.projectId,
    clientOptions: {
      transporterOptions: {
        adapter: attemptTimeout(options.requestTimeoutMs),
        signal: options.deadline.signal,
      },
    },
  });
}

/**
 * Loads the credentials (`getClient()`: no request for the credential types callgraph meets, but the ADC search
 * itself) and bounds the one request of theirs that `transporterOptions` does not reach: the token exchange of
 * `external_account` credentials (workload identity federation, as CI uses) is sent by `StsCredentials` through a
 * gaxios instance of its own, not the client's transporter (google-auth-library `baseexternalclient.js`:
 * `new sts.StsCredentials({ tokenExchangeEndpoint, clientAuthentication })`; `oauth2common.js`:
 * `options?.transporter || new Gaxios()`). Its defaults get the same timeout and deadline signal, so an STS that
 * never answers is aborted (and gaxios does not retry an aborted request) instead of keeping the process alive.
 */
export async function loadCredentials(
  auth: GoogleAuth,
  bounds: { readonly requestTimeoutMs: number; readonly deadline: Deadline },
): Promise<void> {
  const client = await auth.getClient();
  const sts = (client as { stsCredential?: { transporter?: { defaults?: Record<string, unknown> } } })
    .stsCredential;
  if (sts?.transporter && typeof sts.transporter === "object")
    sts.transporter.defaults = {
      ...(sts.transporter.defaults ?? {}),
      adapter: attemptTimeout(bounds.requestTimeoutMs),
      signal: bounds.deadline.signal,
    };
}

export function createGoogleClients(options: GoogleClientOptions = {}): GoogleClients {
  const auth = options.auth ?? new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const global = { auth } as const;
  const limit = createLimiter(options.concurrency ?? 8);
  const retry = options.retry ?? DEFAULT_RETRY;
  const apiRoot = options.apiRoot;
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_SECONDS * 1000;
  const deadline = options.deadline;
  return {
    ...(apiRoot === undefined ? {} : { apiRoot }),
    serviceusage: serviceusage({ version: "v1" as const, ...global }),
    cloudfunctions: cloudfunctions({ version: "v2" as const, ...global }),
    cloudresourcemanager: cloudresourcemanager({ version: "v3" as const, ...global }),
    orgpolicy: orgpolicy({ version: "v2" as const, ...global }),
    iam: iam({ version: "v1" as const, ...global }),
    cloudidentity: cloudidentity({ version: "v1" as const, ...global }),
    call<T>(
      api: ApiName,
      schema: z.ZodType<T>,
      send: (o: RequestOptions) => Promise<{ readonly data: unknown }>,
    ): Promise<T> {
      const host = API_HOSTS[api];
      // `rootUrl` must be given per call: set on the client, googleapis-common resolves the method's absolute
      // path against it (`new URL(path, rootUrl)` in apirequest.js), dropping the root's own path
      // (`/cloudfunctions/`). Per call, the generated method prefixes its path with it, as wanted.
      const requestOptions: RequestOptions = {
        retry: false,
        adapter: attemptTimeout(timeout),
        ...(deadline ? { signal: deadline.signal } : {}),
        ...(apiRoot === undefined ? {} : { rootUrl: apiBaseUrl(apiRoot, host) }),
        ...(options.fetchImplementation ? { fetchImplementation: options.fetchImplementation } : {}),
      };
      return limit(async () => {
        // A request still queued when the deadline passed never starts.
        if (deadline?.signal.aborted) throw deadline.error();
        const settled = deadline?.pending(host);
        let response: { readonly data: unknown };
        try {
          response = await withRetry(() => send(requestOptions), retry, deadline?.signal);
        } catch (error) {
          if (deadline?.signal.aborted) throw deadline.error();
          if (isAbortError(error))
            throw new LiveUnavailableError(
              `no answer from ${host} within ${timeout / 1000} s${attemptsWords(retry.timeoutAttempts ?? 2)} (--timeout): ` +
                "check that it can be reached from here (network, proxy, --api-root), or allow longer with --timeout SECONDS",
              [host],
            );
          throw error;
        } finally {
          settled?.();
        }
        return parseAnswer(host, schema, response.data);
      });
    },
  };
}

function attemptsWords(n: number): string {
  return n === 1 ? "" : `, on each of ${n} attempts`;
}
