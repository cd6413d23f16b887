import { GoogleAuth } from "google-auth-library";
import { decodeJwt } from "jose";
import { backoffDelay, type BackoffPolicy } from "./backoff";
import { log } from "./log";

/** Where ID tokens for calling other functions come from. Injected, so tests can swap it. */
export interface IdTokenSource {
  /**
   * An ID token whose `aud` is `audience`. `forceRefresh` skips any held token (used once after a 401, when the
   * callee rejected the held one).
   */
  fetchIdToken(audience: string, opts?: { forceRefresh?: boolean }): Promise<string>;
  /** Starts fetching these audiences' tokens in the background, so that the first call finds one. */
  warm?(audiences: readonly string[]): void;
  /** Stops every background refresh (shutdown, tests). */
  close?(): void;
}

/**
 * When a token is refreshed, as fractions of its lifetime for short-lived tokens. Google's ID tokens live an
 * hour (https://cloud.google.com/docs/authentication/token-types#id-lifetime), so the absolute figures apply:
 * refreshed from 6 to 5 minutes before expiry, used until 10 s before it.
 */
export interface RefreshPolicy {
  /**
   * Refresh this long before expiry: google-auth-library's own window (`eagerRefreshThresholdMillis`, 5 minutes),
   * or a quarter of a shorter token's lifetime.
   */
  readonly leadMs: number;
  /** Up to this much earlier again, at random (or a tenth of the lifetime), so instances started together spread. */
  readonly jitterMs: number;
  /** A held token is used until this long before its `exp` (or a twentieth of its lifetime): transit and skew. */
  readonly marginMs: number;
  /** Backoff between retries of a failed background refresh. */
  readonly retry: BackoffPolicy;
}

export const DEFAULT_REFRESH: RefreshPolicy = {
  leadMs: 5 * 60_000,
  jitterMs: 60_000,
  marginMs: 10_000,
  retry: { baseMs: 1_000, maxMs: 30_000 },
};

/** What the source did, for benchmarks and tests. */
export interface TokenSourceStats {
  /** Tokens fetched from the metadata server, in all. */
  readonly fetches: number;
  /** Calls of `fetchIdToken` that had to wait for a fetch (no usable token was held, or a forced refresh). */
  readonly waits: number;
  /**
   * Of those, the calls for an audience whose token had been fetched before: what refreshing ahead removes (the
   * cold start's first fetch, which concurrent first calls share, is not one).
   */
  readonly waitsAfterFirst: number;
  /** Fetches made in the background, ahead of expiry (warm start included). */
  readonly background: number;
  /** Background fetches that failed. */
  readonly backgroundFailures: number;
}

export interface MetadataIdTokenSourceOptions {
  readonly auth?: GoogleAuth;
  readonly refresh?: RefreshPolicy;
  /** Source of jitter; defaults to `Math.random`. */
  readonly random?: () => number;
  /** The current time, ms; defaults to `Date.now`. */
  readonly now?: () => number;
}

interface Held {
  readonly token: string;
  /** Until when a request may use it, ms. */
  readonly usableUntil: number;
  readonly expiresAt: number;
}

interface Audience {
  held?: Held;
  inflight?: { readonly forced: boolean; readonly token: Promise<string> };
  timer?: NodeJS.Timeout;
  /** Consecutive failed background refreshes; the first one is logged, the others are not. */
  failures: number;
  /** Whether a token was ever fetched for it. */
  fetched: boolean;
}

/**
 * ID tokens of the function's own service account, from the metadata server
 * (`/computeMetadata/v1/instance/service-accounts/default/identity?audience=…`, through google-auth-library's
 * `IdTokenProvider`: https://cloud.google.com/functions/docs/securing/authenticating#generating_tokens_programmatically).
 *
 * A request never waits for a token while one is held: each audience's token is refreshed in the background before
 * its refresh window, with jitter, so the call that crosses the window uses the current token instead of fetching
 * inline (google-auth-library's `IdTokenClient` refreshes inside the request: googleapis/google-auth-library-nodejs#338).
 * Only a missing or expired token makes a request wait, and concurrent waits share one fetch. A failed background
 * refresh is retried with backoff and logged once; the held token stays in use until it really expires.
 * The metadata host honours `GCE_METADATA_HOST` and `METADATA_SERVER_DETECTION=assume-present`.
 */
export class MetadataIdTokenSource implements IdTokenSource {
  private readonly audiences = new Map<string, Audience>();
  private readonly auth: GoogleAuth;
  private readonly policy: RefreshPolicy;
  private readonly random: () => number;
  private readonly now: () => number;
  private closed = false;
  private counts = { fetches: 0, waits: 0, waitsAfterFirst: 0, background: 0, backgroundFailures: 0 };

