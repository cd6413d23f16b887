/**
 * What an ID token presented to a function means, and the rules every reader holds it to: the function's own
 * caller check (`functions/shared/verify-caller.ts`) and the local stack's front ends (`local/front-end.ts`) apply
 * these same rules, so the two can never admit different tokens. Pure: the signature itself is checked by jose
 * in each caller (this folder imports nothing), then the claims here.
 */
import { isServiceAccountEmail } from "./members";

/**
 * What Cloud Run puts in place of a token's signature after checking it, before the token reaches the code
 * (https://cloud.google.com/run/docs/troubleshooting#signature-removed). For 1st gen it is undocumented either way.
 */
export const SIGNATURE_REMOVED = "SIGNATURE_REMOVED_BY_GOOGLE";

/**
 * The header Cloud Run checks instead of `Authorization` when a request carries it, passing `Authorization` on to
 * the code untouched ("If both headers are provided, only the X-Serverless-Authorization header is checked":
 * https://cloud.google.com/run/docs/authenticating/service-to-service; GoogleCloudPlatform/cloud-run-proxy#25).
 */
export const SERVERLESS_AUTHORIZATION = "x-serverless-authorization";

/**
 * Google's issuer, in both spellings its ID tokens use
 * (https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken).
 */
export const GOOGLE_TOKEN_ISSUERS: readonly string[] = ["https://accounts.google.com", "accounts.google.com"];

/** The gcloud CLI's OAuth client id: the audience of `gcloud auth print-identity-token` for a user. */
export const GCLOUD_USER_AUDIENCES: readonly string[] = ["32555940559.apps.googleusercontent.com"];

/** Tolerated clock difference with the token's issuer, on `exp`, `nbf` and `iat`. */
export const CLOCK_SKEW_SECONDS = 30;

/**
 * The longest lifetime (`exp - iat`) of a Google-signed ID token: one hour ("valid for up to 1 hour",
 * https://cloud.google.com/docs/authentication/token-types#id-lifetime; the metadata server and IAM Credentials'
 * generateIdToken mint `exp = iat + 3600`).
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 3600;

/** The two headers a token may arrive in, as Node spells them (lower case). */
export type TokenHeader = "authorization" | typeof SERVERLESS_AUTHORIZATION;

/** One copy of the caller's token, as it reached the reader. */
export interface TokenCopy {
  readonly header: TokenHeader;
  /** The compact JWT. */
  readonly token: string;
  /** False when its signature is {@link SIGNATURE_REMOVED}: then nothing here can prove who made it. */
  readonly signed: boolean;
}

/** The request headers a token may arrive in; a missing or blank one is absent. */
export interface TokenHeaders {
  readonly authorization?: string;
  readonly serverlessAuthorization?: string;
}

/** What a request's token headers amount to, before any signature is checked. */
export type PresentedToken =
  | { readonly kind: "none" }
  | { readonly kind: "refused"; readonly reason: string }
  | {
      readonly kind: "token";
      /** The copy in the header the platform checked: `X-Serverless-Authorization` when present, else `Authorization`. */
      readonly checked: TokenCopy;
      /** Every copy present (one or two), the checked one first. */
      readonly copies: readonly TokenCopy[];
      /** A copy that still carries its signature, preferring the checked one; undefined when every copy is stripped. */
      readonly signed?: TokenCopy;
    };

// RFC 6750 §2.1: `Bearer 1*SP b64token`; the scheme is case-insensitive (RFC 9110 §11.1), the separator spaces only.
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/**
 * Reads the token headers of a request. Every copy present must be a bearer JWT, and all must be the same token:
 * the same header and claims, and the same signature unless the platform removed one (a copy it checked may reach
 * the code stripped while the other keeps its signature). A request whose copies differ is refused: its checked
 * copy (whose holder passed IAM) would otherwise vouch for the identity in the other.
 */
