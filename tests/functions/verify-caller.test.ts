import { createHmac, createPublicKey } from "node:crypto";
import { generateKeyPair, SignJWT, type JWTPayload } from "jose";
import {
  CallerVerificationError,
  DEFAULT_MAX_HOPS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_TOKEN_ISSUERS,
  DEFAULT_USER_AUDIENCES,
  SIGNATURE_REMOVED,
  verifyCaller,
  type Caller,
  type FunctionEnv,
  type VerifyCallerOptions,
} from "../../functions/shared";
import type { TokenHeaders } from "../../iam";
import { decodeClaims, presentedToken } from "../../iam/id-token";
import { callerNowOrLater } from "../../functions/shared/verify-caller";
import { refusedOrigin } from "./support/loopback";
import { googleClaims, startTokenAuthority, type TokenAuthority } from "./support/token-authority";

const SELF = "https://us-central1-proj.cloudfunctions.net/profiles";
const LOGIN_SA = "fn-login@proj.iam.gserviceaccount.com";
const SEARCH_SA = "fn-search@proj.iam.gserviceaccount.com";
const GCLOUD = DEFAULT_USER_AUDIENCES[0];
const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

let authority: TokenAuthority;
let env: FunctionEnv;

beforeAll(async () => {
  authority = await startTokenAuthority();
  env = {
    functionName: "profiles",
    selfUrl: SELF,
    callees: {},
    invokers: [`serviceAccount:${LOGIN_SA}`, "group:developers@example.com"],
    jwksUrl: authority.jwksUrl,
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
});

afterAll(() => authority.close());

/**
 * `verifyCaller`, and `callerNowOrLater` on the same headers right after: the path without an await (a remembered
 * signature, a stripped copy, no token) must reach the very answer the awaited one gave, and may still wait (a
 * promise) only where no verdict could be remembered. Every case of this file runs both.
 */
async function verifiedTwice(
  headers: TokenHeaders,
  e: FunctionEnv,
  opts?: VerifyCallerOptions,
): Promise<Caller> {
  const settle = <T>(answer: Promise<T>) =>
    answer.then(
      (caller) => ({ caller }),
      (error: unknown) => ({ error }),
    );
  const slow = await settle(verifyCaller(headers, e, opts));
  let now: { caller?: unknown; error?: unknown; waited?: boolean };
  try {
    const answer = callerNowOrLater(headers, e, opts);
    now = answer instanceof Promise ? { ...(await settle(answer)), waited: true } : { caller: answer };
  } catch (error) {
    now = { error };
  }
  if ("caller" in slow) {
    // It waits only for a verdict that cannot be remembered: keys given directly, or a token expiring within the skew.
    if (now.waited) expect(!opts?.jwks && rememberable(headers)).toBe(false);
    expect(now.caller).toEqual(slow.caller);
    return slow.caller;
  }
  const failed = slow.error as CallerVerificationError;
  const error = now.error as CallerVerificationError;
  expect([error?.status, error?.message]).toEqual([failed.status, failed.message]);
  throw failed;
}

/** `callerNowOrLater`'s answer when it has one at once; undefined when it waits for a signature's check. */
function atOnce(headers: TokenHeaders, e: FunctionEnv, opts?: VerifyCallerOptions): Caller | undefined {
  const answer = callerNowOrLater(headers, e, opts);
  if (!(answer instanceof Promise)) return answer;
  answer.catch(() => undefined); // its outcome is verifyCaller's, tested apart
  return undefined;
}

/** Whether the headers' signed copy has an `exp` still ahead, as a remembered verdict needs. */
function rememberable(headers: TokenHeaders): boolean {
  const presented = presentedToken(headers);
  const exp =
    presented.kind === "token" && presented.signed ? decodeClaims(presented.signed.token)?.exp : undefined;
  return typeof exp === "number" && exp * 1000 > Date.now();
}

const bearer = (token: string) => `Bearer ${token}`;
const auth = (authorization: string): TokenHeaders => ({ authorization });
const withInvokers = (invokers: string[]): FunctionEnv => ({ ...env, invokers });
/** The token as Cloud Run hands it to the code after checking it. */
const signatureRemoved = (token: string) => `${token.split(".").slice(0, 2).join(".")}.${SIGNATURE_REMOVED}`;

/** A request's token headers: `Authorization` alone, or both. */
type Headers = string | undefined | TokenHeaders;
const headersOf = (h: Headers): TokenHeaders => (typeof h === "object" ? h : { authorization: h });

/** The error `verifyCaller` must throw. */
async function rejection(header: Headers, e: FunctionEnv = env): Promise<CallerVerificationError> {
  const outcome = await verifiedTwice(headersOf(header), e).catch((error: unknown) => error);
  if (outcome instanceof CallerVerificationError) return outcome;
  throw new Error(`expected a CallerVerificationError, got ${JSON.stringify(outcome)}`);
}

async function status(header: Headers, e: FunctionEnv = env): Promise<number | "ok"> {
  try {
    await verifiedTwice(headersOf(header), e);
    return "ok";
  } catch (error) {
    if (error instanceof CallerVerificationError) return error.status;
    throw error;
  }
}

describe("verifyCaller accepts", () => {
  test("a declared service account's token for this function's URL", async () => {
    expect(await verifiedTwice(auth(bearer(await authority.mint(LOGIN_SA, SELF))), env)).toEqual({
      email: LOGIN_SA,
      kind: "serviceAccount",
      platformVerified: false,
    });
  });

  test.each<[string, () => Promise<string>]>([
    ["a user's token for this URL (a group is an invoker)", () => authority.mint("dev@example.com", SELF)],
    ["a user's token for gcloud's audience", () => authority.mint("dev@example.com", GCLOUD)],
    [
      "issuer accounts.google.com without scheme",
      () => authority.mint("dev@example.com", SELF, { iss: "accounts.google.com" }),
    ],
    [
      'email_verified as the string "true"',
      () => authority.mint("dev@example.com", SELF, { email_verified: "true" }),
    ],
    [
      "expired 10 s ago (within the skew)",
      () => authority.mint("dev@example.com", SELF, { exp: Math.floor(Date.now() / 1000) - 10 }),
    ],
    [
      "nbf 10 s ahead (within the skew)",
      () => authority.mint("dev@example.com", SELF, { nbf: Math.floor(Date.now() / 1000) + 10 }),
    ],
  ])("%s", async (_name, token) => {
    // Lower-case scheme, as in `curl -H "Authorization: bearer $(gcloud auth print-identity-token)"`.
    const caller = await verifiedTwice(auth(`bearer ${await token()}`), env);
    expect(caller).toEqual({ email: "dev@example.com", kind: "user", platformVerified: false });
  });

  test("many verifications fetch the JWKS once (one remote key set per URL)", async () => {
    const before = authority.jwksRequests();
    for (let i = 0; i < 20; i++) await verifiedTwice(auth(bearer(await authority.mint(LOGIN_SA, SELF))), env);
    expect(authority.jwksRequests() - before).toBeLessThanOrEqual(1);
  });
});

describe("verifyCaller refuses with 401", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: JWTPayload = {}) => googleClaims(LOGIN_SA, SELF, extra);

  const attacks: [string, () => Promise<string | undefined>][] = [
    ["no Authorization header", async () => undefined],
    ["an empty header", async () => ""],
    ["a Basic header", async () => "Basic dXNlcjpwYXNz"],
    ["a bearer that is not a JWT", async () => "Bearer not-a-jwt"],
    ["alg none", async () => bearer(`${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`)],
    [
      "HS256 signed with the public key as secret",
      async () => {
        const pem = createPublicKey({ key: authority.publicJwk as never, format: "jwk" }).export({
          type: "spki",
          format: "pem",
        });
        const head = `${b64({ alg: "HS256", typ: "JWT", kid: authority.kid })}.${b64(claims())}`;
        return bearer(`${head}.${createHmac("sha256", pem).update(head).digest("base64url")}`);
      },
    ],
    ["wrong audience", async () => bearer(await authority.mint(LOGIN_SA, `${SELF}-other`))],
    [
      "another function's audience",
      async () =>
        bearer(await authority.mint(LOGIN_SA, "https://us-central1-proj.cloudfunctions.net/search")),
    ],
    [
      "a service account presenting gcloud's user audience",
      async () => bearer(await authority.mint(LOGIN_SA, GCLOUD)),
    ],
    ["wrong issuer", async () => bearer(await authority.sign(claims({ iss: "https://evil.example.com" })))],
    ["expired", async () => bearer(await authority.sign(claims({ iat: now() - 7200, exp: now() - 3600 })))],
    ["nbf in the future", async () => bearer(await authority.sign(claims({ nbf: now() + 3600 })))],
    ["no exp", async () => bearer(await authority.sign(claims({ exp: undefined })))],
    ["no email", async () => bearer(await authority.sign(claims({ email: undefined })))],
    ["email not verified", async () => bearer(await authority.sign(claims({ email_verified: false })))],
    [
      "signed by an unknown key with the known kid",
      async () => {
        const stranger = await generateKeyPair("RS256");
        return bearer(
          await new SignJWT(claims())
            .setProtectedHeader({ alg: "RS256", kid: authority.kid })
            .sign(stranger.privateKey),
        );
      },
    ],
    [
      "signed by an unknown key with an unknown kid",
      async () => {
        const stranger = await generateKeyPair("RS256");
        return bearer(
          await new SignJWT(claims())
            .setProtectedHeader({ alg: "RS256", kid: "other" })
            .sign(stranger.privateKey),
        );
      },
    ],
    [
      "tampered payload",
      async () => {
        const [head, , signature] = (await authority.mint(SEARCH_SA, SELF)).split(".");
        return bearer(`${head}.${b64(claims())}.${signature}`);
      },
    ],
  ];

  test.each(attacks)("%s", async (_name, header) => {
    expect(await status(await header())).toBe(401);
  });

  test("the 401 message says what failed without echoing the token", async () => {
    const token = await authority.sign(claims({ iat: now() - 7200, exp: now() - 3600 }));
    const error = await rejection(bearer(token));
    expect(error.message).toBe('invalid ID token: "exp" claim timestamp check failed (the token expired)');
    expect(error.message).not.toContain(token.split(".")[1]);
  });
});

