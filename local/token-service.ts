import { createHash, randomUUID } from "node:crypto";
import * as http from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { close, listen, LOOPBACK, sendJson } from "./listen";
import { guarded, requestUrl } from "./request-guard";

/** Google's issuer, so that functions verify local tokens with their production settings but the JWKS URL. */
export const GOOGLE_ISSUER = "https://accounts.google.com";
const TOKEN_LIFETIME_SECONDS = 3600;
const JWKS_PATH = "/oauth2/v3/certs";
// https://cloud.google.com/compute/docs/metadata/querying-metadata: every request must carry this header.
const FLAVOR = "metadata-flavor";

/** An identity the token service can mint ID tokens for. */
export interface Identity {
  /** IAM member, e.g. `serviceAccount:fn-login@p.iam.gserviceaccount.com` or `group:developers@example.com`. */
  readonly member: string;
  /** The `email` claim of its tokens. */
  readonly email: string;
}

/** A running token service: a JWKS endpoint and, per identity, a metadata server on its own port. */
export interface TokenService {
  /** URL of the JWKS document. */
  readonly jwksUrl: string;
  /** member -> `127.0.0.1:<port>`, the value for that identity's `GCE_METADATA_HOST`. */
  readonly metadataHosts: Readonly<Record<string, string>>;
  /** Mints a token directly (what the identity's metadata server would answer). */
  mint(member: string, audience: string): Promise<string>;
  /**
   * Signs arbitrary claims with the service's key: for tests and attack simulations that need a correctly
   * signed token with wrong claims (expired, wrong issuer...). The local stack is a development tool.
   */
  signClaims(claims: Record<string, unknown>): Promise<string>;
  /** The public key, as published in the JWKS. */
  readonly publicJwk: JWK;
  /** Identity-token requests served, per member: proves tokens are cached by their users. */
  tokenRequests(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * The email a member's tokens carry. Service accounts and users have their own; a group or a domain cannot
 * hold a token, so a developer "as group:G" gets G's address, and "as domain:D" gets `developer@D`. The IAM
 * front ends match those back to the member (see iam-members.ts).
 */
export function identityEmail(member: string): string {
  const [kind, value] = member.split(/:(.*)/s);
  return kind === "domain" ? `developer@${value}` : value;
}

/**
 * Stands in for the GCE metadata server, one server per identity, so that the unmodified google-auth-library
 * code path (`GCE_METADATA_HOST`, `METADATA_SERVER_DETECTION=assume-present`) fetches real RS256 ID tokens with
 * Google's claim set, verifiable against the JWKS this service publishes.
 */
export interface TokenServiceOptions {
  /**
   * How long minted tokens live; Google's hour by default. Shorter lifetimes let a benchmark or a test cross
   * several refreshes in seconds (bench/refresh-ahead.ts).
   */
  readonly lifetimeSeconds?: number;
  /**
   * Members whose metadata server refuses to mint tokens, with the reason (`--break <caller>`: the service agent that
   * mints a source's tokens lacks its grant, so Google delivers nothing). Each refusal is told to {@link onRefusal}.
   */
  readonly refusals?: Readonly<Record<string, string>>;
  /** Told of each token the service refused to mint, with the reason. */
  readonly onRefusal?: (member: string, reason: string) => void;
}

export async function startTokenService(
  members: readonly string[],
  options: TokenServiceOptions = {},
): Promise<TokenService> {
  const lifetime = options.lifetimeSeconds ?? TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > TOKEN_LIFETIME_SECONDS)
    throw new RangeError(
      `lifetimeSeconds must be an integer from 1 to ${TOKEN_LIFETIME_SECONDS}, got ${lifetime}`,
    );
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const counts: Record<string, number> = {};
  const servers: http.Server[] = [];
  const refusal = (member: string) => {
    const reason = options.refusals?.[member];
    return reason === undefined ? undefined : () => (options.onRefusal?.(member, reason), reason);
  };

  const mint = async (member: string, audience: string): Promise<string> => {
    const email = identityEmail(member);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email, email_verified: true, azp: subject(email) })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(GOOGLE_ISSUER)
      .setAudience(audience)
      .setSubject(subject(email))
      .setIssuedAt(now)
      .setExpirationTime(now + lifetime)
      .sign(privateKey);
  };

  const jwksServer = http.createServer(
    guarded("the JWKS endpoint", (req, res) => {
      if (req.method === "GET" && req.url === JWKS_PATH)
        sendJson(res, 200, { keys: [jwk] }, { "cache-control": "public, max-age=3600" });
      else sendJson(res, 404, { error: "not found" });
    }),
  );
  servers.push(jwksServer);
  const jwksPort = await listen(jwksServer);

  const metadataHosts: Record<string, string> = {};
  for (const member of members) {
    counts[member] = 0;
    const server = http.createServer(
      guarded(`the metadata server of ${member}`, (req, res) =>
        serveMetadata(member, req, res, mint, () => (counts[member] += 1), refusal(member)),
      ),
    );
    servers.push(server);
    metadataHosts[member] = `${LOOPBACK}:${await listen(server)}`;
  }

  return {
    jwksUrl: `http://${LOOPBACK}:${jwksPort}${JWKS_PATH}`,
    metadataHosts,
    mint,
    signClaims: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(privateKey),
    publicJwk: jwk,
    tokenRequests: () => ({ ...counts }),
    stop: async () => {
      await Promise.all(servers.map(close));
    },
  };
}

/** A stable numeric subject, as Google gives each account. */
function subject(email: string): string {
  return BigInt(`0x${createHash("sha256").update(email).digest("hex").slice(0, 15)}`).toString();
}

async function serveMetadata(
  member: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  mint: (member: string, audience: string) => Promise<string>,
  counted: () => void,
  refused?: () => string,
): Promise<void> {
  if (req.headers[FLAVOR] !== "Google") {
    sendJson(res, 403, { error: "Missing Metadata-Flavor: Google header" });
    return;
  }
  const url = requestUrl(req);
  const reply = (body: string) => {
    res.writeHead(200, { "content-type": "application/text", [FLAVOR]: "Google" });
    res.end(body);
  };
  const path = url.pathname.replace(/\/+$/, "");
  if (path === "" || path === "/computeMetadata/v1" || path === "/computeMetadata/v1/instance")
    return reply("");
  if (path === "/computeMetadata/v1/project/project-id") return reply("callgraph-local");
  if (/^\/computeMetadata\/v1\/instance\/service-accounts\/[^/]+\/email$/.test(path))
    return reply(identityEmail(member));
  if (/^\/computeMetadata\/v1\/instance\/service-accounts\/[^/]+\/identity$/.test(path)) {
    const audience = url.searchParams.get("audience");
    if (!audience) {
      res.writeHead(400, { [FLAVOR]: "Google" });
      res.end("non-empty audience parameter required");
      return;
    }
    if (refused) {
      // As IAM answers a caller without iam.serviceAccounts.getOpenIdToken on the account.
      res.writeHead(403, { "content-type": "application/json", [FLAVOR]: "Google" });
      res.end(JSON.stringify({ error: { code: 403, status: "PERMISSION_DENIED", message: refused() } }));
      return;
    }
    counted();
    return reply(await mint(member, audience));
  }
  res.writeHead(404, { [FLAVOR]: "Google" });
  res.end("not found");
}
