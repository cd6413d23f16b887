import * as http from "node:http";
import { pipeline } from "node:stream";
import { errors } from "jose";
import { tokenSignatures } from "../functions/shared/token-signatures";
import { checkClaims, platformCheckedCopy, tokenHeadersOf, withoutSignature } from "../iam/id-token";
import { close, listen, LOOPBACK, sendJson } from "./listen";
import { invokerTest, isOpenToAll } from "./iam-members";
import { FRONT_END_ANSWER, FRONT_END_ANSWER_HEADER } from "./metadata-client";
import { BadRequest, guarded } from "./request-guard";
import { PROBE_HEADER, type Decision } from "./request-log";
import { MAX_REQUEST_BYTES } from "../topology/environment";

// Refused bodies are discarded for a bounded while before the connection closes (linger.cjs says why).
const { linger } = require("./linger.cjs") as {
  linger(req: http.IncomingMessage, maxBytes?: number): void;
};

/**
 * The header by which a function's process knows a request came through its front end, as a deployed function can
 * be reached only through Google's (function-host.cjs refuses anything else). Its value is a key of the run.
 */
export const FRONT_END_HEADER = "x-callgraph-front-end";

/** The environment variable that gives a function's process the key its front end sends in {@link FRONT_END_HEADER}. */
export const LOCAL_FRONT_END_KEY_ENV = "CALLGRAPH_LOCAL_FRONT_END_KEY";

/**
 * The mark on every answer a front end writes itself ({@link FRONT_END_ANSWER_HEADER}); the function's answers never
 * carry it, whatever they claim.
 */
const OWN = { [FRONT_END_ANSWER_HEADER]: FRONT_END_ANSWER } as const;