describe("verifyCaller refuses with 403", () => {
  test("a valid token of a service account that is not a declared caller", async () => {
    const error = await rejection(bearer(await authority.mint(SEARCH_SA, SELF)));
    expect(error.status).toBe(403);
    expect(error.message).toBe(
      `${SEARCH_SA} is not a declared caller of profiles: add profiles to its function's \`calls\` in the stack config and run \`pulumi up\``,
    );
  });

  test.each<[string, string[], number | "ok"]>([
    ["listed user", ["user:auditor@example.com"], "ok"],
    ["other user", ["user:someone@example.com"], 403],
    ["domain member", ["domain:example.com"], "ok"],
    ["other domain", ["domain:example.org"], 403],
    ["any group (IAM checked membership)", ["group:auditors@example.com"], "ok"],
    ["service accounts only", [`serviceAccount:${LOGIN_SA}`], 403],
  ])("user auditor@example.com, invokers with %s", async (_name, invokers, expected) => {
    expect(
      await status(bearer(await authority.mint("auditor@example.com", SELF)), withInvokers(invokers)),
    ).toBe(expected);
  });

  test("a service account is not admitted by a group or its domain", async () => {
    const invokers = [
      "group:developers@example.com",
      "domain:proj.iam.gserviceaccount.com",
      `user:${SEARCH_SA}`,
    ];
    expect(await status(bearer(await authority.mint(SEARCH_SA, SELF)), withInvokers(invokers))).toBe(403);
  });
});

