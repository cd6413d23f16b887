import { LiveConfigError } from "./errors";

/** Environment variable that stands in for `--api-root`. */
export const API_ROOT_ENV = "CALLGRAPH_GOOGLE_API_ROOT";

/**
 * The one setting every Google API base URL comes from: `--api-root URL`, else `CALLGRAPH_GOOGLE_API_ROOT`,
 * else Google's own endpoints (undefined). Returned without a trailing slash. Tests point it at a loopback
 * server; users at a private endpoint or a recording proxy.
 */
export function resolveApiRoot(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (flag !== undefined) return parseApiRoot(flag, "--api-root");
  const fromEnv = env[API_ROOT_ENV];
  return fromEnv === undefined || fromEnv === "" ? undefined : parseApiRoot(fromEnv, API_ROOT_ENV);
}

function parseApiRoot(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LiveConfigError(
      `${source} "${value}" is not a URL: give an absolute http(s) URL, e.g. http://127.0.0.1:8080`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new LiveConfigError(`${source} "${value}" must be an http or https URL, not ${url.protocol}`);
  if (url.search !== "" || url.hash !== "")
    throw new LiveConfigError(`${source} "${value}" must not carry a query or a fragment`);
  return url.href.replace(/\/+$/, "");
}

/**
 * Where one API is reached: Google's own host, or `<api-root>/<first label of the API's host>/`, e.g.
 * `http://127.0.0.1:8080/cloudfunctions/` for `cloudfunctions.googleapis.com` (the convention `callgraph
 * preflight` and `callgraph audit` share).
 */
export function apiBaseUrl(apiRoot: string | undefined, host: string): string {
  return apiRoot === undefined ? `https://${host}/` : `${apiRoot}/${host.split(".")[0]}/`;
}