/** What one front end enforces and where it forwards. */
export interface FrontEndOptions {
  /** The function's name: the first path segment of its URL, as on cloudfunctions.net. */
  readonly name: string;
  /**
   * The function's generation, whose front end this plays: 2nd gen (Cloud Run) checks `X-Serverless-Authorization`
   * when present, removes that copy's signature and passes `Authorization` on untouched, and without it checks and
   * strips `Authorization` (https://cloud.google.com/run/docs/authenticating/service-to-service,
   * https://cloud.google.com/run/docs/troubleshooting#signature-removed); 1st gen, for which stripping is
   * undocumented, checks the same header and passes both on as they came. So the local stack runs both code paths
   * of the function's own check: a signed copy, and a stripped one.
   */
  readonly generation: 1 | 2;
  /** The token issuers accepted: the function's own setting, so both apply the same rules. */
  readonly issuers: readonly string[];
  /** Audiences accepted from users besides the function's URL (gcloud's client id), as the function accepts them. */
  readonly userAudiences: readonly string[];
  /** The key proving to the function's process that a request passed this front end ({@link FRONT_END_HEADER}). */
  readonly hostKey: string;
  /** IAM members granted an invoking role on the function, read from the registered IAM resources. */
  readonly invokers: readonly string[];
  /** JWKS of the token service. */
  readonly jwksUrl: string;
  /** Port of the function's process on loopback. */
  readonly targetPort: () => number;
  /**
   * The function's timeout: a request still running this long after it arrived gets the platform's answer (504 on
   * 2nd gen, 408 on 1st) and the function's own answer, if any, is discarded.
   */
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

/** The copy of a request's token that the front end checks. */
type PresentedCopy = ReturnType<typeof platformCheckedCopy>;

/** A checked token's email, or why it is refused. */
type Verdict = string | { reason: string };

/** A running front end. */
export interface FrontEnd {
  readonly port: number;
  /** `http://127.0.0.1:<port>/<name>`: the function's local URL, also the audience its tokens must carry. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * What Google's front end does for a private function: 401 without a valid ID token for this function's URL,
 * 403 for a valid token of a member without an invoking role, otherwise the request goes to the function,
 * Authorization header included (gen1 passes it on).
 */
export async function startFrontEnd(options: FrontEndOptions, port = 0): Promise<FrontEnd> {
  // The function's own signature check (keys per Cache-Control, a verified token remembered until its exp), so
  // the front end costs what Google's does: nothing measurable per request once warm. Keys fetched now.
  const signatures = tokenSignatures(options.jwksUrl);
  signatures.warm();
  const open = isOpenToAll(options.invokers);
  const bodyLimit = MAX_REQUEST_BYTES[options.generation];
  const mayInvoke = invokerTest(options.invokers);
  let url = "";
  const server = http.createServer(guarded(`the front end of ${options.name}`, handle));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const seen = observe(req, res);
    const prefix = `/${options.name}`;
    const path = req.url ?? "";
    // Matched as a string, never through `new URL`: a target like `//other/login` must not be read as a host.
    if (!path.startsWith("/")) {
      res.setHeader(FRONT_END_ANSWER_HEADER, FRONT_END_ANSWER); // on the guard's 400
      throw new BadRequest(
        `the request target must be a path under ${prefix}, not ${JSON.stringify(path.slice(0, 80))}`,
      );
    }
    if (path !== prefix && !path.startsWith(`${prefix}/`) && !path.startsWith(`${prefix}?`)) {
      seen.decision = "404";
      sendJson(res, 404, { error: `no function at ${path.split("?")[0].slice(0, 80)}; this is ${url}` }, OWN);
      return;
    }
    const presented = platformCheckedCopy(tokenHeadersOf(req.headers));
    if (!open) {
      const checked = checkedEmail(presented, url);
      const email = checked instanceof Promise ? await checked : checked;
      if (typeof email !== "string") {
        seen.decision = "401";
        seen.why = email.reason;
        sendJson(
          res,
          401,
          { error: `Unauthorized: ${email.reason}` },
          { ...OWN, "www-authenticate": `Bearer error="invalid_token"` },
        );
        return;
      }
      seen.email = email;
      if (!mayInvoke(email)) {
        seen.decision = "403";
        seen.why = `${email} may not invoke ${options.name}`;
        sendJson(
          res,
          403,
          {
            error: `Forbidden: ${email} may not invoke ${options.name} (no ${options.generation === 2 ? "roles/run.invoker" : "roles/cloudfunctions.invoker"} grant)`,
          },
          OWN,
        );
        return;
      }
      // What Cloud Run hands the code: the checked copy with its signature removed, the other one untouched
      // (whatever it holds: only the function's own check can refuse a mismatch there).
      if (options.generation === 2 && presented.kind === "token")
        req.headers[presented.header] = `Bearer ${withoutSignature(presented.token)}`;
    }
    req.headers[FRONT_END_HEADER] = options.hostKey;
    seen.decision = "allowed";
    forward(req, res, path.slice(prefix.length) || "/", seen.at.getTime());
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

  /**
   * The token's email when it passes what Google's front end checks: the copy in the header the platform checks
   * (`X-Serverless-Authorization` when present, else `Authorization`; the other is not looked at, as Cloud Run does
   * not), a signature that verifies (RS256, this stack's key set), and the claims by the rules the function applies
   * too (iam/id-token.ts). At once, without an await, for a copy refused on sight or a token whose signature verified
   * before (its verdict remembered), as the function's own check answers them; else the promise of the check.
   */
  function checkedEmail(presented: PresentedCopy, audience: string): Verdict | Promise<Verdict> {
    const copy = signedCopy(presented);
    if ("reason" in copy) return copy;
    const claims = signatures.rememberedClaims(copy.token);
    if (claims) return claimedEmail(claims, audience);
    return signatures.verify(copy.token).then(
      (verified) => claimedEmail(verified, audience),
      // Say which check failed, never echo the token.
      (error: unknown) => ({ reason: error instanceof errors.JOSEError ? error.code : "malformed token" }),
    );
  }

  /** The checked copy's token when it is a signed bearer token, or why it is refused before any signature check. */
  function signedCopy(presented: PresentedCopy): { token: string } | { reason: string } {
    if (presented.kind === "none") return { reason: "no bearer token" };
    if (presented.kind === "refused") return { reason: presented.reason };
    // Google checks the signature of the copy it checks: one it has stripped is not a token it would accept.
    if (!presented.signed) return { reason: "the token carries no signature" };
    return presented;
  }

  /** The email of verified claims by the rules the function applies too, or why they are refused. */
  function claimedEmail(claims: Record<string, unknown> | undefined, audience: string): Verdict {
    if (!claims) return { reason: "the payload is not a JWT claims set" };
    const checked = checkClaims(claims, {
      issuers: options.issuers,
      audience,
      userAudiences: options.userAudiences,
      now: new Date(),
    });
    return "problem" in checked ? { reason: checked.problem } : checked.caller.email;
  }

  /**
   * Hands the request to the function's process and its answer back, within the function's timeout counted from the
   * request's arrival, as the platform counts it. A function still running then gets the platform's answer: 504 on
   * 2nd gen ("When function execution reaches its timeout, a response message with an HTTP 504 error status is
   * immediately returned to the caller ... Any response message that the function generates is discarded",
   * https://cloud.google.com/functions/docs/configuring/timeout), 408 on 1st gen ("an HTTP error status, generally
   * 408, is immediately returned to the caller", https://cloud.google.com/functions/1stgendocs/configuring/timeout).
   * One that had begun its answer has the connection cut. No other limit applies: not node's default request
   * timeout (five minutes, shorter than the nine a function may run), nor an idle timer (a function that streams
   * slowly still ends at its deadline).
   */
  function forward(req: http.IncomingMessage, res: http.ServerResponse, path: string, arrived: number): void {
    // The platform's body limit is the front end's, as on Google: a body past it never reaches the function, whose
    // own refusal (function-host.cjs) would otherwise race the bytes still piped to it and reach the client as a
    // failed write (503, "not running") instead of 413.
    if (Number(req.headers["content-length"]) > bodyLimit) return refuseBody(req, res);
    let received = 0;
    let refused = false;
    // Before the pipe, so a chunk is counted before it is forwarded.
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received <= bodyLimit || refused) return;
      refused = true;
      req.unpipe(upstream);
      upstream.destroy();
      refuseBody(req, res);
    });
    const upstream = http.request(
      {
        host: LOOPBACK,
        port: options.targetPort(),
        method: req.method,
        path: path.startsWith("?") ? `/${path}` : path,
        headers: req.headers,
      },
      (answer) => {
        if (res.destroyed || refused) return void answer.destroy();
        // The function's answer, under the function's headers only: never marked as the front end's.
        delete answer.headers[FRONT_END_ANSWER_HEADER];
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // pipeline, not pipe: a function that dies mid-answer cuts the client's connection instead of leaving it open.
        pipeline(answer, res, () => undefined);
      },
    );
    const deadline = setTimeout(
      () => upstream.destroy(new Error("timeout")),
      Math.max(0, options.timeoutMs - (Date.now() - arrived)),
    );
    res.once("close", () => clearTimeout(deadline));
    // A client that hangs up mid-request or mid-answer: stop the call to the function too, or it waits for a
    // body that never comes until the function's timeout.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      if (refused) return; // answered 413 above
      if (res.headersSent || res.destroyed) return void res.destroy();
      if (error.message === "timeout") {
        const status = options.generation === 2 ? 504 : 408;
        sendJson(
          res,
          status,
          {
            error: `function ${options.name} did not answer within its timeout of ${options.timeoutMs / 1000} s`,
          },
          // The request body may still be coming: this answer ends the exchange.
          { ...OWN, connection: "close" },
        );
      } else
        sendJson(
          res,
          503,
          {
            error: `function ${options.name} is not running (${error.code ?? error.message}); the local stack restarts it`,
          },
          OWN,
        );
    });
    req.pipe(upstream);
  }

  /** 413 for a body past the platform's limit, before or while it arrives; the rest of it is discarded a while. */
  function refuseBody(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (res.headersSent) return void res.destroy();
    sendJson(
      res,
      413,
      {
        error: `Payload Too Large: the request body is larger than ${bodyLimit / (1024 * 1024)} MB, the limit of a ${options.generation === 2 ? "2nd" : "1st"}-gen function's request`,
      },
      { ...OWN, connection: "close" },
    );
    // Up to the limit again, for as long as linger.cjs allows: a body somewhat past the limit is read to its end,
    // and its sender reads the answer instead of a reset; one far past it is cut off.
    res.once("finish", () => linger(req, bodyLimit));
  }

  // The function's timeout is the one limit on a request's time (see `forward`); node's default of five minutes to
  // receive a request would be a second one, shorter than a function may run.
  server.requestTimeout = 0;
  const bound = await listen(server, port);
  url = `http://${LOOPBACK}:${bound}/${options.name}`;
  return { port: bound, url, stop: () => close(server) };
}