describe("verifyCaller, signature removed by the platform (Cloud Run; 1st gen may too)", () => {
  // Set only where Google's IAM check fronts the function (not public); the default refuses such tokens.
  let stripped: FunctionEnv;
  beforeAll(() => {
    stripped = { ...env, platformVerifiesTokens: true };
  });
  const DEV = "dev@example.com";

  test("a service account is never believed on a stripped token, wherever Google checks the grant", async () => {
    const header = bearer(signatureRemoved(await authority.mint(LOGIN_SA, SELF)));
    for (const e of [env, stripped]) {
      const error = await rejection(header, e);
      expect([error.status, error.message]).toEqual([
        401,
        expect.stringContaining("an unsigned token never proves a service account"),
      ]);
    }
    // Built by hand with no key at all: the forgery the red team used.
    const forged = `${b64({ alg: "RS256", typ: "JWT" })}.${b64(googleClaims(LOGIN_SA, SELF, {}))}.${SIGNATURE_REMOVED}`;
    expect(await status(bearer(forged), stripped)).toBe(401);
  });

  test("a user's stripped token (gcloud's, through Cloud Run): claims only, marked platform-verified", async () => {
    const header = bearer(signatureRemoved(await authority.mint(DEV, GCLOUD)));
    expect(await verifiedTwice(auth(header), stripped)).toEqual({
      email: DEV,
      kind: "user",
      platformVerified: true,
    });
  });

  test("a user's stripped token is refused where no platform verified it (CALLGRAPH_PLATFORM_VERIFIES_TOKENS unset)", async () => {
    expect(await status(bearer(signatureRemoved(await authority.mint(DEV, SELF))), env)).toBe(401);
  });

  test.each<[string, JWTPayload, string, number]>([
    ["expired: 401", { exp: Math.floor(Date.now() / 1000) - 3600 }, DEV, 401],
    ["nbf in the future: 401", { nbf: Math.floor(Date.now() / 1000) + 3600 }, DEV, 401],
    ["wrong issuer: 401", { iss: "https://evil.example.com" }, DEV, 401],
    ["no exp: 401", { exp: undefined }, DEV, 401],
    ["a user not among the invokers: 403", {}, "outsider@example.org", 403],
  ])("private function, %s", async (_name, extra, email, expected) => {
    expect(
      await status(bearer(signatureRemoved(await authority.sign(googleClaims(email, SELF, extra)))), {
        ...stripped,
        invokers: ["user:dev@example.com"],
      }),
    ).toBe(expected);
  });

  test("private function, wrong audience: 401", async () => {
    expect(await status(bearer(signatureRemoved(await authority.mint(DEV, `${SELF}-other`))), stripped)).toBe(
      401,
    );
  });

  test.each(["allUsers", "allAuthenticatedUsers"])(
    "public function (%s): refused, nobody verified the signature",
    async (member) => {
      expect(
        await status(bearer(signatureRemoved(await authority.mint(DEV, SELF))), {
          ...stripped,
          invokers: [member],
        }),
      ).toBe(401);
    },
  );
});

