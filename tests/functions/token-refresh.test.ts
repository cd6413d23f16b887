import type { GoogleAuth } from "google-auth-library";
import { UnsecuredJWT } from "jose";
import { DEFAULT_REFRESH, MetadataIdTokenSource } from "../../functions/shared";

const AUDIENCE = "https://profiles-123.us-central1.run.app";
const HOUR_MS = 3_600_000;

/**
 * A metadata server stand-in behind google-auth-library's `IdTokenProvider` seam: counts fetches, mints unsigned
 * tokens with an `exp` (the source reads nothing else), and fails while told to. Timers and the clock are jest's.
 */
function provider(lifetimeMs = HOUR_MS) {
  const state = { fetches: 0, failing: false, delayMs: 0 };
  const fetchIdToken = async (audience: string): Promise<string> => {
    state.fetches += 1;
    if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    if (state.failing) throw new Error("Could not fetch ID token: metadata answered 503");
    return new UnsecuredJWT({ aud: audience, n: state.fetches })
      .setExpirationTime(Math.floor((Date.now() + lifetimeMs) / 1000))
      .encode();
  };
  const auth = {
    getIdTokenClient: async () => ({ idTokenProvider: { fetchIdToken } }),
  } as unknown as GoogleAuth;
  return { auth, state };
}

