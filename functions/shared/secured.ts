import type { IncomingHttpHeaders } from "node:http";
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import { LOOP_DETECTED, type DownstreamClient } from "./downstream-client";
import { FunctionEnvError, type FunctionEnv } from "./env";
import {
  CalleeError,
  CalleeTimeoutError,
  CalleeTokenError,
  CalleeUnavailableError,
  CallerVerificationError,
  HopLimitError,
  UndeclaredCalleeError,
} from "./errors";
import { incomingHops } from "./hops";
import { ADMISSION, bodyRefusal, checkHead, type Admission, type RequestHead } from "./admission";
import { HttpError, sendJson } from "./http";
import { log } from "./log";
import { functionRuntime, startFunctionRuntime, type FunctionRuntime } from "./runtime";
import type { TokenHeaders } from "../../iam/id-token";
import { callerNowOrLater, tokenHeadersOf, type Caller } from "./verify-caller";

/**
 * What a secured handler gets besides the request: the verified caller and the process's runtime. `C` is the
 * callee names `downstream.call` accepts (see {@link secured}).
 */
export interface HandlerContext<C extends string = string> {
  readonly caller: Caller;
  readonly env: FunctionEnv;
  /**
   * The process's client as this request sees it (`DownstreamClient.forRequest`): its calls carry the request's hop
   * count plus one, so a call loop in the code is cut at the hop limit (hops.ts).
   */
  readonly downstream: DownstreamClient<C>;
}

export type SecuredHandler<C extends string = string> = (
  req: Request,
  res: Response,
  context: HandlerContext<C>,
) => Promise<void> | void;

export interface SecuredOptions {
  /** Defaults to the process's runtime (`functionRuntime`). */
  readonly runtime?: () => FunctionRuntime;
  /** Defaults to `verifyCaller`, answering a warm caller at once (`callerNowOrLater`); tests may stub it. */
  readonly verify?: (headers: TokenHeaders, env: FunctionEnv) => Promise<Caller>;
  /** One line telling a caller how to call the function, sent with answers about a body it cannot use. */
  readonly usage?: string;
}

/** A JSON error answer. */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: {
    readonly error: string;
    readonly callee?: string;
    readonly usage?: string;
    /** For a chain cut at the hop limit (508): its length, in calls between functions, where it was cut. */
    readonly hops?: number;
  };
  readonly headers?: Readonly<Record<string, string>>;
}

/** A secured handler, as the framework sees it, with its `Admission` for the process that hosts it. */
export type SecuredFunction = HttpFunction & { readonly [ADMISSION]: Admission };

const DEFAULT_USAGE = "send a UTF-8 JSON body with Content-Type: application/json, or no body";

/**
 * Wraps a handler: verifies the caller first, then runs it, and turns every error into a JSON answer that
 * names what failed without leaking internals. The result also carries an `Admission` (under `ADMISSION`): the
 * same caller check and body limit from the request's head alone, for a host that can run them before the
 * framework reads the body (on Google, the front end does that before the code runs).
 *
 * `secured<Callee>(…)`, with the `Callee` type generated from the function's declared `calls`
 * (`callees.generated.ts`), types `downstream.call` so that calling an undeclared function does not compile.
 * The runtime's client is the same object either way: the type narrows what the handler may write, and the
 * client still refuses an undeclared name at run time.
 */
