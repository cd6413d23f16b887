import {
  CallerVerificationError,
  DEFAULT_MAX_HOPS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_TOKEN_ISSUERS,
  DEFAULT_USER_AUDIENCES,
  tokenHeadersOf,
  verifyCaller,
  type FunctionEnv,
} from "../../../functions/shared";
import { json, startServer, type TestServer } from "./loopback";

export type CalleeMode = "normal" | "forbidden" | "failing" | "hanging" | "garbage";

/** What the callee answers a verified call in "normal" mode: a status and a JSON body. */
export type CalleeAnswer = (query: URLSearchParams) => { readonly status: number; readonly body: unknown };

export interface FakeCalleeOptions {
  /** The callee's name in the call graph; its URL is `<origin>/<name>`. */
  readonly name: string;
  readonly jwksUrl: string;
  /** The one service account allowed to call it, as the invoker grant would allow. */
  readonly callerSa: string;
  readonly answer: CalleeAnswer;
}

export type FakeCallee = TestServer & { readonly url: string; mode: CalleeMode };

/**
 * A loopback callee that verifies each caller with the real `verifyCaller` (so the token a function sends must
 * pass a callee's own checks) and answers with `answer`, or misbehaves as `mode` says. Any function's tests can
 * stand it in for the function their code calls.
 */
export async function startFakeCallee(options: FakeCalleeOptions): Promise<FakeCallee> {
  const state: { mode: CalleeMode; env?: FunctionEnv } = { mode: "normal" };
  const server = await startServer(async (req, res) => {
    if (state.mode === "hanging") return;
    if (state.mode === "failing") return json(res, 503, { error: "down for maintenance" });
    if (state.mode === "forbidden") return json(res, 403, { error: "Forbidden" });
    if (state.mode === "garbage") return json(res, 200, { unexpected: true });
    try {
      await verifyCaller(tokenHeadersOf(req.headers), state.env!);
    } catch (error) {
      return json(res, error instanceof CallerVerificationError ? error.status : 500, {
        error: String(error),
      });
    }
    const { status, body } = options.answer(new URL(req.url, "http://x").searchParams);
    return json(res, status, body);
  });
  const url = `${server.origin}/${options.name}`;
  state.env = {
    functionName: options.name,
    selfUrl: url,
    callees: {},
    invokers: [`serviceAccount:${options.callerSa}`],
    jwksUrl: options.jwksUrl,
    tokenIssuers: DEFAULT_TOKEN_ISSUERS,
    userAudiences: DEFAULT_USER_AUDIENCES,
    callTimeoutMs: 1000,
    callRetries: 0,
    platformVerifiesTokens: false,
    maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
    attachTokens: true,
    warmStart: false,
    maxHops: DEFAULT_MAX_HOPS,
  };
  // defineProperty, not Object.assign: assign would copy the getter's value, not the accessor.
  return Object.defineProperties(server as FakeCallee, {
    url: { value: url },
    mode: { get: () => state.mode, set: (mode: CalleeMode) => void (state.mode = mode) },
  });
}
