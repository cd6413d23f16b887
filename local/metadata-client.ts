/**
 * Fetches an ID token for `audience` from a metadata server at `metadataHost` (`host:port`), exactly the
 * request google-auth-library makes on GCE:
 * https://cloud.google.com/docs/authentication/get-id-token#metadata-server
 */
export async function fetchIdTokenFrom(metadataHost: string, audience: string): Promise<string> {
  const url = `http://${metadataHost}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}&format=full`;
  const res = await fetch(url, { headers: { "Metadata-Flavor": "Google" } });
  if (!res.ok)
    throw new Error(`Could not fetch ID token from ${metadataHost}: HTTP ${res.status} ${await res.text()}`);
  return res.text();
}

/** A request to a function, relative to its URL. */
export interface FunctionRequest {
  readonly method?: string;
  /** Path after the function's URL, e.g. `/v1/items`; defaults to none. */
  readonly path?: string;
  readonly query?: Readonly<Record<string, string>>;
  /** JSON body. */
  readonly body?: unknown;
  /** Extra request headers (the local tools' probe mark); never an Authorization header, which `token` sets. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The answer: status and body (parsed when JSON). */
export interface FunctionResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * How a caller sends its token: `both`, in `Authorization` and `X-Serverless-Authorization`, as callgraph's
 * downstream client does (functions/shared/downstream-client.ts); `authorization` alone, as a developer's
 * `curl -H "Authorization: bearer $(gcloud auth print-identity-token)"` does.
 */
export type TokenHeaders = "both" | "authorization";

/** The way an identity sends its token: a function's account as callgraph's client, anyone else as curl. */
export function tokenHeadersFor(member: string | undefined): TokenHeaders {
  return member?.startsWith("serviceAccount:") ? "both" : "authorization";
}

/** Calls a function URL with an optional bearer token, sent in `tokenHeaders` (default: both, as the client). */
export async function callFunction(
  url: string,
  request: FunctionRequest,
  token?: string,
  tokenHeaders: TokenHeaders = "both",
): Promise<FunctionResponse> {
  const target = new URL(url + (request.path ?? ""));
  for (const [k, v] of Object.entries(request.query ?? {})) target.searchParams.set(k, v);
  const headers: Record<string, string> = { ...request.headers };
  if (token) {
    headers.authorization = `Bearer ${token}`;
    if (tokenHeaders === "both") headers["x-serverless-authorization"] = `Bearer ${token}`;
  }
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(target, {
    method: request.method ?? (request.body === undefined ? "GET" : "POST"),
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body };
}