describe("verifyCaller, a declared source's delivery (Scheduler, Pub/Sub push, Tasks, Eventarc: Authorization alone)", () => {
  // Google's services send their token in Authorization alone, which Cloud Run hands on stripped: a declared source is
  // believed on its claims where, and only where, Google's IAM check verified it first.
  const JOB_SA = "src-nightly@proj.iam.gserviceaccount.com";
  let fronted: FunctionEnv;
  beforeAll(() => {
    fronted = {
      ...env,
      invokers: [...env.invokers, `serviceAccount:${JOB_SA}`],
      platformVerifiesTokens: true,
      sources: { [JOB_SA]: { name: "nightly", kind: "scheduler" } },
    };
  });
  const stripped = async (email: string) => signatureRemoved(await authority.mint(email, SELF));

  test("believed on its claims behind Google's IAM check, named as the source that called", async () => {
    expect(await verifiedTwice(auth(bearer(await stripped(JOB_SA))), fronted)).toEqual({
      email: JOB_SA,
      kind: "serviceAccount",
      platformVerified: true,
      source: { name: "nightly", kind: "scheduler" },
    });
  });

  test("a signed delivery (1st gen hands it on as it came) verifies, and names the source too", async () => {
    expect(
      await verifiedTwice(auth(bearer(await authority.mint(JOB_SA, SELF))), {
        ...fronted,
        platformVerifiesTokens: false,
      }),
    ).toEqual({
      email: JOB_SA,
      kind: "serviceAccount",
      platformVerified: false,
      source: { name: "nightly", kind: "scheduler" },
    });
  });

  test("refused where no platform verified it, on a public function, or sent in X-Serverless-Authorization", async () => {
    const token = await stripped(JOB_SA);
    expect(await status(bearer(token), { ...fronted, platformVerifiesTokens: false })).toBe(401);
    expect(
      await status(bearer(token), { ...fronted, invokers: ["allUsers", `serviceAccount:${JOB_SA}`] }),
    ).toBe(401);
    // A checked copy in X-Serverless-Authorization is what Cloud Run looked at: a source never sends one.
    expect(await status({ serverlessAuthorization: bearer(token) }, fronted)).toBe(401);
    expect(
      await status({ serverlessAuthorization: bearer(token), authorization: bearer(token) }, fronted),
    ).toBe(401);
  });

  test("a function's account, or an account no source of this function has, still needs a signature", async () => {
    expect(await status(bearer(await stripped(LOGIN_SA)), fronted)).toBe(401);
    expect(await status(bearer(await stripped("src-other@proj.iam.gserviceaccount.com")), fronted)).toBe(401);
    // Built by hand with no key: the forgery still needs Google's front end to have let it through.
    const forged = `${b64({ alg: "RS256", typ: "JWT" })}.${b64(googleClaims(JOB_SA, SELF, {}))}.${SIGNATURE_REMOVED}`;
    expect(await status(bearer(forged), { ...fronted, platformVerifiesTokens: false })).toBe(401);
  });

  test("its claims are still checked: expiry, audience, issuer; and a source not among the invokers is 403", async () => {
    const expired = signatureRemoved(
      await authority.sign(googleClaims(JOB_SA, SELF, { exp: Math.floor(Date.now() / 1000) - 3600 })),
    );
    expect(await status(bearer(expired), fronted)).toBe(401);
    expect(
      await status(bearer(signatureRemoved(await authority.mint(JOB_SA, `${SELF}-other`))), fronted),
    ).toBe(401);
    expect(await status(bearer(await stripped(JOB_SA)), { ...fronted, invokers: env.invokers })).toBe(403);
  });
});

