import * as http from "node:http";
import { pipeline } from "node:stream";
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import { close, listen, LOOPBACK, sendJson } from "./listen";
import { isInvoker, isOpenToAll } from "./iam-members";
import { BadRequest, guarded } from "./request-guard";
import { PROBE_HEADER, type Decision } from "./request-log";
import { GOOGLE_ISSUER } from "./token-service";

/** What one front end enforces and where it forwards. */
export interface FrontEndOptions {
  /** The function's name: the first path segment of its URL, as on cloudfunctions.net. */
  readonly name: string;
  /** IAM members granted an invoking role on the function, read from the registered IAM resources. */
  readonly invokers: readonly string[];
  /** JWKS of the token service. */
  readonly jwksUrl: string;
  /** Port of the function's process on loopback. */
  readonly targetPort: () => number;
  /** Give up on the function after this long (its configured timeout). */
  readonly timeoutMs: number;
  /** Told of every request once its answer is sent (or its connection ends): the request log, edge coverage. */
  readonly onRequest?: (seen: SeenRequest) => void;
}

/** A request the front end handled, as {@link FrontEndOptions.onRequest} receives it. */
export interface SeenRequest {
  readonly at: Date;
  /** The verified token's email; undefined without a valid token. */
  readonly email?: string;
  readonly method: string;
  readonly decision: Decision;
  readonly why?: string;
  /** 0 when the connection ended before an answer. */
  readonly status: number;
  readonly ms: number;
  /** Carries the {@link PROBE_HEADER}: made by a tool, not by a function's code. */
  readonly probe: boolean;
}

/** A running front end. */
export interface FrontEnd {
  readonly port: number;
  /** `http://127.0.0.1:<port>/<name>`: the function's local URL, also the audience its tokens must carry. */
  readonly url: string;
  stop(): Promise<void>;
}

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/**
 * What Google's front end does for a private function: 401 without a valid ID token for this function's URL,
 * 403 for a valid token of a member without an invoking role, otherwise the request goes to the function,
 * Authorization header included (gen1 passes it on).
 */
export async function startFrontEnd(options: FrontEndOptions, port = 0): Promise<FrontEnd> {
  const jwks = jwksCache.get(options.jwksUrl) ?? createRemoteJWKSet(new URL(options.jwksUrl));
  jwksCache.set(options.jwksUrl, jwks);
  let url = "";
  const server = http.createServer(guarded(`the front end of ${options.name}`, handle));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const seen = observe(req, res);
    const prefix = `/${options.name}`;
    const path = req.url ?? "";
    // Matched as a string, never through `new URL`: a target like `//other/login` must not be read as a host.
    if (!path.startsWith("/"))
      throw new BadRequest(
        `the request target must be a path under ${prefix}, not ${JSON.stringify(path.slice(0, 80))}`,
      );
    if (path !== prefix && !path.startsWith(`${prefix}/`) && !path.startsWith(`${prefix}?`)) {
      seen.decision = "404";
      sendJson(res, 404, { error: `no function at ${path.split("?")[0].slice(0, 80)}; this is ${url}` });
      return;
    }
    if (!isOpenToAll(options.invokers)) {
      const email = await verifiedEmail(req.headers.authorization, url);
      if (typeof email !== "string") {
        seen.decision = "401";
        seen.why = email.reason;
        sendJson(
          res,
          401,
          { error: `Unauthorized: ${email.reason}` },
          { "www-authenticate": `Bearer error="invalid_token"` },
        );
        return;
      }
      seen.email = email;
      if (!isInvoker(email, options.invokers)) {
        seen.decision = "403";
        seen.why = `${email} may not invoke ${options.name}`;
        sendJson(res, 403, {
          error: `Forbidden: ${email} may not invoke ${options.name} (no roles/cloudfunctions.invoker grant)`,
        });
        return;
      }
    }
    seen.decision = "allowed";
    forward(req, res, path.slice(prefix.length) || "/");
  }

  /**
   * What the request log gets for this request, filled in as the front end decides and reported once the
   * connection is done with it. A request the guard answers 400 (a target that is no path) stays "400".
   */
  function observe(req: http.IncomingMessage, res: http.ServerResponse) {
    const started = process.hrtime.bigint();
    const seen: { -readonly [K in keyof SeenRequest]: SeenRequest[K] } = {
      at: new Date(),
      method: req.method ?? "?",
      decision: "400",
      status: 0,
      ms: 0,
      probe: req.headers[PROBE_HEADER] !== undefined,
    };
    delete req.headers[PROBE_HEADER];
    res.once("close", () => {
      seen.status = res.writableFinished ? res.statusCode : 0;
      seen.ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
      options.onRequest?.(seen);
    });
    return seen;
  }

  async function verifiedEmail(
    header: string | undefined,
    audience: string,
  ): Promise<string | { reason: string }> {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
    if (!match) return { reason: "no bearer token" };
    try {
      const { payload } = await jwtVerify(match[1], jwks, {
        issuer: GOOGLE_ISSUER,
        audience,
        algorithms: ["RS256"],
        clockTolerance: 30,
      });
      if (
        typeof payload.email !== "string" ||
        (payload.email_verified !== true && payload.email_verified !== "true")
      ) {
        return { reason: "token has no verified email" };
      }
      return payload.email;
    } catch (error) {
      // Say which check failed, never echo the token.
      return { reason: error instanceof errors.JOSEError ? error.code : "malformed token" };
    }
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    const upstream = http.request(
      {
        host: LOOPBACK,
        port: options.targetPort(),
        method: req.method,
        path: path.startsWith("?") ? `/${path}` : path,
        headers: req.headers,
        timeout: options.timeoutMs,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // pipeline, not pipe: a function that dies mid-answer cuts the client's connection instead of leaving it open.
        pipeline(answer, res, () => undefined);
      },
    );
    upstream.on("timeout", () => upstream.destroy(new Error("timeout")));
    // A client that hangs up mid-request or mid-answer: stop the call to the function too, or it waits for a
    // body that never comes until the function's timeout.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      if (error.message === "timeout")
        sendJson(res, 504, {
          error: `function ${options.name} did not answer within ${options.timeoutMs} ms`,
        });
      else
        sendJson(res, 503, {
          error: `function ${options.name} is not running (${error.code ?? error.message}); the local stack restarts it`,
        });
    });
    req.pipe(upstream);
  }

  const bound = await listen(server, port);
  url = `http://${LOOPBACK}:${bound}/${options.name}`;
  return { port: bound, url, stop: () => close(server) };
}