export function secured<C extends string = string>(
  handler: SecuredHandler<C>,
  options: SecuredOptions = {},
): SecuredFunction {
  const runtimeOf = options.runtime ?? functionRuntime;
  // Warm start: the handler is created when its module loads, before the framework listens, so the runtime (and
  // with it the callees' tokens and the signing keys) starts fetching now, synchronously. Not deferred to the next
  // tick: the key set's fetch call loads Node's HTTP client (undici, ~36 ms here) and a deferred start ran it after
  // the port opened, on the CPU a first request needed (bench section 11: the first call 65 ms slower, median).
  if (!options.runtime) startFunctionRuntime();
  // Without a stub, a warm caller's token is decided without an await (callerNowOrLater): the framework's domains
  // and async context track each promise a request creates, about a fifth of what verification cost per request
  // (bench section 2).
  const verify: (headers: TokenHeaders, env: FunctionEnv) => Caller | Promise<Caller> =
    options.verify ?? callerNowOrLater;
  const usage = options.usage ?? DEFAULT_USAGE;
  // The caller the host's admission verified for a request, by the request's own headers object (the host hands
  // the framework the same request): the handler then does not verify the same headers a second time. Keyed by
  // object identity, so nothing a client sends can reach another request's entry, and gone with the request.
  const admitted = new WeakMap<object, Caller>();
  const run: HttpFunction = async (req: Request, res: Response): Promise<void> => {
    try {
      const { env, downstream } = runtimeOf();
      const known = admitted.get(req.headers) ?? verifiedCaller(req.headers, env);
      const caller = isPromise(known) ? await known : known;
      checkHead(req, env);
      // Past the hop limit, refused here: the handler never runs, so it cannot call on.
      const hops = incomingHops(req.headers, env.maxHops, env.functionName);
      await handler(req, res, { caller, env, downstream: downstream.forRequest(hops) });
    } catch (error) {
      const answer = errorAnswer(error);
      if (res.headersSent) {
        res.end(); // too late to change the status; the log says what happened
        return;
      }
      sendJson(res, answer.status, answer.body, answer.headers);
    }
  };
  const verifiedCaller = (headers: IncomingHttpHeaders, env: FunctionEnv): Caller | Promise<Caller> =>
    verify(tokenHeadersOf(headers), env);
  // Defined once, not per request: the bundle keeps function names (esbuild's keepNames), so every closure made per
  // request also costs a property definition.
  const admitCaller = (head: RequestHead, caller: Caller, env: FunctionEnv): ErrorAnswer | undefined => {
    try {
      checkHead(head, env);
      incomingHops(head.headers, env.maxHops, env.functionName);
      admitted.set(head.headers, caller);
      return undefined;
    } catch (error) {
      return errorAnswer(error);
    }
  };
  const admission: Admission = {
    admit(head) {
      try {
        const { env } = runtimeOf();
        const caller = verifiedCaller(head.headers, env);
        return isPromise(caller)
          ? Promise.resolve(caller).then((verified) => admitCaller(head, verified, env), errorAnswer)
          : admitCaller(head, caller, env);
      } catch (error) {
        return errorAnswer(error);
      }
    },
    maxBodyBytes() {
      try {
        return runtimeOf().env.maxRequestBytes;
      } catch {
        return undefined; // `admit` answers 500 and logs the bad environment
      }
    },
    bodyRefusal: (error) => bodyRefusal(error, usage),
  };
  return Object.assign(run, { [ADMISSION]: admission });
}

function isPromise<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === "function";
}

/** The answer for an error thrown by verification or a handler, logged at the right severity. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpError)
    return { status: error.status, body: { error: error.message }, headers: error.headers };
  if (error instanceof CallerVerificationError) {
    log("WARNING", `caller refused: ${error.message}`, { status: error.status });
    const headers: Record<string, string> =
      error.status === 401 ? { "www-authenticate": 'Bearer error="invalid_token"' } : {};
    return { status: error.status, body: { error: error.message }, headers };
  }
  if (error instanceof HopLimitError) {
    // 508, not 502/503: those are retried, and retries at every level of a loop multiply it (downstream-client.ts).
    log("WARNING", error.message, { hops: error.hops, callee: error.callee });
    const body = {
      error: error.message,
      ...(error.hops === undefined ? {} : { hops: error.hops }),
      ...(error.callee === undefined ? {} : { callee: error.callee }),
    };
    return { status: LOOP_DETECTED, body };
  }
  if (error instanceof CalleeTokenError) {
    log("ERROR", error.message, { callee: error.callee, audience: error.audience, detail: error.detail });
    return { status: 503, body: { error: error.message, callee: error.callee } };
  }
  if (error instanceof CalleeError) {
    log("ERROR", error.message, { callee: error.callee, calleeStatus: error.status });
    return { status: calleeStatus(error), body: { error: error.message, callee: error.callee } };
  }
  if (error instanceof FunctionEnvError) {
    log("ERROR", `function misconfigured: ${error.message}`);
    return { status: 500, body: { error: "the function is misconfigured; see its logs" } };
  }
  // Anything else is a bug: the log has it, the caller gets no internals.
  log(
    "ERROR",
    `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return { status: 500, body: { error: "internal error; see the function's logs" } };
}

function calleeStatus(error: CalleeError): number {
  if (error instanceof CalleeTimeoutError) return 504;
  if (error instanceof CalleeUnavailableError) return 503;
  if (error instanceof UndeclaredCalleeError) return 500;
  // CalleeRejectedError (the graph and the code disagree) or an unusable answer: a bad gateway, not a bad request.
  return 502;
}
