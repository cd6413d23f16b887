import fc from "fast-check";
import * as http from "node:http";
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { maxAgeMs, TokenSignatures } from "../../functions/shared";
import { VerifiedTokens } from "../../iam/verified-tokens";
import { close, listen } from "./support/loopback";

/** A key set on loopback whose Cache-Control and keys a test sets, counting the documents it serves. */
async function keySet() {
  const pairs: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  const addKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const kid = randomUUID();
    pairs.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } });
    return pairs[pairs.length - 1]!;
  };
  const state = {
    served: 0,
    cacheControl: "public, max-age=3600" as string | undefined,
    published: 1,
    down: false,
  };
  const server = http.createServer((_req, res) => {
    state.served += 1;
    if (state.down) return void res.writeHead(503).end();
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (state.cacheControl) headers["cache-control"] = state.cacheControl;
    res
      .writeHead(200, headers)
      .end(JSON.stringify({ keys: pairs.slice(0, state.published).map((p) => p.jwk) }));
  });
  const port = await listen(server);
  const first = await addKey();
  const sign = (key = first, claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: "https://accounts.google.com",
      aud: "x",
      iat: now,
      exp: now + 3600,
      jti: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", ...(key.jwk.kid ? { kid: key.kid } : {}) })
      .sign(key.privateKey);
  };
  return { url: `http://127.0.0.1:${port}/certs`, state, addKey, sign, first, close: () => close(server) };
}

