import type { IncomingHttpHeaders } from "node:http";
import type { FunctionEnv } from "./env";
import { HttpError } from "./http";
import type { ErrorAnswer } from "./secured";

/**
 * The key under which `secured()` exposes its `Admission` on the handler it returns. `Symbol.for`, so a host
 * finds it across copies of this code (each function's bundle inlines its own).
 */
export const ADMISSION = Symbol.for("callgraph.admission");

/** What a request looks like before its body is read. */
export interface RequestHead {
  readonly method?: string;
  /** Node's lower-case header names. */
  readonly headers: IncomingHttpHeaders;
}

/**
 * What a secured function tells the process that hosts it, so that the host can do, before any body is read,
 * what Google's front end does before the code runs: check the caller (from the `Authorization` header alone)
 * and cap the body at the platform's limit. The handler still verifies the caller itself.
 */
export interface Admission {
  /**
   * Checks the head of a request: undefined lets it in; an `ErrorAnswer` is the answer. Never reads the body.
   * Answers at once when nothing is to fetch or check against the key set (a warm caller's token), else a promise.
   */
  admit(head: RequestHead): ErrorAnswer | undefined | Promise<ErrorAnswer | undefined>;
  /** The largest body the host may read, bytes (the platform's limit). Undefined when the environment is bad. */
  maxBodyBytes(): number | undefined;
  /** The answer for a body that could not be read or parsed (the framework's body parser failed). */
  bodyRefusal(error: unknown): ErrorAnswer;
}

/**
 * A body larger than the platform's limit: 413, as Google's front end answers it ("Max uncompressed HTTP request
 * size", https://cloud.google.com/functions/quotas). `declared` is the Content-Length, when there is one.
 */
export function tooLarge(fn: string, limit: number, declared?: number): HttpError {
  const size = declared === undefined ? "the request body is" : `the request body (${declared} bytes) is`;
  return new HttpError(
    413,
    `${size} larger than the ${limit} bytes ${fn} accepts (the platform's request size limit); send a smaller body`,
  );
}

/**
 * Header-only checks after the caller is verified: a declared body size within `env.maxRequestBytes`, and no
 * `Content-Encoding` (the framework's body parser inflates gzip/deflate/br with its own 1 GB limit on the inflated
 * size, so a small compressed body could still cost a gigabyte; Google documents the limit as *uncompressed*).
 * Throws `HttpError`.
 */
export function checkHead(head: RequestHead, env: FunctionEnv): void {
  const length = head.headers["content-length"];
  if (length !== undefined) {
    const declared = Number(length);
    if (Number.isSafeInteger(declared) && declared > env.maxRequestBytes)
      throw tooLarge(env.functionName, env.maxRequestBytes, declared);
  }
  const encoding = head.headers["content-encoding"]?.trim().toLowerCase();
  if (encoding && encoding !== "identity")
    throw new HttpError(
      415,
      `${env.functionName} does not accept Content-Encoding ${JSON.stringify(encoding)}; send the body uncompressed`,
    );
}

/** body-parser's error `type`s (https://github.com/expressjs/body-parser#errors) and what they mean to a caller. */
const BODY_ERRORS: Readonly<Record<string, { status: number; problem: (error: unknown) => string }>> = {
  "entity.parse.failed": { status: 400, problem: () => "the body is not valid JSON (an object or an array)" },
  "entity.too.large": { status: 413, problem: () => "the body is larger than the function accepts" },
  "charset.unsupported": {
    status: 415,
    problem: (e) =>
      `charset ${JSON.stringify(String(field(e, "charset") ?? ""))} is not supported; send UTF-8`,
  },
  "encoding.unsupported": {
    status: 415,
    problem: (e) =>
      `Content-Encoding ${JSON.stringify(String(field(e, "encoding") ?? ""))} is not supported; send the body uncompressed`,
  },
  "request.aborted": { status: 400, problem: () => "the request ended before its body was complete" },
  "request.size.invalid": {
    status: 400,
    problem: () => "the body's length does not match its Content-Length",
  },
};

/**
 * The function's own JSON answer for a body the framework could not read, with its usage line, instead of the
 * framework's HTML error page. Never echoes the body (the parser's message quotes it).
 */
export function bodyRefusal(error: unknown, usage: string): ErrorAnswer {
  const known = BODY_ERRORS[String(field(error, "type"))];
  if (known) return { status: known.status, body: { error: known.problem(error), usage } };
  const status = field(error, "status");
  if (typeof status === "number" && status >= 400 && status < 500)
    return { status, body: { error: "the request could not be read", usage } };
  return { status: 500, body: { error: "internal error; see the function's logs" } };
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