  constructor(options: MetadataIdTokenSourceOptions | GoogleAuth = {}) {
    const opts = options instanceof GoogleAuth ? { auth: options } : options;
    this.auth = opts.auth ?? new GoogleAuth();
    this.policy = opts.refresh ?? DEFAULT_REFRESH;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  get stats(): TokenSourceStats {
    return { ...this.counts };
  }

  fetchIdToken(audience: string, opts: { forceRefresh?: boolean } = {}): Promise<string> {
    const state = this.state(audience);
    const forced = opts.forceRefresh === true;
    if (!forced && state.held && this.now() < state.held.usableUntil)
      return Promise.resolve(state.held.token);
    this.counts.waits += 1;
    if (state.fetched) this.counts.waitsAfterFirst += 1;
    return this.fetch(audience, state, forced);
  }

  warm(audiences: readonly string[]): void {
    for (const audience of audiences) {
      const state = this.state(audience);
      if (state.held || state.inflight) continue;
      this.counts.background += 1;
      this.fetch(audience, state, false).catch((error: unknown) => {
        this.counts.backgroundFailures += 1;
        // Once per audience: the first call fetches inline and says why if it fails too.
        log("WARNING", `could not fetch an ID token for ${audience} at start: ${describe(error)}`, {
          audience,
        });
      });
    }
  }

  close(): void {
    this.closed = true;
    for (const state of this.audiences.values()) clearTimeout(state.timer);
  }

  private state(audience: string): Audience {
    let state = this.audiences.get(audience);
    if (!state) {
      state = { failures: 0, fetched: false };
      this.audiences.set(audience, state);
    }
    return state;
  }

  /** One fetch per audience at a time: a forced refresh joins only a fetch that is itself forced. */
  private fetch(audience: string, state: Audience, forced: boolean): Promise<string> {
    const pending = state.inflight;
    if (pending && (pending.forced || !forced)) return pending.token;
    const entry = { forced, token: this.fetchFromProvider(audience, state) };
    state.inflight = entry;
    const settle = () => {
      if (state.inflight === entry) state.inflight = undefined;
    };
    entry.token.then(settle, settle);
    return entry.token;
  }

  private async fetchFromProvider(audience: string, state: Audience): Promise<string> {
    // The client GoogleAuth detects (the metadata server's, on Google) and caches; its provider fetches the token.
    const { idTokenProvider } = await this.auth.getIdTokenClient(audience);
    this.counts.fetches += 1;
    const token = await idTokenProvider.fetchIdToken(audience);
    if (typeof token !== "string" || token === "")
      throw new Error(`the metadata server returned no ID token for audience ${audience}`);
    state.fetched = true;
    this.hold(audience, state, token);
    return token;
  }

  /** Keeps `token` until near its expiry and schedules its refresh ahead of the window. */
  private hold(audience: string, state: Audience, token: string): void {
    const now = this.now();
    const expiresAt = expiryOf(token);
    clearTimeout(state.timer);
    state.timer = undefined;
    if (expiresAt === undefined || expiresAt <= now) {
      state.held = undefined; // nothing says how long it lives: used by this request only
      return;
    }
    const lifetime = expiresAt - now;
    const { leadMs, jitterMs, marginMs } = this.policy;
    state.held = { token, expiresAt, usableUntil: expiresAt - Math.min(marginMs, lifetime / 20) };
    const refreshAt =
      expiresAt - Math.min(leadMs, lifetime / 4) - this.random() * Math.min(jitterMs, lifetime / 10);
    this.schedule(audience, state, refreshAt - now);
  }

  private schedule(audience: string, state: Audience, delayMs: number): void {
    if (this.closed) return;
    // unref: a scheduled refresh never keeps a process (or a test) alive.
    state.timer = setTimeout(() => this.refreshAhead(audience, state), Math.max(0, delayMs)).unref();
  }

  private refreshAhead(audience: string, state: Audience): void {
    state.timer = undefined;
    this.counts.background += 1;
    this.fetch(audience, state, true).then(
      () => {
        if (state.failures > 0)
          log("INFO", `ID token for ${audience} refreshed again after ${state.failures} failed attempts`, {
            audience,
          });
        state.failures = 0;
      },
      (error: unknown) => {
        this.counts.backgroundFailures += 1;
        state.failures += 1;
        if (state.failures === 1)
          log(
            "WARNING",
            `could not refresh the ID token for ${audience} ahead of its expiry: ${describe(error)}; retrying with backoff, the current token stays in use until it expires`,
            { audience },
          );
        const delay = Math.max(100, backoffDelay(state.failures - 1, this.policy.retry, this.random));
        // Past expiry a request fetches inline anyway, and restarts the schedule when it succeeds.
        if (state.held && this.now() + delay < state.held.expiresAt) this.schedule(audience, state, delay);
      },
    );
  }
}

/** The token's `exp` in ms, or undefined when it has none that can be read. */
function expiryOf(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** An error's message for a log line (google-auth-library's messages name the request, never a token). */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
