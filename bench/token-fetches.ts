import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GoogleAuth } from "google-auth-library";
import { DownstreamClient, MetadataIdTokenSource } from "../functions/shared";
import type { LocalStack } from "../local";
import { withEnv } from "./env";
import { interleave, runBounded, throughput, throughputRatio, type LoadResult } from "./load";

const CALLER = "login";
const CALLEE = "profiles";
const QUERY = { username: "alice" } as const;

export interface TokenFetchOptions {
  /** Calls per side, in all. */
  readonly calls: number;
  /** Interleaved rounds the calls are split into. */
  readonly rounds: number;
  readonly concurrency: number;
}

export interface TokenFetches {
  readonly calls: number;
  readonly concurrency: number;
  /** Metadata identity requests of the caller's identity during each side's calls. */
  readonly ourTokenRequests: number;
  readonly baselineTokenRequests: number;
  readonly ourCallsPerSecond: number;
  readonly baselineCallsPerSecond: number;
  /** Median over the rounds of ours over the baseline's calls per second. */
  readonly callsPerSecondRatio: number;
  /** How long our side ran in all: the token lifetime must exceed it for "1 per audience per lifetime". */
  readonly ourWallMs: number;
}

/**
 * Metadata identity requests per downstream call, ours against the documentation's sample, through the local
 * stack. This process plays `login`: its metadata host is login's identity in the stack's token service (which
 * counts identity requests per member), and it calls `profiles` through profiles' IAM front end, which checks
 * every token, as does profiles itself.
 *
 * - ours: one `DownstreamClient` + `MetadataIdTokenSource` for all calls, as a function instance keeps them;
 * - baseline: the documentation's Node.js sample (region tag `functions_bearer_token`, google-auth-library-nodejs
 *   samples/idtokens-serverless.js, shown at https://cloud.google.com/functions/docs/securing/authenticating): one
 *   `GoogleAuth` per process, `auth.getIdTokenClient(url)` per request, then the request with that client's
 *   headers. The request itself is sent with the same `fetch` as ours, so only the token handling differs.
 */
export async function measureTokenFetches(
  stack: LocalStack,
  options: TokenFetchOptions,
): Promise<TokenFetches> {
  const member = `serviceAccount:${stack.functions[CALLER].serviceAccount}`;
  const identity = stack.identities[member];
  if (!identity) throw new Error(`the local stack has no identity for ${member}`);
  const url = stack.functions[CALLEE].url;
  const target = `${url}?${new URLSearchParams(QUERY)}`;
  const perRound = Math.ceil(options.calls / options.rounds);
  const requestsOf = () => stack.tokens.tokenRequests()[member] ?? 0;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-bench-home-"));
  try {
    return await withEnv(
      {
        // google-auth-library's own path to the metadata server, as in a deployed function (see local/stack.ts).
        GCE_METADATA_HOST: identity.metadataHost,
        METADATA_SERVER_DETECTION: "assume-present",
        GOOGLE_CLOUD_PROJECT: stack.evaluation.project,
        // Nothing of this shell's credentials: no key file, and no gcloud config with a well-known credentials file.
        GOOGLE_APPLICATION_CREDENTIALS: undefined,
        CLOUDSDK_CONFIG: undefined,
        HOME: home,
      },
      async () => {
        const ours = () =>
          new DownstreamClient({
            callees: { [CALLEE]: url },
            tokens: new MetadataIdTokenSource(),
            timeoutMs: 10_000,
            retries: 0, // a retry would hide a failure: every call must succeed at the first attempt
            caller: CALLER,
          });
        const oursCall = (client: DownstreamClient) => async () => {
          const answer = await client.call(CALLEE, { method: "GET", query: QUERY });
          if (answer.status !== 200) throw new Error(`ours: ${CALLEE} answered HTTP ${answer.status}`);
        };
        const auth = new GoogleAuth(); // the sample's module-level instance
        const sampleCall = async () => {
          const client = await auth.getIdTokenClient(url); // per request, as in the sample
          const headers = await client.getRequestHeaders(target);
          // The token in both headers, as callgraph's client sends it: a 2nd-gen callee believes a service account
          // only on a copy whose signature reached it, and Cloud Run strips the one it checks (iam/id-token.ts).
          headers.set("x-serverless-authorization", headers.get("authorization") ?? "");
          const res = await fetch(target, { headers, signal: AbortSignal.timeout(10_000) });
          await res.text();
          if (res.status !== 200) throw new Error(`baseline: ${CALLEE} answered HTTP ${res.status}`);
        };

        // Warm both paths (JIT, connection pools, the front ends' JWKS cache) with a client that is then dropped.
        const warm = Math.min(200, perRound);
        await runBounded(warm, options.concurrency, oursCall(ours()));
        await runBounded(warm, options.concurrency, sampleCall);

        const client = ours(); // fresh: its first token fetch is counted
        let ourTokenRequests = 0;
        let baselineTokenRequests = 0;
        const counted = (side: () => Promise<LoadResult>, add: (n: number) => void) => async () => {
          const before = requestsOf();
          const result = await side();
          add(requestsOf() - before);
          return result;
        };
        const result = await interleave(
          options.rounds,
          counted(
            () => runBounded(perRound, options.concurrency, oursCall(client)),
            (n) => (ourTokenRequests += n),
          ),
          counted(
            () => runBounded(perRound, options.concurrency, sampleCall),
            (n) => (baselineTokenRequests += n),
          ),
        );
        const { a, b } = result;
        return {
          calls: a.requests,
          concurrency: options.concurrency,
          ourTokenRequests,
          baselineTokenRequests,
          ourCallsPerSecond: throughput(a),
          baselineCallsPerSecond: throughput(b),
          callsPerSecondRatio: throughputRatio(result),
          ourWallMs: a.wallMs,
        };
      },
    );
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