export function presentedToken(headers: TokenHeaders): PresentedToken {
  const copies: TokenCopy[] = [];
  for (const [header, value] of [
    [SERVERLESS_AUTHORIZATION, headers.serverlessAuthorization],
    ["authorization", headers.authorization],
  ] as const) {
    // callgraph's client sends the same bytes in both headers: the second reads as the first did (every request of
    // a verified hop; reading a copy is most of what a remembered token costs, bench section 2).
    const copy =
      copies.length === 1 && value === headers.serverlessAuthorization
        ? { ...copies[0], header }
        : readCopy(header, value);
    if (copy === undefined) continue;
    if ("reason" in copy) return { kind: "refused", reason: copy.reason };
    copies.push(copy);
  }
  if (copies.length === 0) return { kind: "none" };
  const [checked, other] = copies;
  if (other && !sameToken(checked.token, other.token)) {
    return {
      kind: "refused",
      reason:
        "the tokens in X-Serverless-Authorization and Authorization differ: send one ID token, the same in both headers",
    };
  }
  return { kind: "token", checked, copies, signed: copies.find((c) => c.signed) };
}

/**
 * The one copy a platform's front end checks, as Cloud Run reads a request: `X-Serverless-Authorization` when
 * present, else `Authorization`; the other header is not looked at ("If both headers are provided, only the
 * X-Serverless-Authorization header is checked", https://cloud.google.com/run/docs/authenticating/service-to-service).
 * The local front ends use it, so what reaches the function's own check is what Google would let through.
 */
export function platformCheckedCopy(
  headers: TokenHeaders,
):
  | { readonly kind: "none" }
  | { readonly kind: "refused"; readonly reason: string }
  | ({ readonly kind: "token" } & TokenCopy) {
  const [header, value] =
    headers.serverlessAuthorization !== undefined && headers.serverlessAuthorization.trim() !== ""
      ? ([SERVERLESS_AUTHORIZATION, headers.serverlessAuthorization] as const)
      : (["authorization", headers.authorization] as const);
  const copy = readCopy(header, value);
  if (copy === undefined) return { kind: "none" };
  if ("reason" in copy) return { kind: "refused", reason: copy.reason };
  return { kind: "token", ...copy };
}

/** One header's bearer JWT; undefined when the header is absent or blank. */
function readCopy(
  header: TokenHeader,
  value: string | undefined,
): TokenCopy | { reason: string } | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const match = BEARER.exec(value.trim());
  if (!match) return { reason: `the ${headerName(header)} header must be "Bearer <ID token>"` };
  const token = match[1];
  const signature = signatureOf(token);
  // An empty signature is `alg: none`, which neither Google nor any reader here ever accepts.
  if (signature === "") return { reason: `the token in ${headerName(header)} carries no signature` };
  return { header, token, signed: signature !== SIGNATURE_REMOVED };
}

/**
 * Same header and claims; signatures equal, or one removed by the platform. Both are compact JWTs (BEARER matched
 * them: three parts), so the signature is what follows the last dot. Compared in place, without splitting: this runs
 * on every request of a 2nd-gen hop, whose checked copy the front end stripped.
 */
function sameToken(a: string, b: string): boolean {
  if (a === b) return true;
  const end = a.lastIndexOf(".") + 1;
  if (end !== b.lastIndexOf(".") + 1 || !a.startsWith(b.slice(0, end))) return false;
  return isStripped(a, end) || isStripped(b, end);
}

/** Whether the signature that starts at `from` is the platform's mark of a removed one. */
function isStripped(token: string, from: number): boolean {
  return token.length - from === SIGNATURE_REMOVED.length && token.endsWith(SIGNATURE_REMOVED);
}

function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf(".") + 1);
}

/** `token` with its signature replaced as Cloud Run replaces it once it has checked it. */
export function withoutSignature(token: string): string {
  return `${token.slice(0, token.lastIndexOf(".") + 1)}${SIGNATURE_REMOVED}`;
}

