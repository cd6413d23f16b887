import type { Request } from "@google-cloud/functions-framework";
import { compactVerify, errors, type JWTVerifyGetKey } from "jose";
import {
  checkClaims,
  claimsOf,
  CLOCK_SKEW_SECONDS,
  decodeClaims,
  MAX_TOKEN_LIFETIME_SECONDS,
  presentedToken,
  SERVERLESS_AUTHORIZATION,
  SIGNATURE_REMOVED,
  tokenHeadersOf,
  type TokenHeaders,
} from "../../iam/id-token";
import { possessive } from "../../iam/possessive";
import type { FunctionEnv, SourceIdentity } from "./env";
import { CallerVerificationError } from "./errors";
import { isAllowedInvoker, isPublic } from "./members";
import { tokenSignatures, type TokenSignatures } from "./token-signatures";

export { CLOCK_SKEW_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, SIGNATURE_REMOVED, tokenHeadersOf };

/** Who called the function, once verified. */
export interface Caller {
  /** The token's verified email; absent for an anonymous call to a public function. */
  readonly email?: string;
  readonly kind: "serviceAccount" | "user" | "anonymous";
  /**
   * No copy of the token carried its signature: Google's front end checked it and removed it, and only the
   * claims were checked here. Never true for a function's account; true for a declared source's delivery to a
   * 2nd-gen function, which Google's services send in `Authorization` alone (see `unsignedRefusal`).
   */
  readonly platformVerified: boolean;
  /**
   * The caller that is not a function whose account verified (a Scheduler job, a push subscription, a queue, a
   * workflow, an Eventarc trigger), by its declared name and kind; absent for a function, a user or anyone else.
   */
  readonly source?: SourceIdentity;
}

export interface VerifyCallerOptions {
  /**
   * Where signatures are checked; defaults to the process's one for `env.jwksUrl` (keys kept per their
   * Cache-Control, each verified token remembered until its `exp`).
   */
  readonly signatures?: TokenSignatures;
  /** Signing keys to verify against directly, nothing remembered (tests). */
  readonly jwks?: JWTVerifyGetKey;
  /** The current time; defaults to now. */
  readonly currentDate?: Date;
}

const ANONYMOUS: Caller = { kind: "anonymous", platformVerified: false };

/**
 * Verifies the caller of this function from the request's token headers (DESIGN.md invariant 13):
 * - the identity is the one in the header the platform checked: `X-Serverless-Authorization` when present (Cloud Run
 *   then checks that one and passes `Authorization` on untouched), else `Authorization`; every copy present must be
 *   the same token, or the request is refused;
 * - a copy that still carries a signature is verified: RS256 against the JWKS, never the header's choice of
 *   algorithm; a signature that does not verify is refused whatever the other copy says;
 * - a service account (every function-to-function call) is believed only on a signature that verifies: a token
 *   whose every copy was stripped proves nothing about one, whatever the generation;
 * - a user's token whose signature Google removed (gcloud's token for a developer, checked by Cloud Run) is
 *   accepted on its claims only where Google enforces the function's invoker grant
 *   (`CALLGRAPH_PLATFORM_VERIFIES_TOKENS`, set from the grants the program registers), never on a public function;
 * - then the claims (`iam/id-token.ts`, the rules the local front ends apply too) and the caller rule: a service
 *   account must be a declared caller, a user an invoker.
 *
 * Throws `CallerVerificationError`: 401 for a missing, malformed, mismatched or invalid token, 403 for a valid
 * token of a caller that may not invoke the function, 503 when the signing keys cannot be fetched.
 */
export async function verifyCaller(
  headers: TokenHeaders,
  env: FunctionEnv,
  opts: VerifyCallerOptions = {},
): Promise<Caller> {
  return callerNowOrLater(headers, env, opts);
}

