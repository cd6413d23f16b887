import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import request from "supertest";
import {
  ADMISSION,
  CalleeError,
  CalleeRejectedError,
  CalleeTimeoutError,
  CalleeTokenError,
  CalleeUnavailableError,
  CallerVerificationError,
  createFunctionRuntime,
  errorAnswer,
  FunctionEnvError,
  HttpError,
  readFunctionEnv,
  secured,
  UndeclaredCalleeError,
  type Caller,
} from "../../functions/shared";
import { captureLogs } from "./support/function-env";
import { startTokenAuthority, type TokenAuthority } from "./support/token-authority";

let logs: ReturnType<typeof captureLogs>;
beforeAll(() => {
  logs = captureLogs();
});
afterAll(() => logs.restore());

describe("errorAnswer", () => {
  test.each<[string, unknown, number, object]>([
    ["HttpError", new HttpError(404, "no such profile"), 404, { error: "no such profile" }],
    ["401", new CallerVerificationError(401, "invalid ID token: x"), 401, { error: "invalid ID token: x" }],
    ["403", new CallerVerificationError(403, "a may not invoke b"), 403, { error: "a may not invoke b" }],
    ["timeout", new CalleeTimeoutError("profiles", 100, 3), 504, { callee: "profiles" }],
    [
      "unavailable",
      new CalleeUnavailableError("profiles", "it answered HTTP 503", 503, 3),
      503,
      { callee: "profiles" },
    ],
    [
      "no token",
      new CalleeTokenError("profiles", "https://p", new Error("metadata down")),
      503,
      { callee: "profiles" },
    ],
    ["rejected", new CalleeRejectedError("profiles", "login", 403), 502, { callee: "profiles" }],
    [
      "bad answer",
      new CalleeError("profiles answered garbage", "profiles", 200),
      502,
      { callee: "profiles" },
    ],
    ["undeclared", new UndeclaredCalleeError("billing", ["profiles"]), 500, { callee: "billing" }],
    [
      "bad environment",
      new FunctionEnvError("CALLGRAPH_CALLEES", "is not set"),
      500,
      { error: "the function is misconfigured; see its logs" },
    ],
    ["a bug", new Error("db password is hunter2"), 500, { error: "internal error; see the function's logs" }],
    ["a thrown string", "boom", 500, { error: "internal error; see the function's logs" }],
  ])("%s -> %i", (_name, error, status, body) => {
    const answer = errorAnswer(error);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject(body);
    expect(JSON.stringify(answer.body)).not.toContain("hunter2");
  });

  test("a 401 tells the client which scheme to use", () => {
    expect(errorAnswer(new CallerVerificationError(401, "x")).headers).toEqual({
      "www-authenticate": 'Bearer error="invalid_token"',
    });
  });

  test("callee errors name the callee and say how to fix", () => {
    expect(errorAnswer(new UndeclaredCalleeError("billing", ["profiles"])).body.error).toBe(
      '"billing" is not a declared callee of this function (declared: "profiles"). ' +
        "Add it to this function's `calls` in the stack config (callgraph:functions) and run `pulumi up`.",
    );
  });
});

describe("secured", () => {
  const env = readFunctionEnv({
    CALLGRAPH_FUNCTION: "probe",
    CALLGRAPH_SELF_URL: "https://us-central1-proj.cloudfunctions.net/probe",
    CALLGRAPH_CALLEES: "{}",
    CALLGRAPH_INVOKERS: "[]",
  });
  const runtime = createFunctionRuntime(env, { fetchIdToken: () => Promise.reject(new Error("unused")) });
  const seen: Caller[] = [];
  const caller: Caller = { email: "dev@example.com", kind: "user", platformVerified: false };

  beforeAll(() => {
    // A stubbed verification: the handler gets what it returns, and refusals stop before the handler.
    const verify = async ({ authorization }: { authorization?: string }) => {
      if (authorization !== "Bearer good") throw new CallerVerificationError(401, "no");
      return caller;
    };
    const handler = secured(
      (req, res, context) => {
        seen.push(context.caller);
        if (req.query.fail === "late") {
          res.status(200).write("partial");
          throw new Error("after the headers");
        }
        res.json({ who: context.caller.email, fn: context.env.functionName });
      },
      { runtime: () => runtime, verify },
    );
    functions.http("secured-probe", handler);
  });

  test("the handler runs with the verified caller and the runtime", async () => {
    const res = await request(getTestServer("secured-probe")).get("/").set("authorization", "Bearer good");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ who: "dev@example.com", fn: "probe" });
    expect(seen).toEqual([caller]);
  });

  test("a refused caller never reaches the handler", async () => {
    const res = await request(getTestServer("secured-probe")).get("/");
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(1);
  });

  test("an error after the answer started ends it instead of crashing", async () => {
    const res = await request(getTestServer("secured-probe"))
      .get("/?fail=late")
      .set("authorization", "Bearer good");
    expect(res.status).toBe(200);
    expect(res.text).toBe("partial");
  });
});

