import * as gaxios from "gaxios";
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { close, json, listen, setEnv } from "./loopback";

export const GOOGLE_ISSUER = "https://accounts.google.com";

/** Claims of a token as Google mints them, for `email` and `aud`. */
export function googleClaims(email: string, aud: string, extra: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  // jti: two tokens minted in the same second differ, so a refresh is visible.
  return {
    iss: GOOGLE_ISSUER,
    aud,
    sub: "1234567890",
    email,
    email_verified: true,
    iat: now,
    exp: now + 3600,
    jti: randomUUID(),
    ...extra,
  };
}

/**
 * A stand-in for Google's token signing: an RS256 key, its JWKS on a loopback server, and a record of every
 * token it signed (so tests can check no error or log ever contains one).
 */
export interface TokenAuthority {
  readonly jwksUrl: string;
  readonly kid: string;
  readonly publicJwk: JWK;
  /** JWKS documents served. */
  jwksRequests(): number;
  sign(claims: JWTPayload): Promise<string>;
  mint(email: string, aud: string, extra?: JWTPayload): Promise<string>;
  readonly issued: string[];
  close(): Promise<void>;
}

export async function startTokenAuthority(): Promise<TokenAuthority> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  let served = 0;
  const server = http.createServer((req, res) => {
    served += 1;
    json(res, 200, { keys: [publicJwk] });
  });
  const port = await listen(server);
  const issued: string[] = [];
  const sign = async (claims: JWTPayload, key: CryptoKey = privateKey) => {
    const token = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(key);
    issued.push(token);
    return token;
  };
  return {
    jwksUrl: `http://127.0.0.1:${port}/oauth2/v3/certs`,
    kid,
    publicJwk,
    jwksRequests: () => served,
    sign: (claims) => sign(claims),
    mint: (email, aud, extra) => sign(googleClaims(email, aud, extra)),
    issued,
    close: () => close(server),
  };
}

/** A fake GCE metadata server for one service account, counting ID-token requests per audience. */
export interface MetadataServer {
  /** `127.0.0.1:<port>`: the value of `GCE_METADATA_HOST`. */
  readonly host: string;
  /** ID-token requests, per audience. */
  readonly identityRequests: Map<string, number>;
  /** Total ID-token requests. */
  total(): number;
  /** While set, identity requests get this status instead of a token. */
  failWith?: number;
  /** While set, tokens minted live this many seconds instead of Google's hour. */
  lifetimeSeconds?: number;
  close(): Promise<void>;
}

export async function startMetadataServer(authority: TokenAuthority, email: string): Promise<MetadataServer> {
  const identityRequests = new Map<string, number>();
  const state: { failWith?: number; lifetimeSeconds?: number } = {};
  const server = http.createServer((req, res) => {
    void (async () => {
      const flavor = { "metadata-flavor": "Google", "content-type": "application/text" };
      // https://cloud.google.com/compute/docs/metadata/querying-metadata: the header is mandatory.
      if (req.headers["metadata-flavor"] !== "Google")
        return void json(res, 403, { error: "missing Metadata-Flavor" });
      const url = new URL(req.url ?? "/", "http://metadata");
      if (url.pathname === "/computeMetadata/v1/project/project-id")
        return void res.writeHead(200, flavor).end("test-project");
      if (url.pathname === "/computeMetadata/v1/instance/service-accounts/default/identity") {
        const audience = url.searchParams.get("audience") ?? "";
        identityRequests.set(audience, (identityRequests.get(audience) ?? 0) + 1);
        if (state.failWith) return void res.writeHead(state.failWith, flavor).end("no token for you");
        const lifetime = state.lifetimeSeconds;
        const extra = lifetime === undefined ? {} : { exp: Math.floor(Date.now() / 1000) + lifetime };
        return void res.writeHead(200, flavor).end(await authority.mint(email, audience, extra));
      }
      res.writeHead(404, flavor).end("not found");
    })();
  });
  const port = await listen(server);
  return {
    host: `127.0.0.1:${port}`,
    identityRequests,
    total: () => [...identityRequests.values()].reduce((a, b) => a + b, 0),
    get failWith() {
      return state.failWith;
    },
    set failWith(status: number | undefined) {
      state.failWith = status;
    },
    get lifetimeSeconds() {
      return state.lifetimeSeconds;
    },
    set lifetimeSeconds(seconds: number | undefined) {
      state.lifetimeSeconds = seconds;
    },
    close: () => close(server),
  };
}

/** Env making google-auth-library use `metadata` (its real code path), with nothing of this shell's credentials. */
export function metadataEnv(metadata: MetadataServer): Record<string, string | undefined> {
  return {
    GCE_METADATA_HOST: metadata.host,
    METADATA_SERVER_DETECTION: "assume-present",
    GOOGLE_APPLICATION_CREDENTIALS: undefined,
    GOOGLE_CLOUD_PROJECT: "test-project",
  };
}

/**
 * Jest's VM cannot run gaxios' `await import("node-fetch")` (it needs --experimental-vm-modules), so inside
 * jest gcp-metadata's requests go through Node's own fetch instead; everything else of google-auth-library's
 * path runs unchanged. The esbuild bundle inlines node-fetch; `bundle.test.ts` runs that path in a real process.
 */
export function useNodeFetchInGaxios(): void {
  gaxios.instance.defaults.fetchImplementation = globalThis.fetch;
}

/** A token authority and a metadata server for one identity, with the process pointed at it. */
export interface MetadataFixture {
  readonly authority: TokenAuthority;
  readonly metadata: MetadataServer;
  /** Restores the environment and stops both servers. */
  close(): Promise<void>;
}

/**
 * What every test of the calling side starts with: gaxios on Node's fetch, a token authority, a metadata server
 * that answers as `email`, and `GCE_METADATA_HOST` pointing at it so google-auth-library runs unchanged.
 */
export async function startMetadataFixture(email: string): Promise<MetadataFixture> {
  useNodeFetchInGaxios();
  const authority = await startTokenAuthority();
  const metadata = await startMetadataServer(authority, email);
  const restoreEnv = setEnv(metadataEnv(metadata));
  return {
    authority,
    metadata,
    close: async () => {
      restoreEnv();
      await Promise.all([metadata.close(), authority.close()]);
    },
  };
}
