import type { Request, Response } from "@google-cloud/functions-framework";

/** A client mistake the handler reports with a status and a message (400, 404, 405...). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Sends `body` as JSON with `status`. */
export function sendJson(
  res: Response,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.status(status).set(headers).json(body);
}

/** Throws 405 (with `Allow`) unless the request's method is one of `allowed`. */
export function requireMethod(req: Request, ...allowed: string[]): void {
  if (!allowed.includes(req.method)) {
    throw new HttpError(405, `${req.method} is not allowed; use ${allowed.join(" or ")}`, {
      allow: allowed.join(", "),
    });
  }
}

/** A query parameter given at most once as a plain string (`?q=a&q=b` and `?q[x]=1` are refused with 400). */
export function queryString(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw new HttpError(400, `query parameter "${name}" must be given once, as a plain string`);
  return value;
}
