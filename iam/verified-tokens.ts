/**
 * Tokens whose signature verified, remembered by their exact bytes until their `exp`, so that a caller that sends
 * the same token for an hour costs one signature check (issue 19). Only the signature's verdict is remembered:
 * every request still checks the claims (expiry, audience, issuer) and the caller rule against them. Pure and
 * bounded: once `maxEntries` are held, the least recently placed entry goes first, and a hit places its entry
 * again once it has aged (see `get`), which makes it a least-recently-used bound that costs a hit nothing.
 *
 * A Map keeps insertion order, which is all a bounded LRU needs; this folder imports nothing (DESIGN.md, Layout),
 * so it is not lru-cache.
 */
export class VerifiedTokens<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Counts the entries placed, so each entry knows how many were placed after it. */
  private placed = 0;

  constructor(private readonly maxEntries = 1_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The value remembered for exactly `token`, unless its token has expired by `now` (ms). A hit moves the entry
   * to the most recently used end only once half the bound was placed after it: an entry is evicted only after
   * `maxEntries` were placed after it, so before then it is in no danger, and a caller sending the same token on
   * every request moves nothing on most of them. An entry read at least once every `floor(maxEntries / 2)`
   * placements is never evicted (a strict LRU would keep one read once every `maxEntries - 1`).
   */
  get(token: string, now: number): V | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(token); // never outlives its token
      return undefined;
    }
    if (this.placed - entry.placed >= this.maxEntries / 2) {
      this.entries.delete(token);
      this.place(token, entry.value, entry.expiresAt);
    }
    return entry.value;
  }

  /**
   * Remembers a verified token until `expiresAt` (ms, its `exp`). A token without a future expiry is not
   * remembered: nothing says how long its verdict holds.
   */
  remember(token: string, value: V, expiresAt: number | undefined, now: number): void {
    if (expiresAt === undefined || !Number.isFinite(expiresAt) || expiresAt <= now) return;
    this.entries.delete(token);
    this.place(token, value, expiresAt);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  private place(token: string, value: V, expiresAt: number): void {
    this.placed += 1;
    this.entries.set(token, { value, expiresAt, placed: this.placed });
  }
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
  /** {@link VerifiedTokens.placed} when it was placed: the Map's order is this order. */
  readonly placed: number;
}