describe("admission answers a warm caller without a promise", () => {
  let authority: TokenAuthority;
  beforeAll(async () => {
    authority = await startTokenAuthority();
  });
  afterAll(() => authority.close());
  const CALLER_SA = "fn-caller@proj.iam.gserviceaccount.com";
  const OUTSIDER_SA = "fn-outsider@proj.iam.gserviceaccount.com";
  const SELF = "https://us-central1-proj.cloudfunctions.net/probe";

  test("a token's first request waits for its check; the next ones with its bytes are decided at once, grant or refusal", async () => {
    const env = readFunctionEnv({
      CALLGRAPH_FUNCTION: "probe",
      CALLGRAPH_SELF_URL: SELF,
      CALLGRAPH_CALLEES: "{}",
      CALLGRAPH_INVOKERS: JSON.stringify([`serviceAccount:${CALLER_SA}`]),
      CALLGRAPH_WARM_START: "false",
      CALLGRAPH_JWKS_URL: authority.jwksUrl,
    });
    const runtime = createFunctionRuntime(env, { fetchIdToken: () => Promise.reject(new Error("unused")) });
    const fn = secured((_req, res) => void res.status(204).end(), { runtime: () => runtime });
    const head = (token: string) => ({ method: "GET", headers: { authorization: `Bearer ${token}` } });
    const caller = await authority.mint(CALLER_SA, SELF);
    const outsider = await authority.mint(OUTSIDER_SA, SELF);

    const first = fn[ADMISSION].admit(head(caller));
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBeUndefined();
    expect(fn[ADMISSION].admit(head(caller))).toBeUndefined(); // not a promise: admitted at once

    expect((await fn[ADMISSION].admit(head(outsider)))?.status).toBe(403);
    const refused = fn[ADMISSION].admit(head(outsider));
    expect(refused).not.toBeInstanceOf(Promise);
    expect((refused as { status: number }).status).toBe(403);

    // A malformed token is refused from the headers alone, at once too; a forged one always waits for its check.
    expect((fn[ADMISSION].admit(head("a.b")) as { status: number }).status).toBe(401);
    const [h, p] = caller.split(".");
    const forged = fn[ADMISSION].admit(head(`${h}.${p}.${Buffer.from("forged").toString("base64url")}`));
    expect(forged).toBeInstanceOf(Promise);
    expect((await forged)?.status).toBe(401);
  });
});

describe("a request the host admitted is not verified twice", () => {
  const env = readFunctionEnv({
    CALLGRAPH_FUNCTION: "probe",
    CALLGRAPH_SELF_URL: "https://us-central1-proj.cloudfunctions.net/probe",
    CALLGRAPH_CALLEES: "{}",
    CALLGRAPH_INVOKERS: '["user:dev@example.com"]',
    CALLGRAPH_WARM_START: "false",
  });
  const runtime = createFunctionRuntime(env, { fetchIdToken: () => Promise.reject(new Error("unused")) });
  const caller: Caller = { email: "dev@example.com", kind: "user", platformVerified: false };

  test("the handler gets the admitted caller for that request's own headers, and verifies any other request", async () => {
    const verify = jest.fn(async () => caller);
    const seen: Caller[] = [];
    const fn = secured(
      (_req, res, context) => {
        seen.push(context.caller);
        res.status(204).end();
      },
      { runtime: () => runtime, verify },
    );
    const admitted = { authorization: "Bearer a.b.c" };
    expect(await fn[ADMISSION].admit({ method: "GET", headers: admitted })).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(1);
    const res = { status: () => res, end: () => res, headersSent: false } as never;
    await fn({ method: "GET", headers: admitted } as never, res);
    expect(verify).toHaveBeenCalledTimes(1);
    // The same header values in another request (another object) are verified on their own.
    await fn({ method: "GET", headers: { ...admitted } } as never, res);
    expect(verify).toHaveBeenCalledTimes(2);
    expect(seen).toEqual([caller, caller]);
  });

  test("a refused admission remembers nothing: the handler verifies (and refuses) again", async () => {
    const verify = jest.fn(async () => {
      throw new CallerVerificationError(401, "invalid ID token: x");
    });
    const handler = jest.fn();
    const fn = secured(handler, { runtime: () => runtime, verify });
    const headers = { authorization: "Bearer a.b.c" };
    expect((await fn[ADMISSION].admit({ method: "GET", headers }))?.status).toBe(401);
    const sent: number[] = [];
    const res = {
      headersSent: false,
      status(code: number) {
        sent.push(code);
        return res;
      },
      set: () => res,
      setHeader: () => res,
      json: () => res,
      send: () => res,
      end: () => res,
    };
    await fn({ method: "GET", headers } as never, res as never);
    expect(verify).toHaveBeenCalledTimes(2);
    expect(handler).not.toHaveBeenCalled();
  });
});
