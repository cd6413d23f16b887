import {
  CallerVerificationError,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_TOKEN_ISSUERS,
  DEFAULT_USER_AUDIENCES,
  verifyCaller,
  type FunctionEnv,
} from "../../../functions/shared";
import { findProfile, searchProfiles } from "../../../functions/profiles/directory";
import { json, startServer, type TestServer } from "./loopback";

export type ProfilesMode = "normal" | "forbidden" | "failing" | "hanging" | "garbage";

/**
 * A loopback `profiles` that verifies each caller with the real `verifyCaller` (so the token a function sends
 * must pass a callee's own checks) and answers from the real directory, or misbehaves as `mode` says.
 */
export async function startFakeProfiles(
  jwksUrl: string,
  callerSa: string,
): Promise<TestServer & { url: string; mode: ProfilesMode }> {
  const state: { mode: ProfilesMode; env?: FunctionEnv } = { mode: "normal" };
  const server = await startServer(async (req, res) => {
    if (state.mode === "hanging") return;
    if (state.mode === "failing") return json(res, 503, { error: "down for maintenance" });
    if (state.mode === "forbidden") return json(res, 403, { error: "Forbidden" });
    if (state.mode === "garbage") return json(res, 200, { unexpected: true });
    try {
      await verifyCaller(req.headers.authorization, state.env!);
    } catch (error) {
      return json(res, error instanceof CallerVerificationError ? error.status : 500, {
        error: String(error),
      });
    }
    const query = new URL(req.url, "http://x").searchParams;
    const username = query.get("username");
    if (username) {
      const profile = findProfile(username);
      return profile ? json(res, 200, profile) : json(res, 404, { error: "no profile" });
    }
    return json(res, 200, { results: searchProfiles(query.get("q") ?? "") });
  });
  const url = `${server.origin}/profiles`;
  state.env = {
    functionName: "profiles",
    selfUrl: url,
    callees: {},
    invokers: [`serviceAccount:${callerSa}`],
    jwksUrl,
    tokenIssuers: DEFAULT_TOKEN_ISSUERS,
    userAudiences: DEFAULT_USER_AUDIENCES,
    callTimeoutMs: 1000,
    callRetries: 0,
    platformVerifiesTokens: false,
    maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
    attachTokens: true,
  };
  // defineProperty, not Object.assign: assign would copy the getter's value, not the accessor.
  return Object.defineProperties(server as TestServer & { url: string; mode: ProfilesMode }, {
    url: { value: url },
    mode: { get: () => state.mode, set: (mode: ProfilesMode) => void (state.mode = mode) },
  });
}
