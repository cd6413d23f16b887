import { createPublicKey, createHmac } from "node:crypto";
import { generateKeyPair, SignJWT } from "jose";
import type { LocalStack } from "../../local";

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** The tokens an attacker would try against `audience`, each of which must get a 401. */
export async function attackTokens(
  stack: LocalStack,
  member: string,
  audience: string,
): Promise<Record<string, string | undefined>> {
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
    "signed by an unknown key": await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: stack.tokens.publicJwk.kid })
      .sign(stranger.privateKey),
    "tampered payload": `${header}.${b64({ ...claims, email: "fn-admin@callgraph-dev.iam.gserviceaccount.com" })}.${signature}`,
    // What Cloud Run hands the code after verifying; forged here, where no platform verified anything.
    "a user's token, signature removed": `${header}.${b64(claims)}.SIGNATURE_REMOVED_BY_GOOGLE`,
    "a service account's token, signature removed": `${header}.${b64({ ...claims, email: serviceAccount })}.SIGNATURE_REMOVED_BY_GOOGLE`,
  };
}
