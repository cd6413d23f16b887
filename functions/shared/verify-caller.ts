import type { Request } from "@google-cloud/functions-framework";
import {
  createRemoteJWKSet,
  decodeJwt,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { possessive } from "../../iam/possessive";
import type { FunctionEnv } from "./env";
import { CallerVerificationError } from "./errors";
import { isAllowedInvoker, isPublic, isServiceAccountEmail } from "./members";

/** Who called the function, once verified. */
export interface Caller {
  /** The token's verified email; absent for an anonymous call to a public function. */
  readonly email?: string;
  readonly kind: "serviceAccount" | "user" | "anonymous";
  /** Google's front end checked the signature and removed it; only the claims were checked here. */
  readonly platformVerified: boolean;
}

export interface VerifyCallerOptions {
  /** Signing keys; defaults to the remote JWKS at `env.jwksUrl`, fetched once and cached per URL. */
  readonly jwks?: JWTVerifyGetKey;
  /** The current time; defaults to now. */
  readonly currentDate?: Date;
}

/**
 * Cloud Run (so 2nd gen) hands the code the caller's token with this in place of the signature, after checking
 * it: https://cloud.google.com/run/docs/troubleshooting#signature-removed and
 * https://cloud.google.com/run/docs/securing/service-identity#identity_tokens. For 1st gen it is undocumented
 * either way: Google may strip there too (a 2021 write-up, older than 2nd gen, handles it), so the code accepts
 * a stripped token wherever Google enforced the invoker grant, whatever the generation (functions/shared/env.ts).
 */
export const SIGNATURE_REMOVED = "SIGNATURE_REMOVED_BY_GOOGLE";
/** Tolerated clock difference with the token's issuer, on `exp`, `nbf` and `iat`. */
export const CLOCK_SKEW_SECONDS = 30;
/**
 * The longest lifetime (`exp - iat`) of a Google-signed ID token: one hour (https://cloud.google.com/docs/authentication/token-types,
 * "ID token lifetime"; the metadata server and IAM Credentials' generateIdToken mint `exp = iat + 3600`). A longer-lived token was not minted by
 * Google's metadata server or IAM Credentials API, whatever its signature says.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 3600;

const ANONYMOUS: Caller = { kind: "anonymous", platformVerified: false };
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;
const remoteJwks = new Map<string, JWTVerifyGetKey>();

/**
 * Verifies the caller of this function from its `Authorization` header, as DESIGN.md describes: the token's
 * signature (RS256, against the JWKS) unless the platform already verified it, its issuer, its expiry,
 * not-before and issued-at with a small skew, a lifetime no longer than Google's (1 hour), its audience (this function's own URL; for users also the configured user
 * audiences, e.g. gcloud's), a verified email, and that the email is an invoker. Prefers jose over
 * `OAuth2Client.verifyIdToken`, which ignores `nbf` and checks `aud` only when asked.
 *
 * Throws `CallerVerificationError`: 401 for a missing or invalid token, 403 for a valid token of a caller that
 * may not invoke the function, 503 when the signing keys cannot be fetched.
 */
export async function verifyCaller(
  authorization: string | undefined,
  env: FunctionEnv,
  opts: VerifyCallerOptions = {},
): Promise<Caller> {
  const open = isPublic(env.invokers);
  if (authorization === undefined || authorization.trim() === "") {
    if (open) return ANONYMOUS;
    throw new CallerVerificationError(
      401,
      `${env.functionName} requires an ID token: send "Authorization: Bearer <token>" with audience ${env.selfUrl}`,
    );
  }
  const match = BEARER.exec(authorization.trim());
  if (!match) throw new CallerVerificationError(401, 'the Authorization header must be "Bearer <ID token>"');
  const token = match[1];
  const platformVerified = token.split(".")[2] === SIGNATURE_REMOVED;
  if (platformVerified && open) {
    // A public function is not fronted by an IAM check, so nobody verified the signature that was removed.
    throw new CallerVerificationError(
      401,
      `the token's signature was removed, but ${env.functionName} is public, so no platform verified it`,
    );
  }
  if (platformVerified && !env.platformVerifiesTokens) {
    // Only Google's front end strips signatures after checking them; where it does not front the function (the
    // local stack), such a token is a forgery.
    throw new CallerVerificationError(
      401,
      `the token's signature was removed, but ${possessive(env.functionName)} platform does not verify tokens for it (CALLGRAPH_PLATFORM_VERIFIES_TOKENS is not "true")`,
    );
  }
  const now = opts.currentDate ?? new Date();
  const payload = platformVerified ? checkClaims(token, env, now) : await verifySignature(token, env, opts);
  checkIssuedAt(payload, now);

  const email = verifiedEmail(payload);
  const kind = isServiceAccountEmail(email) ? "serviceAccount" : "user";
  checkAudience(payload.aud, kind, env);
  if (!open && !isAllowedInvoker(email, env.invokers))
    throw new CallerVerificationError(403, forbidden(email, kind, env.functionName));
  return { email, kind, platformVerified };
}

/** `verifyCaller` for an incoming request. */
export function verifyRequest(req: Request, env: FunctionEnv, opts?: VerifyCallerOptions): Promise<Caller> {
  return verifyCaller(req.get("authorization"), env, opts);
}

async function verifySignature(
  token: string,
  env: FunctionEnv,
  opts: VerifyCallerOptions,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, opts.jwks ?? jwksFor(env.jwksUrl), {
      issuer: [...env.tokenIssuers],
      algorithms: ["RS256"], // never the header's choice: refuses `none` and HS256-with-the-public-key
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp"],
      currentDate: opts.currentDate,
    });
    return payload;
  } catch (error) {
    if (cannotFetchKeys(error)) {
      throw new CallerVerificationError(
        503,
        `could not fetch the token signing keys from ${env.jwksUrl}; retry later`,
        { cause: error },
      );
    }
    throw new CallerVerificationError(
      401,
      `invalid ID token: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Only the claims: for a token whose signature the platform checked and removed. */
function checkClaims(token: string, env: FunctionEnv, now: Date): JWTPayload {
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch (error) {
    throw new CallerVerificationError(401, "invalid ID token: the payload is not a JWT claims set", {
      cause: error,
    });
  }
  const seconds = Math.floor(now.getTime() / 1000);
  if (typeof payload.iss !== "string" || !env.tokenIssuers.includes(payload.iss))
    throw new CallerVerificationError(401, 'invalid ID token: unexpected "iss" claim value');
  if (typeof payload.exp !== "number")
    throw new CallerVerificationError(401, 'invalid ID token: missing "exp" claim');
  if (seconds > payload.exp + CLOCK_SKEW_SECONDS)
    throw new CallerVerificationError(401, 'invalid ID token: "exp" claim timestamp check failed');
  if (
    payload.nbf !== undefined &&
    (typeof payload.nbf !== "number" || payload.nbf > seconds + CLOCK_SKEW_SECONDS)
  ) {
    throw new CallerVerificationError(401, 'invalid ID token: "nbf" claim timestamp check failed');
  }
  return payload;
}

/**
 * `iat` is required, not in the future beyond the skew, and at most `MAX_TOKEN_LIFETIME_SECONDS` before `exp`:
 * for signed and stripped tokens alike (jose checks `iat` only when asked for a maximum age, which is not this).
 */
function checkIssuedAt(payload: JWTPayload, now: Date): void {
  const seconds = Math.floor(now.getTime() / 1000);
  const { iat, exp } = payload;
  if (typeof iat !== "number" || !Number.isFinite(iat))
    throw new CallerVerificationError(
      401,
      'invalid ID token: missing "iat" claim (Google-signed ID tokens always carry one)',
    );
  if (iat > seconds + CLOCK_SKEW_SECONDS)
    throw new CallerVerificationError(
      401,
      `invalid ID token: "iat" is ${iat - seconds} s in the future, beyond the ${CLOCK_SKEW_SECONDS} s clock skew allowed`,
    );
  // exp is a number here: jose requires it (requiredClaims) and checkClaims checks it.
  const lifetime = (exp as number) - iat;
  if (lifetime > MAX_TOKEN_LIFETIME_SECONDS)
    throw new CallerVerificationError(
      401,
      `invalid ID token: it lives ${lifetime} s from "iat" to "exp", longer than Google's ID tokens (${MAX_TOKEN_LIFETIME_SECONDS} s)`,
    );
}

