import type { FunctionRequest } from "../../local";
import { UsageError } from "../errors";

/**
 * Methods an HTTP function is called with. CONNECT and TRACE are refused by fetch (and by Google's front end);
 * an unknown word is surely a typo.
 */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

// fetch refuses a body on these (https://fetch.spec.whatwg.org/#dom-request: "If ... request's method is
// `GET` or `HEAD`, then throw a TypeError").
const BODYLESS: readonly string[] = ["GET", "HEAD"];

export interface RequestFlags {
  readonly method?: string;
  readonly data?: string;
  readonly path?: string;
}

/** The request `invoke` sends, from its flags; every mistake is a {@link UsageError} naming the flag. */
export function invokeRequest(fn: string, flags: RequestFlags): FunctionRequest {
  const method = flags.method?.toUpperCase() ?? (flags.data === undefined ? "GET" : "POST");
  if (!(METHODS as readonly string[]).includes(method))
    throw new UsageError(
      `invoke ${fn}: -X ${JSON.stringify(flags.method)} is not an HTTP method a function serves. Use one of ${METHODS.join(", ")}`,
    );
  let body: unknown;
  if (flags.data !== undefined) {
    if (BODYLESS.includes(method))
      throw new UsageError(
        `invoke ${fn}: a ${method} request has no body, so --data cannot be sent. Use -X POST (the default with --data), or pass the values in --path "?key=value"`,
      );
    try {
      body = JSON.parse(flags.data);
    } catch (error) {
      throw new UsageError(
        `invoke ${fn}: --data is not JSON (${(error as Error).message}). Quote it for the shell, e.g. --data '{"key":"value"}'`,
      );
    }
  }
  if (flags.path !== undefined && !/^[/?]/.test(flags.path))
    throw new UsageError(
      `invoke ${fn}: --path ${JSON.stringify(flags.path)} must start with "/" or "?". Write it as it follows the function's URL, e.g. --path /items?q=a`,
    );
  return { method, path: flags.path, body };
}
