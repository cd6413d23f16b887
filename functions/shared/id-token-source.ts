import { GoogleAuth, type IdTokenClient } from "google-auth-library";

/** Where ID tokens for calling other functions come from. Injected, so tests can swap it. */
export interface IdTokenSource {
  /**
   * An ID token whose `aud` is `audience`. `forceRefresh` skips any cached token (used once after a 401,
   * when the callee rejected the cached one).
   */
  fetchIdToken(audience: string, opts?: { forceRefresh?: boolean }): Promise<string>;
}

/**
 * ID tokens of the function's own service account, from the metadata server
 * (`/computeMetadata/v1/instance/service-accounts/default/identity?audience=…`,
 * https://cloud.google.com/functions/docs/securing/authenticating#generating_tokens_programmatically).
 *
 * One `GoogleAuth` and one `IdTokenClient` per audience for the life of the process: the client caches its
 * token until near expiry (`isTokenExpiring`, 5 minutes early), so a warm instance asks the metadata server
 * once per audience per hour instead of once per request (the documentation's sample creates a client per
 * request). The metadata host honours `GCE_METADATA_HOST` and `METADATA_SERVER_DETECTION=assume-present`.
 */
export class MetadataIdTokenSource implements IdTokenSource {
  private readonly clients = new Map<string, Promise<IdTokenClient>>();
  // Concurrent first calls share one fetch: IdTokenClient itself does not deduplicate in-flight fetches.
  private readonly inflight = new Map<
    string,
    { readonly forced: boolean; readonly token: Promise<string> }
  >();

  constructor(private readonly auth: GoogleAuth = new GoogleAuth()) {}

  async fetchIdToken(audience: string, opts: { forceRefresh?: boolean } = {}): Promise<string> {
    const forced = opts.forceRefresh === true;
    const pending = this.inflight.get(audience);
    // A forced refresh may only join a fetch that is itself forced (so it certainly goes to the server).
    if (pending && (pending.forced || !forced)) return pending.token;
    const entry = { forced, token: this.fetchFromClient(audience, forced) };
    this.inflight.set(audience, entry);
    try {
      return await entry.token;
    } finally {
      if (this.inflight.get(audience) === entry) this.inflight.delete(audience);
    }
  }

  private async fetchFromClient(audience: string, forced: boolean): Promise<string> {
    const client = await this.client(audience);
    // idtokenclient.js `getRequestMetadataAsync` fetches a new token when `credentials.id_token` is missing.
    if (forced) client.credentials = {};
    const headers = await client.getRequestHeaders();
    const match = /^Bearer (\S+)$/.exec(headers.get("authorization") ?? "");
    if (!match) throw new Error(`the metadata server returned no ID token for audience ${audience}`);
    return match[1];
  }

  private client(audience: string): Promise<IdTokenClient> {
    let client = this.clients.get(audience);
    if (!client) {
      const created = this.auth.getIdTokenClient(audience);
      this.clients.set(audience, created);
      // A failed creation (no metadata server yet) must not be cached forever.
      created.catch(() => {
        if (this.clients.get(audience) === created) this.clients.delete(audience);
      });
      client = created;
    }
    return client;
  }
}