describe("verifyCaller, the token in both headers (X-Serverless-Authorization and Authorization)", () => {
  let stripped: FunctionEnv;
  beforeAll(() => {
    stripped = { ...env, platformVerifiesTokens: true };
  });
  const both = (serverless: string, authorization: string): TokenHeaders => ({
    serverlessAuthorization: bearer(serverless),
    authorization: bearer(authorization),
  });

  test("a caller's signed token beside its stripped twin (what Cloud Run hands on): admitted on the signature", async () => {
    const token = await authority.mint(LOGIN_SA, SELF);
    expect(await verifiedTwice(both(signatureRemoved(token), token), stripped)).toEqual({
      email: LOGIN_SA,
      kind: "serviceAccount",
      platformVerified: false,
    });
  });

  test("the same signed token in both headers (1st gen may pass both as they came): admitted", async () => {
    const token = await authority.mint(LOGIN_SA, SELF);
    expect(await status(both(token, token), stripped)).toBe("ok");
  });

  test("both copies stripped: a service account is refused", async () => {
    const token = signatureRemoved(await authority.mint(LOGIN_SA, SELF));
    expect(await status(both(token, token), stripped)).toBe(401);
  });

  test("an outsider's stripped token in X-Serverless-Authorization next to a caller's signed token: refused", async () => {
    // The outsider passed IAM with their own token; the signed one is a declared caller's, replayed.
    const outsider = signatureRemoved(await authority.mint("outsider@example.org", SELF));
    const caller = await authority.mint(LOGIN_SA, SELF);
    const error = await rejection(both(outsider, caller), stripped);
    expect([error.status, error.message]).toEqual([
      401,
      "the tokens in X-Serverless-Authorization and Authorization differ: send one ID token, the same in both headers",
    ]);
  });

  test("two differently signed tokens of the same caller: refused", async () => {
    const a = await authority.mint(LOGIN_SA, SELF);
    const b = await authority.sign(googleClaims(LOGIN_SA, SELF, { iat: Math.floor(Date.now() / 1000) - 1 }));
    expect(await status(both(a, b), stripped)).toBe(401);
  });

  test("the identity is the checked header's: a signed copy that does not verify is refused, whatever the other says", async () => {
    const stranger = await generateKeyPair("RS256");
    const forged = await new SignJWT(googleClaims(LOGIN_SA, SELF, {}))
      .setProtectedHeader({ alg: "RS256", kid: authority.kid })
      .sign(stranger.privateKey);
    expect(await status(both(signatureRemoved(forged), forged), stripped)).toBe(401);
  });

  test.each<[string, TokenHeaders]>([
    ["a malformed X-Serverless-Authorization", { serverlessAuthorization: "Basic x", authorization: "" }],
    ["Bearer and a tab", { authorization: "Bearer\tabc.def.ghi" }],
    [
      "a token with an empty signature (alg none)",
      { authorization: `Bearer ${b64({ alg: "none" })}.${b64({})}.` },
    ],
  ])("%s: 401", async (_label, headers) => {
    expect(await status(headers, stripped)).toBe(401);
  });
});

