import { readFunctionEnv, SIGNATURE_REMOVED, verifyCaller, type FunctionEnv } from "../../functions/shared";
import type { TokenHeaders } from "../../iam";
import { parseTopology, serviceAccountEmail } from "../../topology";
import { functionEnvironment } from "../../topology/environment";
import { startTokenAuthority, type TokenAuthority } from "./support/token-authority";

// From the declaration to the check: the environment the program derives for each generation decides whether
// verifyCaller takes a token whose signature Google's front end removed (documented for Cloud Run, so 2nd gen,
// https://cloud.google.com/run/docs/troubleshooting#signature-removed; undocumented either way for 1st gen): only a
// user's, only where Google's IAM check fronts the function. A service account needs a signature that verifies.
const TARGET = { project: "proj", region: "us-central1", projectNumber: "123456789012" };
const CALLER_SA = serviceAccountEmail("caller", TARGET.project);

let authority: TokenAuthority;
beforeAll(async () => {
  authority = await startTokenAuthority();
});
afterAll(() => authority.close());

/** The function's environment as deployed, pointed at the test keys. */
function deployedEnv(generation: 1 | 2, name: "private" | "open"): FunctionEnv {
  const topology = parseTopology({
    caller: { calls: ["private", "open"], generation },
    private: { invokers: ["group:developers@example.com"], generation },
    open: { invokers: ["allUsers"], generation },
  });
  return readFunctionEnv({
    ...functionEnvironment(topology, name, TARGET),
    CALLGRAPH_JWKS_URL: authority.jwksUrl,
  });
}

const strip = (token: string) => `${token.split(".").slice(0, 2).join(".")}.${SIGNATURE_REMOVED}`;
const DEVELOPER = "developers@example.com";

async function outcome(headers: TokenHeaders | string, env: FunctionEnv): Promise<string> {
  try {
    const caller = await verifyCaller(
      typeof headers === "string" ? { authorization: headers } : headers,
      env,
    );
    return `ok ${caller.email} platformVerified=${caller.platformVerified}`;
  } catch (error) {
    return `${(error as { status: number }).status}`;
  }
}

describe.each([1, 2] as const)("gen%s", (generation) => {
  test("private function: a stripped token of a declared caller (a service account) is refused", async () => {
    const env = deployedEnv(generation, "private");
    expect(env.platformVerifiesTokens).toBe(true);
    const token = strip(await authority.mint(CALLER_SA, env.selfUrl));
    expect(await outcome(`Bearer ${token}`, env)).toBe("401");
  });

  test("private function: the caller's signed token is admitted, alone or beside its stripped twin", async () => {
    const env = deployedEnv(generation, "private");
    const token = await authority.mint(CALLER_SA, env.selfUrl);
    expect(await outcome(`Bearer ${token}`, env)).toBe(`ok ${CALLER_SA} platformVerified=false`);
    expect(
      await outcome(
        { serverlessAuthorization: `Bearer ${strip(token)}`, authorization: `Bearer ${token}` },
        env,
      ),
    ).toBe(`ok ${CALLER_SA} platformVerified=false`);
  });

  test("private function: a developer's stripped token (gcloud's, after Google's check) is accepted on its claims", async () => {
    const env = deployedEnv(generation, "private");
    const token = strip(await authority.mint(DEVELOPER, "32555940559.apps.googleusercontent.com"));
    expect(await outcome(`bearer ${token}`, env)).toBe(`ok ${DEVELOPER} platformVerified=true`);
  });

  test("private function: the claims of a stripped token still matter (audience, expiry)", async () => {
    const env = deployedEnv(generation, "private");
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Promise<string>][] = [
      ["another audience", authority.mint(DEVELOPER, `${env.selfUrl}-other`)],
      ["expired", authority.mint(DEVELOPER, env.selfUrl, { iat: now - 7200, exp: now - 3600 })],
    ];
    const results = await Promise.all(
      cases.map(async ([name, token]) => [name, await outcome(`Bearer ${strip(await token)}`, env)]),
    );
    expect(results).toEqual([
      ["another audience", "401"],
      ["expired", "401"],
    ]);
  });

  test("private function: a token that carries a signature is still verified", async () => {
    const env = deployedEnv(generation, "private");
    const good = await authority.mint(CALLER_SA, env.selfUrl);
    const [head, payload] = good.split(".");
    expect(await outcome(`Bearer ${head}.${payload}.${"A".repeat(342)}`, env)).toBe("401");
  });

  test("public function: a stripped token is refused (no IAM check verified it)", async () => {
    const env = deployedEnv(generation, "open");
    expect(env.platformVerifiesTokens).toBe(false);
    const token = strip(await authority.mint(DEVELOPER, env.selfUrl));
    expect(await outcome(`Bearer ${token}`, env)).toBe("401");
  });
});