function headerName(header: TokenHeader): string {
  return header === "authorization" ? "Authorization" : "X-Serverless-Authorization";
}

/** The claims of a token, decoded without any check: for a copy whose signature the platform removed. */
export function decodeClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  return part === undefined ? undefined : claimsOf(Buffer.from(part, "base64url"));
}

/** A JWT's payload (the bytes a signature covers) as a claims set; undefined unless it is a JSON object. */
export function claimsOf(payload: Uint8Array): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
    return json !== null && typeof json === "object" && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The token headers of a request as Node gives them (lower-case names). A header given twice is unreadable,
 * so it is read as a value no bearer token has, and refused as malformed.
 */
export function tokenHeadersOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): TokenHeaders {
  return {
    authorization: oneValue(headers.authorization),
    serverlessAuthorization: oneValue(headers[SERVERLESS_AUTHORIZATION]),
  };
}

// At module level, not a closure per call: tokenHeadersOf runs on every request.
function oneValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : "repeated") : value;
}

/** What a reader expects of a token's claims. */
export interface ClaimRules {
  /** Accepted `iss` values (Google's two spellings in production). */
  readonly issuers: readonly string[];
  /** The reader's own URL: the audience every caller's token must carry. */
  readonly audience: string;
  /** Further audiences accepted from a user (not a service account): gcloud's client id for developers. */
  readonly userAudiences: readonly string[];
  readonly now: Date;
}

/** A verified caller, as its claims name it. */
export interface TokenCaller {
  readonly email: string;
  readonly kind: "serviceAccount" | "user";
}

/**
 * Holds a token's claims to Google's: issuer; `exp` required and not past (with skew); `nbf` not ahead; `iat`
 * required, not ahead, at most an hour before `exp`; a verified email; the audience the reader's own URL (a user
 * may also present a user audience). Returns the caller, or the first problem, fit for a 401's message (it names
 * claims, never the token).
 */
export function checkClaims(
  claims: Record<string, unknown>,
  rules: ClaimRules,
): { caller: TokenCaller } | { problem: string } {
  const seconds = Math.floor(rules.now.getTime() / 1000);
  const { iss, exp, nbf, iat, aud, email, email_verified: verified } = claims;
  if (typeof iss !== "string" || !rules.issuers.includes(iss))
    return { problem: 'unexpected "iss" claim value' };
  if (!isTime(exp)) return { problem: 'missing "exp" claim' };
  if (seconds > exp + CLOCK_SKEW_SECONDS)
    return { problem: '"exp" claim timestamp check failed (the token expired)' };
  if (nbf !== undefined && (!isTime(nbf) || nbf > seconds + CLOCK_SKEW_SECONDS))
    return { problem: '"nbf" claim timestamp check failed' };
  if (!isTime(iat)) return { problem: 'missing "iat" claim (Google-signed ID tokens always carry one)' };
  if (iat > seconds + CLOCK_SKEW_SECONDS)
    return {
      problem: `"iat" is ${iat - seconds} s in the future, beyond the ${CLOCK_SKEW_SECONDS} s clock skew allowed`,
    };
  if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS)
    return {
      problem: `it lives ${exp - iat} s from "iat" to "exp", longer than Google's ID tokens (${MAX_TOKEN_LIFETIME_SECONDS} s)`,
    };
  if (typeof email !== "string" || email === "" || (verified !== true && verified !== "true"))
    return {
      problem: "the ID token has no verified email: mint it for a service account or a Google account",
    };
  const kind = isServiceAccountEmail(email) ? "serviceAccount" : "user";
  const allowed = kind === "serviceAccount" ? [rules.audience] : [rules.audience, ...rules.userAudiences];
  const given = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
  if (!given.some((a) => typeof a === "string" && allowed.includes(a)))
    return { problem: `its audience ${JSON.stringify(aud ?? null)} is not ${rules.audience}` };
  return { caller: { email, kind } };
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
