import fc from "fast-check";
import {
  FUNCTION_NAME_PATTERN,
  functionUrl,
  SERVICE_ACCOUNT_ID_PATTERN,
  serviceAccountEmail,
  serviceAccountId,
  serviceAccountMember,
} from "../../topology";
import { functionName, longSharedPrefixName, SHARED_PREFIX, VALID_NAME } from "./arbitraries";
import { TARGET } from "./helpers";

/** GCP's rule for service-account ids, written out here: https://cloud.google.com/iam/docs/service-accounts-create */
const GCP_SA_ID = /^[a-z]([-a-z0-9]*[a-z0-9])$/;

function expectValidId(id: string): void {
  expect(id).toMatch(GCP_SA_ID);
  expect(id.length).toBeGreaterThanOrEqual(6);
  expect(id.length).toBeLessThanOrEqual(30);
}

describe("serviceAccountId", () => {
  // Pinned values: a service-account id is part of a resource's identity, so a change to the derivation would
  // replace every account (and every grant naming it). Change this table only on purpose.
  test.each([
    ["a plain name", "login", "fn-login"],
    ["the shortest plain id (6 characters)", "abc", "fn-abc"],
    ["a name too short for a plain id", "ab", "fn-ab-fb8e20fc2e4c3f248c60c39b"],
    ["a one-letter name", "a", "fn-a-ca978112ca1bbdcafac231b39"],
    [
      "the longest plain id (26-character name, 29-character id)",
      "abcdefghijklmnopqrstuvwxyz",
      "fn-abcdefghijklmnopqrstuvwxyz",
    ],
    [
      "the shortest hashed long name (27 characters)",
      "abcdefghijklmnopqrstuvwxyz0",
      "fn-abcdefghijkl-a11dcad316665c",
    ],
    ["a long name", "reporting-pipeline-aggregation-service-stage-one", "fn-reporting-pi-e4a233b376715b"],
    [
      "a long name sharing that prefix",
      "reporting-pipeline-aggregation-service-stage-two",
      "fn-reporting-pi-dbdd7eb55f826b",
    ],
    [
      "a stem ending with a hyphen (dropped)",
      "abcdefghijk-rest-of-the-long-name",
      "fn-abcdefghijk-98e9dbb8b9b6b71",
    ],
    ["a 49-character name", "a".repeat(49), "fn-aaaaaaaaaaaa-8f9bec6a62dd28"],
  ])("%s: %s -> %s", (_label, name, id) => {
    expect(serviceAccountId(name)).toBe(id);
    expectValidId(id);
  });

  test("the exported pattern is GCP's", () => {
    for (const id of ["fn-abc", "a-----b", "abcdef"]) expect(SERVICE_ACCOUNT_ID_PATTERN.test(id)).toBe(true);
    for (const id of ["fn-ab-", "1abcdef", "Fn-abc", "fn_abc", "a"])
      expect(SERVICE_ACCOUNT_ID_PATTERN.test(id)).toBe(false);
  });

  test("the generator yields only valid function names, of every length", () => {
    const lengths = new Set<number>();
    fc.assert(
      fc.property(functionName, (name) => {
        expect(name).toMatch(VALID_NAME);
        expect(FUNCTION_NAME_PATTERN.test(name)).toBe(true);
        lengths.add(name.length);
      }),
      { numRuns: 2000 },
    );
    expect(lengths.has(1)).toBe(true);
    expect(lengths.has(26) || lengths.has(27)).toBe(true);
    expect(Math.max(...lengths)).toBeGreaterThanOrEqual(45);
  });

  test("is always 6–30 characters of GCP's alphabet", () => {
    fc.assert(
      fc.property(functionName, (name) => expectValidId(serviceAccountId(name))),
      { numRuns: 1000 },
    );
  });

  test("is `fn-<name>` exactly when that is 6–29 characters, else exactly 30", () => {
    fc.assert(
      fc.property(functionName, (name) => {
        const id = serviceAccountId(name);
        if (name.length >= 3 && name.length <= 26) expect(id).toBe(`fn-${name}`);
        else expect(id).toHaveLength(30);
      }),
      { numRuns: 1000 },
    );
  });

  test("keeps a readable prefix of a long name", () => {
    fc.assert(
      fc.property(longSharedPrefixName, (name) => {
        expect(serviceAccountId(name).startsWith("fn-reporting-pi-")).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test("is deterministic: the same names give the same ids in any order of calls", () => {
    fc.assert(
      fc.property(fc.uniqueArray(functionName, { minLength: 1, maxLength: 30 }), (names) => {
        const forwards = names.map(serviceAccountId);
        const backwards = [...names].reverse().map(serviceAccountId).reverse();
        expect(backwards).toEqual(forwards);
      }),
      { numRuns: 200 },
    );
  });

  test("is injective over random sets of distinct names", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(functionName, longSharedPrefixName), { minLength: 50, maxLength: 300 }),
        (names) => {
          expect(new Set(names.map(serviceAccountId)).size).toBe(names.length);
        },
      ),
      { numRuns: 50 },
    );
  });

  test("is injective over 5000 long names that share a 39-character prefix", () => {
    const prefix = `${SHARED_PREFIX}service-`;
    const names = Array.from({ length: 5000 }, (_, i) => `${prefix}${i.toString(36)}`);
    expect(names.filter((name) => !VALID_NAME.test(name))).toEqual([]);
    const ids = names.map(serviceAccountId);
    expect(new Set(ids).size).toBe(names.length);
    expect(ids.filter((id) => !GCP_SA_ID.test(id) || id.length !== 30)).toEqual([]);
  });

  test("plain ids (at most 29 characters) and hashed ids (exactly 30) never meet", () => {
    const plain = ["abc", "a".repeat(26), "z9-9"].map(serviceAccountId);
    const hashed = ["a", "ab", "a".repeat(27), "a".repeat(49)].map(serviceAccountId);
    for (const id of plain) expect(id.length).toBeLessThan(30);
    for (const id of hashed) expect(id).toHaveLength(30);
    expect(new Set([...plain, ...hashed]).size).toBe(plain.length + hashed.length);
  });
});

describe("serviceAccountEmail and serviceAccountMember", () => {
  test.each([
    ["login", "fn-login@callgraph-test.iam.gserviceaccount.com"],
    ["a", "fn-a-ca978112ca1bbdcafac231b39@callgraph-test.iam.gserviceaccount.com"],
  ])("%s -> %s", (name, email) => {
    expect(serviceAccountEmail(name, TARGET.project)).toBe(email);
    expect(serviceAccountMember(name, TARGET.project)).toBe(`serviceAccount:${email}`);
  });

  test("is `ID@PROJECT.iam.gserviceaccount.com`, never a default account", () => {
    fc.assert(
      fc.property(functionName, fc.stringMatching(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/), (name, project) => {
        const email = serviceAccountEmail(name, project);
        expect(email).toBe(`${serviceAccountId(name)}@${project}.iam.gserviceaccount.com`);
        expect(email).not.toMatch(
          /@appspot\.gserviceaccount\.com$|-compute@developer\.gserviceaccount\.com$/,
        );
      }),
      { numRuns: 200 },
    );
  });

  test("2nd gen: the deterministic Cloud Run URL https://NAME-PROJECT_NUMBER.REGION.run.app", () => {
    const target = { project: "acme-prod-42", region: "europe-west1", projectNumber: "123456789012" };
    expect(functionUrl("profiles", target, 2)).toBe("https://profiles-123456789012.europe-west1.run.app");
  });

  test("2nd gen without a project number is a programming error that says what is missing", () => {
    expect(() => functionUrl("profiles", { project: "acme", region: "us-central1" }, 2)).toThrow(
      "the URL of 2nd-gen function profiles needs the project number of acme",
    );
  });
});

describe("functionUrl", () => {
  test.each([
    [
      "login",
      { project: "callgraph-dev", region: "us-central1" },
      "https://us-central1-callgraph-dev.cloudfunctions.net/login",
    ],
    [
      "profiles",
      { project: "acme-prod-42", region: "europe-west1" },
      "https://europe-west1-acme-prod-42.cloudfunctions.net/profiles",
    ],
  ])("%s in %j -> %s", (name, target, url) => {
    expect(functionUrl(name, target, 1)).toBe(url);
  });

  test("is https://REGION-PROJECT.cloudfunctions.net/NAME and a valid URL", () => {
    fc.assert(
      fc.property(functionName, (name) => {
        const url = new URL(functionUrl(name, TARGET, 1));
        expect(url.protocol).toBe("https:");
        expect(url.host).toBe(`${TARGET.region}-${TARGET.project}.cloudfunctions.net`);
        expect(url.pathname).toBe(`/${name}`);
        expect(url.search + url.hash).toBe("");
      }),
      { numRuns: 200 },
    );
  });

  test("2nd gen: the deterministic Cloud Run URL https://NAME-PROJECT_NUMBER.REGION.run.app", () => {
    const target = { project: "acme-prod-42", region: "europe-west1", projectNumber: "123456789012" };
    expect(functionUrl("profiles", target, 2)).toBe("https://profiles-123456789012.europe-west1.run.app");
  });

  test("2nd gen without a project number is a programming error that says what is missing", () => {
    expect(() => functionUrl("profiles", { project: "acme", region: "us-central1" }, 2)).toThrow(
      "the URL of 2nd-gen function profiles needs the project number of acme",
    );
  });
});
