import { readFunctionEnv, SIGNATURE_REMOVED, verifyCaller, type FunctionEnv } from "../../functions/shared";
import { parseTopology, serviceAccountEmail } from "../../topology";
import { functionEnvironment } from "../../topology/environment";
import { startTokenAuthority, type TokenAuthority } from "./support/token-authority";

// From the declaration to the check: the environment the program derives for each generation decides whether
// verifyCaller takes a token whose signature Google's front end removed (documented for Cloud Run, so 2nd gen,
// https://cloud.google.com/run/docs/troubleshooting#signature-removed; undocumented either way for 1st gen).
const TARGET = { project: "proj", region: "us-central1", projectNumber: "123456789012" };
const CALLER_SA = serviceAccountEmail("caller", TARGET.project);

let authority: TokenAuthority;
beforeAll(async () => {
  authority = await startTokenAuthority();
});
afterAll(() => authority.close());

/** The function's environment as deployed (or as the local stack overrides it), pointed at the test keys. */
function deployedEnv(generation: 1 | 2, name: "private" | "open", local = false): FunctionEnv {
  const topology = parseTopology({
    caller: { calls: ["private", "open"], generation },
    private: { invokers: ["group:developers@example.com"], generation },
    open: { invokers: ["allUsers"], generation },
  });
  return readFunctionEnv({
    ...functionEnvironment(topology, name, TARGET),
    CALLGRAPH_JWKS_URL: authority.jwksUrl,
    // local/stack.ts: the local front ends pass tokens whole, so nothing may trust a stripped one there.
    ...(local ? { CALLGRAPH_PLATFORM_VERIFIES_TOKENS: "false" } : {}),
  });
}

const strip = (token: string) => `${token.split(".").slice(0, 2).join(".")}.${SIGNATURE_REMOVED}`;

async function outcome(header: string, env: FunctionEnv): Promise<string> {
  try {
    const caller = await verifyCaller(header, env);
    return `ok ${caller.email} platformVerified=${caller.platformVerified}`;
  } catch (error) {
    return `${(error as { status: number }).status}`;
  }
}

describe.each([1, 2] as const)("gen%s", (generation) => {
  test("private function: a stripped token of a declared caller is accepted on its claims", async () => {
    const env = deployedEnv(generation, "private");
    const token = strip(await authority.mint(CALLER_SA, env.selfUrl));
    expect(await outcome(`Bearer ${token}`, env)).toBe(`ok ${CALLER_SA} platformVerified=true`);
  });

  test("private function: the claims still matter (audience, expiry, declared caller)", async () => {
    const env = deployedEnv(generation, "private");
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Promise<string>][] = [
      ["another audience", authority.mint(CALLER_SA, `${env.selfUrl}-other`)],
      ["expired", authority.mint(CALLER_SA, env.selfUrl, { iat: now - 7200, exp: now - 3600 })],
      ["undeclared account", authority.mint("intruder@proj.iam.gserviceaccount.com", env.selfUrl)],
    ];
    const results = await Promise.all(
      cases.map(async ([name, token]) => [name, await outcome(`Bearer ${strip(await token)}`, env)]),
    );
    expect(results).toEqual([
      ["another audience", "401"],
      ["expired", "401"],
      ["undeclared account", "403"],
    ]);
  });

  test("private function: a token that carries a signature is still verified", async () => {
    const env = deployedEnv(generation, "private");
    const good = await authority.mint(CALLER_SA, env.selfUrl);
    expect(await outcome(`Bearer ${good}`, env)).toBe(`ok ${CALLER_SA} platformVerified=false`);
    const [head, payload] = good.split(".");
    expect(await outcome(`Bearer ${head}.${payload}.${"A".repeat(342)}`, env)).toBe("401");
  });

  test("public function: a stripped token is refused (no IAM check verified it)", async () => {
    const env = deployedEnv(generation, "open");
    const token = strip(await authority.mint(CALLER_SA, env.selfUrl));
    expect(await outcome(`Bearer ${token}`, env)).toBe("401");
  });

  test("the local stack: a stripped token is refused even on a private function", async () => {
    const env = deployedEnv(generation, "private", true);
    const token = strip(await authority.mint(CALLER_SA, env.selfUrl));
    expect(await outcome(`Bearer ${token}`, env)).toBe("401");
  });
});