describe("verifyCaller on a public function", () => {
  test.each(["allUsers", "allAuthenticatedUsers"])("%s: no token is an anonymous caller", async (member) => {
    expect(await verifiedTwice({}, withInvokers([member]))).toEqual({
      kind: "anonymous",
      platformVerified: false,
    });
  });

  test("a valid token of any service account identifies the caller", async () => {
    expect(
      await verifiedTwice(auth(bearer(await authority.mint(SEARCH_SA, SELF))), withInvokers(["allUsers"])),
    ).toMatchObject({ email: SEARCH_SA, kind: "serviceAccount" });
  });

  test("a token that is present must still verify", async () => {
    expect(
      await status(bearer(await authority.mint(SEARCH_SA, `${SELF}-other`)), withInvokers(["allUsers"])),
    ).toBe(401);
    expect(await status("Bearer not-a-jwt", withInvokers(["allUsers"]))).toBe(401);
  });
});

test("signing keys that cannot be fetched give 503, not 401", async () => {
  const down = { ...env, jwksUrl: `${await refusedOrigin()}/certs` };
  const error = await rejection(bearer(await authority.mint(LOGIN_SA, SELF)), down);
  expect(error.status).toBe(503);
  expect(error.message).toContain(down.jwksUrl);
});

describe("verifyCaller: issued-at and lifetime, as Google's ID tokens have them (1 hour)", () => {
  const now = () => Math.floor(Date.now() / 1000);
  /** Issued `offset` s from now, living `lifetime` s: one clock read, so a second ticking between two cannot shift one. */
  const issued = (offset: number, lifetime: number): JWTPayload => {
    const iat = now() + offset;
    return { iat, exp: iat + lifetime };
  };
  /** Signed, and as the platform hands a user's on with its signature removed (the one stripped token believed). */
  const both = async (claims: JWTPayload): Promise<[string, FunctionEnv][]> => {
    const token = await authority.sign(googleClaims(LOGIN_SA, SELF, claims));
    const user = await authority.sign(googleClaims("dev@example.com", SELF, claims));
    return [
      [bearer(token), env],
      [bearer(signatureRemoved(user)), { ...env, platformVerifiesTokens: true }],
    ];
  };

  test.each<[string, () => JWTPayload, string]>([
    [
      "no iat",
      () => ({ iat: undefined }),
      'invalid ID token: missing "iat" claim (Google-signed ID tokens always carry one)',
    ],
    ["iat 10 minutes ahead", () => issued(600, 600), "beyond the 30 s clock skew allowed"],
    [
      "a lifetime of one hour and one second",
      () => issued(-60, 3601),
      'invalid ID token: it lives 3601 s from "iat" to "exp", longer than Google\'s ID tokens (3600 s)',
    ],
    ["a lifetime of a year", () => issued(0, 365 * 86400), "longer than Google's ID tokens (3600 s)"],
  ])("%s: 401, signed or stripped", async (_name, claims, message) => {
    for (const [header, e] of await both(claims())) {
      const error = await rejection(header, e);
      expect([error.status, error.message]).toEqual([401, expect.stringContaining(message)]);
    }
  });

  test("iat 600 s ahead names the distance", async () => {
    // The distance is counted at verification, which may fall in a later second than signing (CI saw 599):
    // bound it by the clock read before signing and after the rejection, never by a guess at the elapsed time.
    const claims = issued(600, 600);
    const signedAt = (claims.iat as number) - 600;
    const [[header, e]] = await both(claims);
    const { message } = await rejection(header, e);
    const elapsed = now() - signedAt;
    const distance = Number(/^invalid ID token: "iat" is (\d+) s in the future/.exec(message)?.[1]);
    expect(distance).toBeLessThanOrEqual(600);
    expect(distance).toBeGreaterThanOrEqual(600 - elapsed);
  });

  test.each<[string, () => JWTPayload]>([
    ["iat 10 s ahead (within the skew)", () => issued(10, 3600)],
    ["exactly one hour", () => issued(-100, 3600)],
    ["five minutes", () => issued(0, 300)],
  ])("%s: accepted, signed or stripped", async (_name, claims) => {
    for (const [header, e] of await both(claims())) {
      expect(await status(header, e)).toBe("ok");
    }
  });
});

