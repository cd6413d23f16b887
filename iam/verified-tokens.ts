/**
 * Tokens whose signature verified, remembered by their exact bytes until their `exp`, so that a caller that sends
 * the same token for an hour costs one signature check (issue 19). Only the signature's verdict is remembered:
 * every request still checks the claims (expiry, audience, issuer) and the caller rule against them. Pure and
 * bounded: the least recently used entry goes first once `maxEntries` are held.
 *
 * A Map keeps insertion order, which is all a bounded LRU needs; this folder imports nothing (DESIGN.md, Layout),
 * so it is not lru-cache.
 */
export class VerifiedTokens<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();

  constructor(private readonly maxEntries = 1_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value remembered for exactly `token`, unless its token has expired by `now` (ms). */
  get(token: string, now: number): V | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (now >= entry.expiresAt) return undefined; // never outlives its token
    this.entries.set(token, entry); // most recently used last
    return entry.value;
  }

  /**
   * Remembers a verified token until `expiresAt` (ms, its `exp`). A token without a future expiry is not
   * remembered: nothing says how long its verdict holds.
   */
  remember(token: string, value: V, expiresAt: number | undefined, now: number): void {
    if (expiresAt === undefined || !Number.isFinite(expiresAt) || expiresAt <= now) return;
    this.entries.delete(token);
    this.entries.set(token, { value, expiresAt });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
