import * as http from "node:http";
import { GoogleAuth } from "google-auth-library";
import { DownstreamClient, MetadataIdTokenSource, TokenSignatures } from "../functions/shared";
import { startTokenService } from "../local";
import { withEnv } from "./env";

const CALLER = "serviceAccount:bench-caller@callgraph-bench.iam.gserviceaccount.com";

export interface RefreshAheadOptions {
  /** Lifetime of the minted tokens, s. */
  readonly lifetimeSeconds: number;
  /** How many lifetimes each side runs. */
  readonly lifetimes: number;
  readonly concurrency: number;
}

export interface RefreshSide {
  readonly calls: number;
  /** Calls that waited for a metadata fetch, the cold start's first excepted. */
  readonly waitedAfterFirst: number;
  /** Identity requests the token service served for the side. */
  readonly fetches: number;
  /** Calls the callee refused (an expired token would be one). */
  readonly refused: number;
  /** The slowest call, ms: a call that waits for a fetch is slower. */
  readonly maxMs: number;
}

export interface RefreshAhead {
  readonly lifetimeSeconds: number;
  readonly lifetimes: number;
  readonly ours: RefreshSide;
  readonly baseline: RefreshSide;
}

/**
 * Calls that waited for an ID token over several token lifetimes: ours (`MetadataIdTokenSource`, refreshing ahead
 * in the background) against google-auth-library's `IdTokenClient` kept per audience (the code before issue 19),
 * which refreshes inside the request that finds its token in the refresh window. Its window is scaled to the short
 * lifetime as ours is (a quarter of it), so both refresh equally often and only where the refresh happens differs.
 *
 * The token service mints `lifetimeSeconds` tokens for one caller; the callee is a loopback server that verifies
 * each token's signature and expiry (`TokenSignatures`), so a call with an expired token counts as refused. The two
 * sides run one after the other (the metadata host is process-wide): the figure compared is a count, not a time.
 */
export async function measureRefreshAhead(options: RefreshAheadOptions): Promise<RefreshAhead> {
  const tokens = await startTokenService([CALLER], { lifetimeSeconds: options.lifetimeSeconds });
  const signatures = new TokenSignatures(tokens.jwksUrl);
  const callee = http.createServer((req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const refuse = () => res.writeHead(401).end();
    if (!token) return refuse();
    signatures.verify(token).then((claims) => {
      const exp = typeof claims?.exp === "number" ? claims.exp * 1000 : 0;
      if (exp <= Date.now()) return refuse();
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    }, refuse);
  });
  await new Promise<void>((resolve) => callee.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(callee.address() as { port: number }).port}/callee`;
  const env = {
    GCE_METADATA_HOST: tokens.metadataHosts[CALLER],
    METADATA_SERVER_DETECTION: "assume-present",
    GOOGLE_APPLICATION_CREDENTIALS: undefined,
  };
  const durationMs = options.lifetimeSeconds * options.lifetimes * 1000;
  const fetchesOf = () => tokens.tokenRequests()[CALLER] ?? 0;
  try {
    return await withEnv(env, async () => {
      const before = fetchesOf();
      const source = new MetadataIdTokenSource(new GoogleAuth());
      const client = new DownstreamClient({
        callees: { callee: url },
        tokens: source,
        timeoutMs: 5_000,
        retries: 0,
      });
      const oursRun = await drive(durationMs, options.concurrency, async () => {
        try {
          await client.call("callee", { method: "GET" });
          return true;
        } catch {
          return false;
        }
      });
      source.close();
      const ours: RefreshSide = {
        ...oursRun,
        waitedAfterFirst: source.stats.waitsAfterFirst,
        fetches: fetchesOf() - before,
      };

      const baseBefore = fetchesOf();
      const auth = new GoogleAuth();
      const client2 = await auth.getIdTokenClient(url);
      // The same window as ours for this lifetime: a quarter of it (google-auth-library's 5 minutes of an hour).
      client2.eagerRefreshThresholdMillis = (options.lifetimeSeconds * 1000) / 4;
      let waited = 0;
      const baseRun = await drive(durationMs, options.concurrency, async () => {
        const fetchesAtStart = fetchesOf();
        const first = fetchesAtStart === baseBefore;
        const headers = await client2.getRequestHeaders();
        if (!first && fetchesOf() > fetchesAtStart) waited += 1;
        const answer = await fetch(url, { headers: { authorization: headers.get("authorization") ?? "" } });
        await answer.arrayBuffer();
        return answer.ok;
      });
      const baseline: RefreshSide = {
        ...baseRun,
        waitedAfterFirst: waited,
        fetches: fetchesOf() - baseBefore,
      };
      return { lifetimeSeconds: options.lifetimeSeconds, lifetimes: options.lifetimes, ours, baseline };
    });
  } finally {
    signatures.close();
    await new Promise<void>((resolve) => callee.close(() => resolve()));
    await tokens.stop();
  }
}

/** `concurrency` loops calling `call` until `durationMs` has passed. */
async function drive(
  durationMs: number,
  concurrency: number,
  call: () => Promise<boolean>,
): Promise<{ calls: number; refused: number; maxMs: number }> {
  const end = Date.now() + durationMs;
  let calls = 0;
  let refused = 0;
  let maxMs = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const started = performance.now();
      const ok = await call();
      maxMs = Math.max(maxMs, performance.now() - started);
      calls += 1;
      if (!ok) refused += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { calls, refused, maxMs };
}