/**
 * {@link verifyCaller}'s answer, at once when it needs no I/O (a token whose signature verified before and whose
 * verdict is still remembered, a copy the platform stripped, no token), else the promise of the signature's check.
 * Throws `CallerVerificationError` at once where the headers decide, as `verifyCaller` rejects.
 *
 * The same checks in the same order, minus the awaits, for `secured`: every request of a warm caller takes this
 * path, and each promise costs there, since the Functions Framework's domains and async context track every promise
 * a request creates (bench section 2).
 */
export function callerNowOrLater(
  headers: TokenHeaders,
  env: FunctionEnv,
  opts: VerifyCallerOptions = {},
): Caller | Promise<Caller> {
  const read = readCaller(headers, env, opts);
  if ("caller" in read) return read.caller;
  const claims = rememberedClaims(read.token, env, opts);
  if (claims) return decide(read.presented, claims, env, opts);
  return verifySignature(read.token, env, opts).then((checked) => decide(read.presented, checked, env, opts));
}

/** The claims of a token whose signature verified before, still remembered; nothing checked or fetched. */
function rememberedClaims(
  token: string,
  env: FunctionEnv,
  opts: VerifyCallerOptions,
): Record<string, unknown> | undefined {
  // Checked keys only: `opts.jwks` remembers nothing, so such a token always waits for its check.
  if (opts.jwks) return undefined;
  try {
    return signaturesOf(env, opts).rememberedClaims(token);
  } catch {
    return undefined; // a key set that cannot be set up (a bad URL): the check answers it (503)
  }
}

type Presented = Extract<ReturnType<typeof presentedToken>, { kind: "token" }>;

/**
 * What the headers alone decide: the caller (anonymous, or a copy whose signature the platform removed, decided on
 * its claims), or the signed token whose signature is still to check. Throws `CallerVerificationError`.
 */
function readCaller(
  headers: TokenHeaders,
  env: FunctionEnv,
  opts: VerifyCallerOptions,
): { readonly caller: Caller } | { readonly presented: Presented; readonly token: string } {
  const presented = presentedToken(headers);
  if (presented.kind === "none") {
    if (isPublic(env.invokers)) return { caller: ANONYMOUS };
    throw new CallerVerificationError(
      401,
      `${env.functionName} requires an ID token: send "Authorization: Bearer <token>" with audience ${env.selfUrl}`,
    );
  }
  if (presented.kind === "refused") throw new CallerVerificationError(401, presented.reason);
  if (presented.signed) return { presented, token: presented.signed.token };
  return { caller: decide(presented, decodeClaims(presented.checked.token), env, opts) };
}

/** The caller the token's claims name, once its signature verified or its copy was stripped; or the refusal. */
function decide(
  presented: Presented,
  claims: Record<string, unknown> | undefined,
  env: FunctionEnv,
  opts: VerifyCallerOptions,
): Caller {
  if (!claims)
    throw new CallerVerificationError(401, "invalid ID token: the payload is not a JWT claims set");
  const checked = checkClaims(claims, {
    issuers: env.tokenIssuers,
    audience: env.selfUrl,
    userAudiences: env.userAudiences,
    now: opts.currentDate ?? new Date(),
  });
  if ("problem" in checked) throw new CallerVerificationError(401, `invalid ID token: ${checked.problem}`);
  const { email, kind } = checked.caller;

  const open = isPublic(env.invokers);
  const platformVerified = presented.signed === undefined;
  if (platformVerified) unsignedRefusal(kind, open, env, email, presented.copies);
  if (!open && !isAllowedInvoker(email, env.invokers))
    throw new CallerVerificationError(403, forbidden(email, kind, env.functionName));
  const source = kind === "serviceAccount" && email ? env.sources?.[email.toLowerCase()] : undefined;
  return { email, kind, platformVerified, ...(source ? { source } : {}) };
}

