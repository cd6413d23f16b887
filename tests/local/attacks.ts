import { createPublicKey, createHmac } from "node:crypto";
import { generateKeyPair, SignJWT, type JWTPayload } from "jose";
import type { LocalStack } from "../../local";

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** The token attacks, by what each attacks: the names the tests are named for. */
export const TOKEN_ATTACKS = [
  "no token",
  "alg none",
  "HS256 signed with the public key",
  "wrong audience",
  "wrong issuer",
  "expired",
  "nbf in the future",
  "iat in the future",
  "no exp",
  "longer-lived than Google's tokens",
  "signed by an unknown key",
  "tampered payload",
  "a user's token, signature removed",
  "a service account's token, signature removed",
] as const;

export type TokenAttack = (typeof TOKEN_ATTACKS)[number];

/** The tokens an attacker would try against `audience`, each of which must get a 401. */
export async function attackTokens(
  stack: LocalStack,
  member: string,
  audience: string,
): Promise<Record<TokenAttack, string | undefined>> {
  const email = member.slice(member.indexOf(":") + 1);
  // A declared caller's account, or one made up beside the member's: a stripped token claiming it is a forgery.
  const serviceAccount = member.startsWith("serviceAccount:")
    ? email
    : "fn-admin@callgraph-dev.iam.gserviceaccount.com";
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: "https://accounts.google.com",
    aud: audience,
    sub: "1",
    email,
    email_verified: true,
    iat: now,
    exp: now + 600,
  };
  const { exp: _exp, ...withoutExp } = claims;
  const valid = await stack.tokens.mint(member, audience);
  const [header, , signature] = valid.split(".");

  // HS256 keyed with the public key: the classic confusion attack on verifiers that trust the header's alg.
  const publicPem = createPublicKey({ key: stack.tokens.publicJwk as never, format: "jwk" }).export({
    type: "spki",
    format: "pem",
  });
  const hsHeader = b64({ alg: "HS256", typ: "JWT", kid: stack.tokens.publicJwk.kid });
  const hsBody = b64(claims);
  const hsSignature = createHmac("sha256", publicPem).update(`${hsHeader}.${hsBody}`).digest("base64url");

  const stranger = await generateKeyPair("RS256");

  return {
    "no token": undefined,
    "alg none": `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
    "HS256 signed with the public key": `${hsHeader}.${hsBody}.${hsSignature}`,
    "wrong audience": await stack.tokens.mint(member, `${audience}-other`),
    "wrong issuer": await stack.tokens.signClaims({ ...claims, iss: "https://evil.example.com" }),
    expired: await stack.tokens.signClaims({ ...claims, iat: now - 7200, exp: now - 3600 }),
    "nbf in the future": await stack.tokens.signClaims({ ...claims, nbf: now + 3600 }),
    // Issue 18: the front ends once admitted these three, which the function refused: one set of claim rules now.
    "iat in the future": await stack.tokens.signClaims({ ...claims, iat: now + 3600, exp: now + 3600 + 600 }),
    "no exp": await stack.tokens.signClaims(withoutExp),
    "longer-lived than Google's tokens": await stack.tokens.signClaims({ ...claims, exp: now + 7200 }),
    "signed by an unknown key": await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: stack.tokens.publicJwk.kid })
      .sign(stranger.privateKey),
    "tampered payload": `${header}.${b64({ ...claims, email: "fn-admin@callgraph-dev.iam.gserviceaccount.com" })}.${signature}`,
    // What Cloud Run hands the code after verifying; forged here, where no platform verified anything.
    "a user's token, signature removed": `${header}.${b64(claims)}.SIGNATURE_REMOVED_BY_GOOGLE`,
    "a service account's token, signature removed": `${header}.${b64({ ...claims, email: serviceAccount })}.SIGNATURE_REMOVED_BY_GOOGLE`,
  };
}

/** The header attacks, by what each attacks. */
export const HEADER_ATTACKS = [
  "an invoker's own token in X-Serverless-Authorization, posing as a declared caller with a forged stripped token in Authorization",
  "an invoker's own token in X-Serverless-Authorization, posing as a declared caller with a token signed by another key in Authorization",
  "an invoker's own token in X-Serverless-Authorization, replaying a declared caller's signed token in Authorization",
  "Bearer and a tab before a valid token (not the RFC 6750 separator)",
] as const;

export type HeaderAttack = (typeof HEADER_ATTACKS)[number];

/**
 * Requests whose token headers are not one well-formed token, each of which must get a 401 from `audience`'s front
 * end and from its code, by what they attack (issue 18). On 2nd gen, when `X-Serverless-Authorization` is present,
 * Cloud Run checks IAM on that header alone and passes `Authorization` on untouched
 * (GoogleCloudPlatform/cloud-run-proxy#25): anyone who passes IAM with a token of their own could pose as a declared
 * caller in `Authorization`, unless the code takes the identity from the checked header and refuses copies that
 * differ. The front ends once took `Bearer<TAB>` for a bearer token, which the function refused.
 * @param invoker A member that may invoke the function (passes IAM with its own token).
 * @param caller A declared caller of the function: `serviceAccount:EMAIL`.
 */
export async function headerAttacks(
  stack: LocalStack,
  invoker: string,
  caller: string,
  audience: string,
): Promise<Record<HeaderAttack, Record<string, string>>> {
  const bearer = (token: string) => `Bearer ${token}`;
  const own = await stack.tokens.mint(invoker, audience);
  const callers = await stack.tokens.mint(caller, audience);
  const [header, claims] = callers.split(".");
  // The caller's claims, signed by a key of the attacker's under the stack's key id.
  const stranger = await new SignJWT(JSON.parse(Buffer.from(claims, "base64url").toString()) as JWTPayload)
    .setProtectedHeader({ alg: "RS256", kid: stack.tokens.publicJwk.kid, typ: "JWT" })
    .sign((await generateKeyPair("RS256")).privateKey);
  return {
    "an invoker's own token in X-Serverless-Authorization, posing as a declared caller with a forged stripped token in Authorization":
      {
        "x-serverless-authorization": bearer(own),
        authorization: bearer(`${header}.${claims}.SIGNATURE_REMOVED_BY_GOOGLE`),
      },
    "an invoker's own token in X-Serverless-Authorization, posing as a declared caller with a token signed by another key in Authorization":
      {
        "x-serverless-authorization": bearer(own),
        authorization: bearer(stranger),
      },
    "an invoker's own token in X-Serverless-Authorization, replaying a declared caller's signed token in Authorization":
      { "x-serverless-authorization": bearer(own), authorization: bearer(callers) },
    "Bearer and a tab before a valid token (not the RFC 6750 separator)": { authorization: `Bearer\t${own}` },
  };
}