function verifiedEmail(payload: JWTPayload): string {
  const { email, email_verified: verified } = payload;
  if (typeof email !== "string" || email === "" || (verified !== true && verified !== "true")) {
    throw new CallerVerificationError(
      401,
      "the ID token has no verified email: mint it for a service account or a Google account",
    );
  }
  return email;
}

/** Service accounts must present this function's URL; users may also present a configured user audience. */
function checkAudience(aud: JWTPayload["aud"], kind: "serviceAccount" | "user", env: FunctionEnv): void {
  const allowed = kind === "serviceAccount" ? [env.selfUrl] : [env.selfUrl, ...env.userAudiences];
  const given = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
  if (!given.some((a) => allowed.includes(a))) {
    throw new CallerVerificationError(
      401,
      `invalid ID token: its audience ${JSON.stringify(aud ?? null)} is not this function's URL ${env.selfUrl}`,
    );
  }
}

function forbidden(email: string, kind: "serviceAccount" | "user", fn: string): string {
  return kind === "serviceAccount"
    ? `${email} is not a declared caller of ${fn}: add ${fn} to its function's \`calls\` in the stack config and run \`pulumi up\``
    : `${email} may not invoke ${fn}: add "user:${email}", its group or its domain to ${possessive(fn)} \`invokers\` in the stack config`;
}

/** One remote key set per URL for the life of the process: jose caches the keys and refetches on unknown `kid`. */
function jwksFor(url: string): JWTVerifyGetKey {
  let jwks = remoteJwks.get(url);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(url));
    remoteJwks.set(url, jwks);
  }
  return jwks;
}

/** The key set could not be fetched: our problem (503), not the caller's (401). */
function cannotFetchKeys(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError)
    return error.code === errors.JOSEError.code && /JSON Web Key Set HTTP response/.test(error.message);
  return true;
}