describe("TokenSignatures: one signature check per token, keys kept per Cache-Control", () => {
  test("the same token 200 times costs one signature check and one key set fetch", async () => {
    const keys = await keySet();
    const signatures = new TokenSignatures(keys.url);
    const token = await keys.sign();
    for (let i = 0; i < 200; i++) expect(await signatures.verify(token)).toMatchObject({ aud: "x" });
    expect(signatures.remembered).toBe(1);
    expect(signatures.signatureChecks).toBe(1);
    expect(keys.state.served).toBe(1);
    signatures.close();
    await keys.close();
  });

  test("a failure is never remembered: a forged token fails every time, and a good one after it still verifies", async () => {
    const keys = await keySet();
    const signatures = new TokenSignatures(keys.url);
    const good = await keys.sign();
    const [header, payload] = good.split(".");
    const forged = `${header}.${payload}.${Buffer.from("not the signature").toString("base64url")}`;
    for (let i = 0; i < 3; i++) await expect(signatures.verify(forged)).rejects.toThrow(/signature/);
    expect(signatures.remembered).toBe(0);
    await expect(signatures.verify(good)).resolves.toBeDefined();
    // A token of the same claims with another signature is another token: its bytes are checked on their own.
    const other = await keys.addKey();
    await expect(signatures.verify(await keys.sign(other))).rejects.toThrow();
    signatures.close();
    await keys.close();
  });

  test("a remembered verdict never outlives its token", async () => {
    let now = Date.now();
    const keys = await keySet();
    const signatures = new TokenSignatures(keys.url, { now: () => now });
    const exp = Math.floor(now / 1000) + 60;
    const token = await keys.sign(keys.first, { exp });
    await signatures.verify(token);
    expect(signatures.remembered).toBe(1);
    now = exp * 1000; // its exp: the entry is gone, and the signature is checked again (jose: still valid bytes)
    const cache = new VerifiedTokens<string>();
    cache.remember("t", "v", exp * 1000, exp * 1000 - 1);
    expect(cache.get("t", exp * 1000)).toBeUndefined();
    await signatures.verify(token);
    expect(signatures.remembered).toBe(0); // checked again, and not remembered past its exp
    expect(keys.state.served).toBe(1);
    signatures.close();
    await keys.close();
  });

  test("keys are refetched once their max-age has passed, not before", async () => {
    let now = Date.now();
    const keys = await keySet();
    keys.state.cacheControl = "public, max-age=120, must-revalidate";
    const signatures = new TokenSignatures(keys.url, { now: () => now });
    await signatures.verify(await keys.sign());
    now += 119_000;
    await signatures.verify(await keys.sign());
    expect(keys.state.served).toBe(1);
    now += 2_000;
    await signatures.verify(await keys.sign());
    expect(keys.state.served).toBe(2);
    signatures.close();
    await keys.close();
  });

  test("an unknown kid refetches the key set once the cool-down since the last fetch has passed, never within it", async () => {
    const keys = await keySet();
    // Keys and tokens made first: generating an RSA key can outlast the cool-down on a busy machine.
    const rotated = await keys.addKey();
    const unknown = await keys.addKey(); // never published
    const [first, byRotated, byUnknown] = await Promise.all([
      keys.sign(),
      keys.sign(rotated),
      keys.sign(unknown),
    ]);
    const signatures = new TokenSignatures(keys.url, { cooldownMs: 1_000 });
    try {
      await signatures.verify(first);
      keys.state.published = 2; // Google publishes a new key before it signs with it
      // Within the cool-down an unknown kid (an attacker's, or a key just published) causes no fetch.
      await expect(signatures.verify(byRotated)).rejects.toThrow(/no applicable key/);
      expect(keys.state.served).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await expect(signatures.verify(byRotated)).resolves.toBeDefined();
      expect(keys.state.served).toBe(2);
      await expect(signatures.verify(byUnknown)).rejects.toThrow();
      await expect(signatures.verify(byUnknown)).rejects.toThrow();
      expect(keys.state.served).toBe(2);
    } finally {
      signatures.close();
      await keys.close();
    }
  });

  test("a key set that cannot be refetched keeps the keys held; warm fetches before the first request", async () => {
    let now = Date.now();
    const keys = await keySet();
    keys.state.cacheControl = "max-age=60";
    const signatures = new TokenSignatures(keys.url, { now: () => now });
    signatures.warm();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(signatures.keySetFetches).toBe(1);
    keys.state.down = true;
    now += 61_000;
    await expect(signatures.verify(await keys.sign())).resolves.toBeDefined();
    expect(keys.state.served).toBe(2);
    signatures.close();
    await keys.close();
  });
  test("warm runs one signature check that is refused: no verdict remembered, no extra key set fetch", async () => {
    for (const named of [true, false]) {
      const keys = await keySet();
      if (!named) delete keys.first.jwk.kid; // a key set that names no kid: the check must not ask for one
      const signatures = new TokenSignatures(keys.url, { cooldownMs: 0 });
      try {
        signatures.warm();
        await waitFor(() => keys.state.served > 0);
        await new Promise((resolve) => setTimeout(resolve, 200));
        // One check, refused (a success would be remembered), with a key the set holds (an unknown kid would
        // refetch): it compiles the verification path before the first request, and believes nothing.
        expect(signatures.signatureChecks).toBe(1);
        expect(signatures.remembered).toBe(0);
        expect(keys.state.served).toBe(1);
        expect(signatures.keySetFetches).toBe(1);
        await expect(signatures.verify(await keys.sign())).resolves.toMatchObject({ aud: "x" });
        expect(signatures.remembered).toBe(1);
        expect(signatures.signatureChecks).toBe(2);
        expect(keys.state.served).toBe(1);
      } finally {
        signatures.close();
        await keys.close();
      }
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe("maxAgeMs (Cache-Control)", () => {
  test.each<[string | null, number | undefined]>([
    ["public, max-age=19652, must-revalidate, no-transform", 19_652_000],
    ["max-age=0", 0],
    ['max-age="30"', 30_000],
    ["no-store", 0],
    ["private, no-cache", 0],
    ["public", undefined],
    [null, undefined],
    ["max-age=abc", undefined],
  ])("%j -> %j", (header, expected) => expect(maxAgeMs(header)).toBe(expected));
});

describe("VerifiedTokens (bounded, by exact bytes, until exp)", () => {
  test("holds at most maxEntries, dropping the least recently used", () => {
    const cache = new VerifiedTokens<number>(3);
    for (const t of ["a", "b", "c"]) cache.remember(t, 1, 10_000, 0);
    expect(cache.get("a", 1)).toBe(1); // a is now the most recent
    cache.remember("d", 1, 10_000, 0);
    expect(cache.size).toBe(3);
    expect(cache.get("b", 1)).toBeUndefined();
    expect(cache.get("a", 1)).toBe(1);
  });

  test("a token read at least once every maxEntries / 2 placements is never evicted; one never read goes after maxEntries", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.array(fc.nat(), { maxLength: 120 }),
        (maxEntries, gaps) => {
          const cache = new VerifiedTokens<string>(maxEntries);
          cache.remember("idle", "i", 10_000, 0);
          cache.remember("kept", "k", 10_000, 0);
          let placed = 0;
          for (const gap of gaps) {
            // Between two reads of "kept", 1 to floor(maxEntries / 2) other tokens are placed.
            const between = 1 + (gap % Math.floor(maxEntries / 2));
            for (let i = 0; i < between; i++) cache.remember(`t${placed++}`, "t", 10_000, 0);
            expect(cache.get("kept", 1)).toBe("k");
            expect(cache.size).toBeLessThanOrEqual(maxEntries);
          }
          // "idle" was never read: gone once maxEntries were placed after it (kept, and more).
          if (placed >= maxEntries) expect(cache.get("idle", 1)).toBeUndefined();
        },
      ),
    );
  });

  test("a remembered verdict is never returned past its token's expiry, read or not", () => {
    const cache = new VerifiedTokens<string>(4);
    cache.remember("t", "v", 1_000, 0);
    expect(cache.get("t", 999)).toBe("v");
    expect(cache.get("t", 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test("a token without a future expiry is not remembered", () => {
    const cache = new VerifiedTokens<number>();
    cache.remember("past", 1, 5, 10);
    cache.remember("none", 1, undefined, 10);
    cache.remember("nan", 1, Number.NaN, 10);
    expect(cache.size).toBe(0);
    expect(() => new VerifiedTokens(0)).toThrow(RangeError);
  });
});
