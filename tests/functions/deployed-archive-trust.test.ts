import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateKeyPair, SignJWT } from "jose";
import type { GraphFunction } from "../../engine";
import { SIGNATURE_REMOVED, withoutSignature } from "../../iam";
import { FunctionProcess } from "../../local/function-process";
import { freePort } from "../../local/listen";
import { BASE_CONFIG, evaluateFixture, SECOND_GEN_CONFIG } from "../fixtures";
import { googleClaims, startTokenAuthority, type TokenAuthority } from "./support/token-authority";

// Issue 18, "What must hold": the code the program deploys, run from the archive it uploads, with the environment it
// registers for the function (plus a stand-in for Google's key set, CALLGRAPH_JWKS_URL), served over HTTP on loopback
// by the local function host (the Functions Framework's server, bound to 127.0.0.1). Requests carry their tokens as
// they reach the code after the platform: beta is private, so the program tells it CALLGRAPH_PLATFORM_VERIFIES_TOKENS,
// and a service account must still prove itself with a signature that verifies.

const GENERATIONS = [
  [1, BASE_CONFIG],
  [2, SECOND_GEN_CONFIG],
] as const;

interface Deployed {
  readonly fn: GraphFunction;
  /** alpha's account: a declared caller of beta. */
  readonly caller: string;
  readonly url: string;
  stop(): Promise<void>;
}

/** Beta as the program deploys it (alpha and gamma call it), running from its archive. */
async function deployBeta(
  config: Readonly<Record<string, unknown>>,
  authority: TokenAuthority,
): Promise<Deployed> {
  const evaluation = await evaluateFixture({ config });
  const fn = evaluation.graph.functions.find((f) => f.name === "beta")!;
  const caller = evaluation.graph.functions.find((f) => f.name === "alpha")!.serviceAccount;
  if (!fn.archivePath) throw new Error("the program registered no archive for beta");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-deployed-"));
  const port = await freePort();
  const logs: string[] = [];
  const process = new FunctionProcess({
    name: fn.name,
    archivePath: fn.archivePath,
    entryPoint: fn.entryPoint,
    // The program's environment, unchanged, and where the stand-in key set is published.
    env: { ...fn.environment, CALLGRAPH_JWKS_URL: authority.jwksUrl },
    port,
    workDir: path.join(work, fn.name),
    restartDelayMs: 100,
    log: (line) => logs.push(line),
  });
  await process.start();
  return {
    fn,
    caller,
    url: `http://127.0.0.1:${port}/?from=alpha`,
    stop: async () => {
      await process.stop();
      fs.rmSync(work, { recursive: true, force: true });
      // Nothing the function logged may carry a token.
      for (const token of authority.issued)
        for (const line of logs) expect(line).not.toContain(token.split(".")[2]);
    },
  };
}

const bearer = (token: string) => `Bearer ${token}`;

describe.each(GENERATIONS)("gen%s: the deployed beta, run from its archive", (generation, config) => {
  let authority: TokenAuthority;
  let beta: Deployed;
  beforeAll(async () => {
    authority = await startTokenAuthority();
    beta = await deployBeta(config, authority);
  }, 30_000);
  afterAll(async () => {
    await beta?.stop();
    await authority?.close();
  });

  /** beta's answer to a GET with these headers: its status and JSON body. */
  const call = async (headers: Record<string, string>) => {
    const res = await fetch(beta.url, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const admitted = (caller: string) => ({
    status: 200,
    body: { function: "beta", caller, platformVerified: false, from: "alpha" },
  });
  const signed = () => authority.mint(beta.caller, beta.fn.environment.CALLGRAPH_SELF_URL);

  test("is deployed as the attacks assume: private, its platform trusted, alpha a declared caller", () => {
    expect(beta.fn.generation).toBe(generation);
    expect(beta.fn.environment.CALLGRAPH_PLATFORM_VERIFIES_TOKENS).toBe("true");
    expect(JSON.parse(beta.fn.environment.CALLGRAPH_INVOKERS)).toContain(`serviceAccount:${beta.caller}`);
  });

  test("a declared caller's signed token alone in Authorization is admitted", async () => {
    expect(await call({ authorization: bearer(await signed()) })).toEqual(admitted(beta.caller));
  });

  test("a declared caller's signed token is admitted beside its stripped twin in X-Serverless-Authorization (Cloud Run checked and stripped that one)", async () => {
    const token = await signed();
    expect(
      await call({
        "x-serverless-authorization": bearer(withoutSignature(token)),
        authorization: bearer(token),
      }),
    ).toEqual(admitted(beta.caller));
  });

  test("a declared caller's signed token in X-Serverless-Authorization beside its stripped twin in Authorization is admitted (whichever copy the platform strips)", async () => {
    const token = await signed();
    expect(
      await call({
        "x-serverless-authorization": bearer(token),
        authorization: bearer(withoutSignature(token)),
      }),
    ).toEqual(admitted(beta.caller));
  });

  test("an unsigned token claiming a declared caller (made up without a key, signature SIGNATURE_REMOVED_BY_GOOGLE) is refused, in either header or both", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "RS256", kid: authority.kid, typ: "JWT" })).toString(
      "base64url",
    );
    const claims = Buffer.from(
      JSON.stringify(googleClaims(beta.caller, beta.fn.environment.CALLGRAPH_SELF_URL)),
    ).toString("base64url");
    const forged = bearer(`${header}.${claims}.${SIGNATURE_REMOVED}`);
    const answers = [
      await call({ authorization: forged }),
      await call({ "x-serverless-authorization": forged }),
      await call({ "x-serverless-authorization": forged, authorization: forged }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatch(/an unsigned token never proves a service account/);
    }
  });

  test.each([
    ["a user", "mallory@example.com"],
    ["an undeclared service account", "fn-mallory@callgraph-dev.iam.gserviceaccount.com"],
  ])(
    "an outsider's (%s) stripped token in X-Serverless-Authorization beside a declared caller's signed token in Authorization is refused",
    async (_who, outsider) => {
      const own = await authority.mint(outsider, beta.fn.environment.CALLGRAPH_SELF_URL);
      const answer = await call({
        "x-serverless-authorization": bearer(withoutSignature(own)),
        authorization: bearer(await signed()),
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatch(/the tokens in X-Serverless-Authorization and Authorization differ/);
    },
  );

  test("a token signed by another key, claiming a declared caller, is refused (under the key set's kid or its own)", async () => {
    const stranger = await generateKeyPair("RS256");
    const claims = googleClaims(beta.caller, beta.fn.environment.CALLGRAPH_SELF_URL);
    for (const kid of [authority.kid, "not-a-google-key"]) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .sign(stranger.privateKey);
      // Alone, and as Cloud Run hands it on: the checked copy stripped, the other one as it came.
      const presentations: Record<string, string>[] = [
        { authorization: bearer(token) },
        { "x-serverless-authorization": bearer(withoutSignature(token)), authorization: bearer(token) },
      ];
      for (const headers of presentations) {
        const answer = await call(headers);
        expect([kid, answer.status]).toEqual([kid, 401]);
        expect(answer.body.error).toMatch(/^invalid ID token: /);
      }
    }
  });
});