beforeEach(() => {
  jest.useFakeTimers({ now: new Date("2026-12-03T12:00:00Z") });
  jest.spyOn(console, "log").mockImplementation(() => undefined);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe("refresh ahead, off the request path", () => {
  test("the refresh runs in the background before the refresh window; no request waits for it", async () => {
    const { auth, state } = provider();
    const source = new MetadataIdTokenSource({ auth, random: () => 0.5 });
    const first = await source.fetchIdToken(AUDIENCE);
    expect(source.stats).toMatchObject({ fetches: 1, waits: 1 });
    // 5 minutes + half of 1 minute of jitter before expiry: 54.5 minutes in.
    await jest.advanceTimersByTimeAsync(54 * 60_000);
    expect(state.fetches).toBe(1);
    expect(await source.fetchIdToken(AUDIENCE)).toBe(first);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(state.fetches).toBe(2);
    const second = await source.fetchIdToken(AUDIENCE);
    expect(second).not.toBe(first);
    // Three more lifetimes: one background fetch each, still no request waiting.
    for (let i = 0; i < 3 * 60; i++) {
      await jest.advanceTimersByTimeAsync(60_000);
      await source.fetchIdToken(AUDIENCE);
    }
    expect(source.stats).toMatchObject({ waits: 1, waitsAfterFirst: 0 });
    expect(source.stats.background).toBe(state.fetches - 1);
    expect(state.fetches).toBeGreaterThanOrEqual(5);
    source.close();
  });

  test("jitter spreads instances: each refreshes somewhere in the minute before the 5-minute window", async () => {
    const early = provider();
    const late = provider();
    const a = new MetadataIdTokenSource({ auth: early.auth, random: () => 0.99 });
    const b = new MetadataIdTokenSource({ auth: late.auth, random: () => 0 });
    await Promise.all([a.fetchIdToken(AUDIENCE), b.fetchIdToken(AUDIENCE)]);
    await jest.advanceTimersByTimeAsync(HOUR_MS - DEFAULT_REFRESH.leadMs - 59_000);
    expect([early.state.fetches, late.state.fetches]).toEqual([2, 1]);
    await jest.advanceTimersByTimeAsync(59_000);
    expect([early.state.fetches, late.state.fetches]).toEqual([2, 2]);
    a.close();
    b.close();
  });

  test("a short-lived token is refreshed at three quarters of its life, less up to a tenth of jitter", async () => {
    const { auth, state } = provider(20_000);
    const source = new MetadataIdTokenSource({ auth, random: () => 0 });
    await source.fetchIdToken(AUDIENCE);
    await jest.advanceTimersByTimeAsync(14_900);
    expect(state.fetches).toBe(1);
    await jest.advanceTimersByTimeAsync(200);
    expect(state.fetches).toBe(2);
    source.close();
  });

  test("a failed background refresh is retried with backoff, logged once, and the held token used until it expires", async () => {
    const warn = jest.spyOn(console, "log");
    const { auth, state } = provider();
    const source = new MetadataIdTokenSource({ auth, random: () => 0.5 });
    const held = await source.fetchIdToken(AUDIENCE);
    state.failing = true;
    await jest.advanceTimersByTimeAsync(55 * 60_000);
    // Four minutes of failures: several retries, each request served with the held token, one log line.
    for (let i = 0; i < 240; i++) {
      await jest.advanceTimersByTimeAsync(1_000);
      expect(await source.fetchIdToken(AUDIENCE)).toBe(held);
    }
    const failures = source.stats.backgroundFailures;
    expect(failures).toBeGreaterThanOrEqual(8); // backoff capped at 30 s over 4 minutes
    expect(failures).toBeLessThan(240); // backed off, not once per second
    expect(source.stats.waits).toBe(1);
    const lines = warn.mock.calls
      .map(([line]) => String(line))
      .filter((l) => l.includes("could not refresh"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(held);
    // Recovery: the next retry succeeds and says so once.
    state.failing = false;
    await jest.advanceTimersByTimeAsync(31_000);
    const fresh = await source.fetchIdToken(AUDIENCE);
    expect(fresh).not.toBe(held);
    expect(source.stats.waits).toBe(1);
    expect(warn.mock.calls.filter(([l]) => String(l).includes("refreshed again"))).toHaveLength(1);
    source.close();
  });

  test("past its expiry the held token is not used: the request waits for a fetch", async () => {
    const { auth, state } = provider();
    const source = new MetadataIdTokenSource({ auth, random: () => 0.5 });
    const held = await source.fetchIdToken(AUDIENCE);
    state.failing = true;
    await jest.advanceTimersByTimeAsync(HOUR_MS - 5_000); // inside the 10 s margin
    await expect(source.fetchIdToken(AUDIENCE)).rejects.toThrow(/Could not fetch ID token/);
    state.failing = false;
    const fresh = await source.fetchIdToken(AUDIENCE);
    expect(fresh).not.toBe(held);
    expect(source.stats).toMatchObject({ waits: 3, waitsAfterFirst: 2 });
    source.close();
  });

  test("requests during a slow background refresh use the held token; a forced refresh joins nothing stale", async () => {
    const { auth, state } = provider();
    const source = new MetadataIdTokenSource({ auth, random: () => 0.5 });
    const held = await source.fetchIdToken(AUDIENCE);
    state.delayMs = 5_000;
    await jest.advanceTimersByTimeAsync(54.5 * 60_000 + 1);
    expect(state.fetches).toBe(2); // in flight
    expect(await source.fetchIdToken(AUDIENCE)).toBe(held);
    const forced = source.fetchIdToken(AUDIENCE, { forceRefresh: true }); // joins the forced background fetch
    await jest.advanceTimersByTimeAsync(5_000);
    expect(await forced).not.toBe(held);
    expect(state.fetches).toBe(2);
    source.close();
  });

  test("close stops every background refresh", async () => {
    const { auth, state } = provider();
    const source = new MetadataIdTokenSource({ auth });
    await source.fetchIdToken(AUDIENCE);
    source.close();
    await jest.advanceTimersByTimeAsync(2 * HOUR_MS);
    expect(state.fetches).toBe(1);
  });
});

describe("warm start", () => {
  test("warm fetches each audience once in the background; the first call then waits for nothing", async () => {
    const { auth, state } = provider();
    const source = new MetadataIdTokenSource({ auth });
    const other = "https://search-123.us-central1.run.app";
    source.warm([AUDIENCE, other]);
    source.warm([AUDIENCE]); // already on its way: not fetched twice
    await jest.advanceTimersByTimeAsync(0);
    expect(state.fetches).toBe(2);
    await source.fetchIdToken(AUDIENCE);
    await source.fetchIdToken(other);
    expect(source.stats).toMatchObject({ waits: 0, background: 2, fetches: 2 });
    source.close();
  });

  test("a warm start that fails is logged once per audience and the first call fetches again", async () => {
    const warn = jest.spyOn(console, "log");
    const { auth, state } = provider();
    state.failing = true;
    const source = new MetadataIdTokenSource({ auth });
    source.warm([AUDIENCE]);
    await jest.advanceTimersByTimeAsync(0);
    expect(warn.mock.calls.filter(([l]) => String(l).includes("at start"))).toHaveLength(1);
    state.failing = false;
    await expect(source.fetchIdToken(AUDIENCE)).resolves.toContain(".");
    expect(source.stats.waits).toBe(1);
    source.close();
  });
});