/**
 * Why a token with no signature left cannot be believed here; returns when it can: a user, or one of the function's
 * declared sources (a Scheduler job, a push subscription, a queue, a workflow, an Eventarc trigger), behind Google's
 * IAM check.
 *
 * A source cannot send its token the way callgraph's client does: Google's services put it in `Authorization` alone
 * (Scheduler's `oidcToken`, Pub/Sub's push `oidcToken`, Tasks' `oidcToken`, Workflows' `auth`, Eventarc's deliveries),
 * and Cloud Run hands that copy to the code with its signature removed
 * (https://cloud.google.com/run/docs/troubleshooting#signature-removed), so on 2nd gen no source's delivery ever
 * carries a signature the code could check. It is believed on its claims only where every condition holds: Google
 * enforces the function's invoker grant (`CALLGRAPH_PLATFORM_VERIFIES_TOKENS`, never on a public function), so the
 * front end verified the signature before removing it; the token came in `Authorization` alone, the one header the
 * front end then checked (a second copy in `X-Serverless-Authorization` would have been the checked one: a source
 * never sends it, and callgraph's functions always do); and its account is one the program declared as a source of
 * this function (`CALLGRAPH_SOURCES`). A function's account still needs a signature that verifies (invariant 13).
 */
function unsignedRefusal(
  kind: "serviceAccount" | "user",
  open: boolean,
  env: FunctionEnv,
  email: string | undefined,
  copies: readonly { readonly header: string }[],
): void {
  const source = email === undefined ? undefined : env.sources?.[email.toLowerCase()];
  const authorizationAlone = copies.length === 1 && copies[0].header === "authorization";
  if (kind === "serviceAccount" && source && authorizationAlone && !open && env.platformVerifiesTokens)
    return;
  if (kind === "serviceAccount")
    throw new CallerVerificationError(
      401,
      `the token's signature was removed, and an unsigned token never proves a service account: send the signed token in Authorization (callgraph's client sends it in both Authorization and ${SERVERLESS_AUTHORIZATION})`,
    );
  // A public function is not fronted by an IAM check, so nobody verified the signature that was removed.
  if (open)
    throw new CallerVerificationError(
      401,
      `the token's signature was removed, but ${env.functionName} is public, so no platform verified it`,
    );
  // Only Google's front end strips signatures after checking them; where it does not front the function, such a
  // token is a forgery.
  if (!env.platformVerifiesTokens)
    throw new CallerVerificationError(
      401,
      `the token's signature was removed, but ${possessive(env.functionName)} platform does not verify tokens for it (CALLGRAPH_PLATFORM_VERIFIES_TOKENS is not "true")`,
    );
}

/** `verifyCaller` for an incoming request. */
export function verifyRequest(req: Request, env: FunctionEnv, opts?: VerifyCallerOptions): Promise<Caller> {
  return verifyCaller(tokenHeadersOf(req.headers), env, opts);
}

async function verifySignature(
  token: string,
  env: FunctionEnv,
  opts: VerifyCallerOptions,
): Promise<Record<string, unknown> | undefined> {
  try {
    // The signature only: the claims are checked next, by the rules every reader shares.
    if (opts.jwks) {
      const { payload } = await compactVerify(token, opts.jwks, { algorithms: ["RS256"] });
      return claimsOf(payload);
    }
    return await signaturesOf(env, opts).verify(token);
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

function signaturesOf(env: FunctionEnv, opts: VerifyCallerOptions): TokenSignatures {
  return opts.signatures ?? tokenSignatures(env.jwksUrl);
}

function forbidden(email: string, kind: "serviceAccount" | "user", fn: string): string {
  return kind === "serviceAccount"
    ? `${email} is not a declared caller of ${fn}: add ${fn} to its function's \`calls\` in the stack config and run \`pulumi up\``
    : `${email} may not invoke ${fn}: add "user:${email}", its group or its domain to ${possessive(fn)} \`invokers\` in the stack config`;
}

/** The key set could not be fetched: our problem (503), not the caller's (401). */
function cannotFetchKeys(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError)
    return error.code === errors.JOSEError.code && /JSON Web Key Set HTTP response/.test(error.message);
  return true;
}
