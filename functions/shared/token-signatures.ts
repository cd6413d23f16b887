import { compactVerify, createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from "jose";
import { claimsOf } from "../../iam/id-token";
import { VerifiedTokens } from "../../iam/verified-tokens";

/** How a {@link TokenSignatures} keeps its keys and verdicts. */
export interface TokenSignaturesOptions {
  /** Verdicts remembered at most (issue 19: 1,000). */
  readonly maxEntries?: number;
  /**
   * How long keys are used when the key set's answer has no `Cache-Control: max-age`: jose's own default, 10
   * minutes. Google's certs endpoint sends one (hours).
   */
  readonly defaultMaxAgeMs?: number;
  /** After a successful fetch, an unknown `kid` triggers another only after this long (jose's default, 30 s). */
  readonly cooldownMs?: number;
  /** The current time, ms; defaults to `Date.now`. */
  readonly now?: () => number;
  /** The key set's fetch; defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** A key set already fetched is refreshed this long before its `max-age` ends, in the background. */
const REFRESH_AHEAD_MS = 60_000;

/**
 * RS256 signatures of ID tokens, against one key set URL (Google's, or the local stack's stand-in): what Google's
 * front end checks, and what `verifyCaller` checks before it believes a service account. The function's code and
 * the local front ends use this one class.
 *
 * - The key set is fetched once and kept for as long as its `Cache-Control: max-age` says
 *   (https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken: "use the
 *   Cache-Control header's max-age to know when to retrieve them again"), refreshed in the background before then;
 *   an unknown `kid` refetches it once, with jose's cool-down (`createRemoteJWKSet`).
 * - A signature that verified is remembered by the token's exact bytes until its `exp` (bounded), so the same
 *   token costs one signature check; a failure is never remembered. Only the signature's verdict is kept: the
 *   caller checks the claims of every request.
 */
export class TokenSignatures {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly verdicts: VerifiedTokens<Record<string, unknown>>;
  private readonly now: () => number;
  private readonly defaultMaxAgeMs: number;
  private freshUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private fetched = 0;
  private checked = 0;

  constructor(
    readonly jwksUrl: string,
    options: TokenSignaturesOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.defaultMaxAgeMs = options.defaultMaxAgeMs ?? 600_000;
    this.verdicts = new VerifiedTokens(options.maxEntries ?? 1_000);
    const fetchKeys = options.fetch ?? globalThis.fetch;
    this.keys = createRemoteJWKSet(new URL(jwksUrl), {
      // Freshness is this class's, from Cache-Control; jose still refetches on an unknown kid.
      cacheMaxAge: Infinity,
      cooldownDuration: options.cooldownMs ?? 30_000,
      [customFetch]: async (url, init) => {
        const answer = await fetchKeys(url, init);
        if (answer.ok) this.fetchedKeys(answer.headers.get("cache-control"));
        return answer;
      },
    });
  }

  /** Key set documents fetched so far (for tests and benchmarks). */
  get keySetFetches(): number {
    return this.fetched;
  }

  /** Signatures checked so far (a remembered verdict checks none): for tests and benchmarks. */
  get signatureChecks(): number {
    return this.checked;
  }

  /** Verdicts held. */
  get remembered(): number {
    return this.verdicts.size;
  }

  /**
   * The claims of `token` once its RS256 signature verifies against the key set; throws jose's error otherwise
   * (a key set that cannot be fetched included). The algorithm is never the header's choice: `none` and
   * HS256-with-the-public-key are refused.
   */
  async verify(token: string): Promise<Record<string, unknown> | undefined> {
    const known = this.rememberedClaims(token);
    if (known) return known;
    const now = this.now();
    this.checked += 1;
    const { payload } = await compactVerify(token, this.keySource(), { algorithms: ["RS256"] });
    const claims = claimsOf(payload);
    if (claims) this.verdicts.remember(token, claims, expiryMs(claims), now);
    return claims;
  }

  /**
   * The claims of `token` when its signature verified before and the verdict is still held (until its `exp`);
   * undefined otherwise, with nothing checked or fetched. What {@link verify} answers without awaiting anything.
   */
  rememberedClaims(token: string): Record<string, unknown> | undefined {
    return this.verdicts.get(token, this.now());
  }

  /** Fetches the key set in the background (warm start), so the first request does not wait for it. */
  warm(): void {
    if (this.closed || this.keys.reloading || this.fetched > 0) return;
    // The first request fetches again and reports a failure. Each key is also imported now (jose imports a key
    // on its first use), and one signature check is run on a token that cannot verify, so the first token costs
    // no more than the next: the first check otherwise pays for compiling the verification path and for the
    // crypto library's first RSA verification (about 4 ms of a first request on this machine, bench section 11).
    this.keys
      .reload()
      .then(async () => {
        const keys = this.keys.jwks()?.keys ?? [];
        await Promise.all(keys.map((key) => this.keys(headerFor(key.kid)).catch(() => undefined)));
        if (keys.length > 0) await this.verify(unverifiable(keys[0]!.kid)).catch(() => undefined);
      })
      .catch(() => undefined);
  }

  /** Stops the background refresh. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private keySource(): JWTVerifyGetKey {
    // Stale by Cache-Control (the background refresh did not run or failed): reload before use. A reload that
    // fails keeps the keys held (jose replaces them only on success): Google's keys outlive their max-age.
    if (this.fetched > 0 && this.now() >= this.freshUntil && !this.keys.reloading)
      return async (header, input) => {
        await this.keys.reload().catch(() => undefined);
        return this.keys(header, input);
      };
    return this.keys;
  }

  private fetchedKeys(cacheControl: string | null): void {
    this.fetched += 1;
    const maxAge = maxAgeMs(cacheControl) ?? this.defaultMaxAgeMs;
    this.freshUntil = this.now() + maxAge;
    clearTimeout(this.timer);
    if (this.closed || maxAge <= REFRESH_AHEAD_MS) return;
    // unref: never keeps a process (or a test) alive. Capped at setTimeout's limit (about 24.8 days).
    this.timer = setTimeout(
      () => this.keys.reload().catch(() => undefined),
      Math.min(maxAge - REFRESH_AHEAD_MS, 2 ** 31 - 1),
    ).unref();
  }
}

/** `max-age` of a Cache-Control header, ms; 0 for `no-store`/`no-cache`; undefined when it says nothing. */
export function maxAgeMs(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  const directives = cacheControl
    .toLowerCase()
    .split(",")
    .map((d) => d.trim());
  if (directives.includes("no-store") || directives.includes("no-cache")) return 0;
  const maxAge = directives.map((d) => /^max-age="?(\d+)"?$/.exec(d)?.[1]).find((v) => v !== undefined);
  return maxAge === undefined ? undefined : Number(maxAge) * 1000;
}

/** The protected header of an RS256 token signed with the key `kid` (no `kid` for a key set that names none). */
function headerFor(kid: string | undefined): { alg: "RS256"; kid?: string } {
  return { alg: "RS256", ...(kid ? { kid } : {}) };
}

/**
 * A compact RS256 token for the key `kid` whose signature is all zero bytes, which no RSA key verifies (the
 * signature's RSA public operation gives 0, never a PKCS #1 v1.5 encoding: RFC 8017 §8.2.2). Refused, so never
 * remembered; the key is one the set holds, so it causes no key set fetch.
 */
function unverifiable(kid: string | undefined): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part(headerFor(kid))}.${part({ exp: 0 })}.${Buffer.alloc(256).toString("base64url")}`;
}

function expiryMs(claims: Record<string, unknown>): number | undefined {
  return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
}

const perUrl = new Map<string, TokenSignatures>();

/** The process's one {@link TokenSignatures} for `jwksUrl`: keys and verdicts live as long as the instance. */
export function tokenSignatures(jwksUrl: string): TokenSignatures {
  let signatures = perUrl.get(jwksUrl);
  if (!signatures) {
    signatures = new TokenSignatures(jwksUrl);
    perUrl.set(jwksUrl, signatures);
  }
  return signatures;
}
