import { decodeJwt } from "jose";
import { MetadataIdTokenSource } from "../../functions/shared";
import { startMetadataFixture, type MetadataFixture, type MetadataServer } from "./support/token-authority";

const PROFILES = "https://us-central1-proj.cloudfunctions.net/profiles";
const SEARCH = "https://us-central1-proj.cloudfunctions.net/search";
const SA = "fn-login@proj.iam.gserviceaccount.com";

let metadata: MetadataServer;
let fixture: MetadataFixture;

beforeAll(async () => {
  // google-auth-library's own detection and metadata client run unchanged against the fake server.
  fixture = await startMetadataFixture(SA);
  ({ metadata } = fixture);
});

afterAll(() => fixture.close());

beforeEach(() => {
  metadata.identityRequests.clear();
  metadata.failWith = undefined;
});

describe("MetadataIdTokenSource (google-auth-library against a fake metadata server)", () => {
  test("50 concurrent and 50 sequential fetches for one audience ask the metadata server once", async () => {
    const source = new MetadataIdTokenSource();
    const concurrent = await Promise.all(Array.from({ length: 50 }, () => source.fetchIdToken(PROFILES)));
    const sequential: string[] = [];
    for (let i = 0; i < 50; i++) sequential.push(await source.fetchIdToken(PROFILES));
    expect(new Set([...concurrent, ...sequential]).size).toBe(1);
    expect(metadata.identityRequests).toEqual(new Map([[PROFILES, 1]]));
    expect(decodeJwt(concurrent[0])).toMatchObject({ aud: PROFILES, email: SA });
  });

  test("two audiences: one client and one metadata request each", async () => {
    const source = new MetadataIdTokenSource();
    for (let i = 0; i < 10; i++)
      await Promise.all([source.fetchIdToken(PROFILES), source.fetchIdToken(SEARCH)]);
    expect(metadata.identityRequests).toEqual(
      new Map([
        [PROFILES, 1],
        [SEARCH, 1],
      ]),
    );
    expect(decodeJwt(await source.fetchIdToken(SEARCH)).aud).toBe(SEARCH);
  });

  test("forceRefresh goes back to the metadata server once, and the new token is then cached", async () => {
    const source = new MetadataIdTokenSource();
    const first = await source.fetchIdToken(PROFILES);
    const refreshed = await Promise.all(
      Array.from({ length: 10 }, () => source.fetchIdToken(PROFILES, { forceRefresh: true })),
    );
    expect(new Set(refreshed).size).toBe(1);
    expect(refreshed[0]).not.toBe(first);
    expect(await source.fetchIdToken(PROFILES)).toBe(refreshed[0]);
    expect(metadata.identityRequests.get(PROFILES)).toBe(2);
  });

  test("a metadata failure is reported with context and not cached: the next fetch succeeds", async () => {
    const source = new MetadataIdTokenSource();
    metadata.failWith = 404; // not retried by gaxios, so the count is exact
    await expect(source.fetchIdToken(PROFILES)).rejects.toThrow(/Could not fetch ID token/);
    metadata.failWith = undefined;
    expect(decodeJwt(await source.fetchIdToken(PROFILES)).aud).toBe(PROFILES);
    expect(metadata.identityRequests.get(PROFILES)).toBe(2);
  });
});