describe("callerNowOrLater: the answer without an await", () => {
  test("a token first seen waits for its check (undefined); once verified, the same bytes are answered at once", async () => {
    const token = await authority.mint(LOGIN_SA, SELF);
    expect(atOnce(auth(bearer(token)), env)).toBeUndefined();
    await verifyCaller(auth(bearer(token)), env);
    expect(atOnce(auth(bearer(token)), env)).toEqual({
      email: LOGIN_SA,
      kind: "serviceAccount",
      platformVerified: false,
    });
    // Its claims are still read on every request: remembered, yet refused where its audience is not this function.
    expect(() => atOnce(auth(bearer(token)), { ...env, selfUrl: `${SELF}-other` })).toThrow(/audience/);
    // And past its exp the verdict is gone: the token waits for a check again (which then refuses it).
    const later = new Date(Date.now() + 2 * 3600_000);
    expect(() => atOnce(auth(bearer(token)), env, { currentDate: later })).toThrow(/expired/);
  });

  test("what the headers alone decide is decided at once: no token, a malformed one, a stripped copy", async () => {
    expect(atOnce({}, withInvokers(["allUsers"]))).toEqual({
      kind: "anonymous",
      platformVerified: false,
    });
    expect(() => atOnce({}, env)).toThrow(CallerVerificationError);
    expect(() => atOnce(auth("Basic abc"), env)).toThrow(/Bearer/);
    const stripped = signatureRemoved(await authority.mint(LOGIN_SA, SELF));
    expect(() => atOnce(auth(bearer(stripped)), env)).toThrow(
      /unsigned token never proves a service account/,
    );
  });

  test("a forged twin of a remembered token (same claims, another signature) is never answered at once, and its check refuses it", async () => {
    const token = await authority.mint(LOGIN_SA, SELF);
    await verifyCaller(auth(bearer(token)), env); // its claims now remembered under its exact bytes
    const [header, payload] = token.split(".");
    const forged = `${header}.${payload}.${b64("not the signature")}`;
    expect(atOnce(auth(bearer(forged)), env)).toBeUndefined();
    expect((await rejection(bearer(forged))).status).toBe(401);
    expect(atOnce(auth(bearer(forged)), env)).toBeUndefined(); // a failure is never remembered
  });
});

test("callerNowOrLater leaves a key set it cannot set up to verifyCaller, which answers 503", async () => {
  const token = await authority.mint(LOGIN_SA, SELF);
  const broken = { ...env, jwksUrl: "not a url" };
  expect(atOnce(auth(bearer(token)), broken)).toBeUndefined();
  expect((await rejection(bearer(token), broken)).status).toBe(503);
});
