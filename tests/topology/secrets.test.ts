import { parseTopology } from "../../topology";
import { expectRejected, withFunction } from "./helpers";

// Issue 20: `secrets`, Secret Manager secrets as environment variables or files. Each entry names the secret (its id
// in the function's project, or projects/P/secrets/S), its version (default latest), and its variable or its file.

const profiles = (secrets: unknown, extra: Record<string, unknown> = {}) =>
  withFunction("profiles", { secrets, ...extra });
const S = "functions.profiles.secrets";

describe("accepted secrets", () => {
  test("by id or full name, a version number or latest, as a variable or a file; sorted", () => {
    const [spec] = parseTopology({
      profiles: {
        secrets: [
          { secret: "db_password", version: 7, env: "DB_PASSWORD" },
          { secret: "projects/shared-prod/secrets/tls", path: "/etc/secrets/tls/cert.pem" },
          { secret: "api-key", version: "latest", env: "API_KEY" },
        ],
      },
    }).functions;
    expect(spec.secrets).toEqual([
      { secret: "tls", project: "shared-prod", version: "latest", path: "/etc/secrets/tls/cert.pem" },
      { secret: "api-key", version: "latest", env: "API_KEY" },
      { secret: "db_password", version: "7", env: "DB_PASSWORD" },
    ]);
  });

  test("one secret may be read as a variable and as a file, and in several files of its folder", () => {
    const [spec] = parseTopology({
      profiles: {
        secrets: [
          { secret: "tls", env: "TLS" },
          { secret: "tls", version: 2, path: "/etc/secrets/tls/old" },
          { secret: "tls", path: "/etc/secrets/tls/new" },
        ],
      },
    }).functions;
    expect(spec.secrets).toHaveLength(3);
  });

  test("1st gen takes another project's secret by its number", () => {
    const [spec] = parseTopology({
      profiles: { generation: 1, secrets: [{ secret: "projects/123456789012/secrets/tls", env: "TLS" }] },
    }).functions;
    expect(spec.secrets).toEqual([{ secret: "tls", project: "123456789012", version: "latest", env: "TLS" }]);
  });
});

describe("refused secrets", () => {
  test.each<[string, unknown, string, string]>([
    [
      "a secret that is no id",
      [{ secret: "api key", env: "API_KEY" }],
      "[0].secret",
      `"api key" is not a secret: give its id (letters, digits, hyphens and underscores, at most 255) in the function's project, or its full name projects/PROJECT/secrets/ID`,
    ],
    [
      "a full name with a version",
      [{ secret: "projects/p-roject/secrets/s/versions/3", env: "S" }],
      "[0].secret",
      `"projects/p-roject/secrets/s/versions/3" names a version: write the secret as projects/P/secrets/S and its version under version`,
    ],
    [
      "a project that is no project",
      [{ secret: "projects/P/secrets/s", env: "S" }],
      "[0].secret",
      `"projects/P/secrets/s" names project "P", which is not a project id or number`,
    ],
    [
      "a version that is neither latest nor a number",
      [{ secret: "s", version: "v1", env: "S" }],
      "[0].version",
      `"v1" is not a secret version: use "latest" or a version number (1, 2, ...)`,
    ],
    [
      "version 0",
      [{ secret: "s", version: 0, env: "S" }],
      "[0].version",
      `0 is not a secret version: use "latest" or a version number (1, 2, ...)`,
    ],
    [
      "a version that is a list",
      [{ secret: "s", version: [1], env: "S" }],
      "[0].version",
      `expected "latest" or a version number, got [1]`,
    ],
    [
      "neither a variable nor a file",
      [{ secret: "s" }],
      "[0]",
      "give env (the environment variable it is read from) or path (the absolute path of its file)",
    ],
    [
      "both a variable and a file",
      [{ secret: "s", env: "S", path: "/etc/secrets/s/v" }],
      "[0]",
      "give either env (an environment variable) or path (a file), not both: list the secret twice for both",
    ],
    [
      "a variable the program sets",
      [{ secret: "s", env: "CALLGRAPH_INVOKERS" }],
      "[0].env",
      `"CALLGRAPH_INVOKERS" is set or read by callgraph itself (every CALLGRAPH_* name is the program's: topology/environment.ts, functions/shared/env.ts); choose another name`,
    ],
    [
      "a variable the platform sets",
      [{ secret: "s", env: "K_REVISION" }],
      "[0].env",
      `"K_REVISION" is reserved by Cloud Run functions, which sets it on every instance; choose another name`,
    ],
    [
      "one variable twice",
      [
        { secret: "a", env: "KEY" },
        { secret: "b", env: "KEY" },
      ],
      "[1].env",
      `"KEY" is also given by secrets[0]`,
    ],
    [
      "a relative path",
      [{ secret: "s", path: "secrets/s" }],
      "[0].path",
      `"secrets/s" is not an absolute path to a file (e.g. /etc/secrets/api-key/value): start with /, no empty, "." or ".." segment, no trailing /`,
    ],
    [
      "a path that climbs",
      [{ secret: "s", path: "/etc/secrets/../passwd" }],
      "[0].path",
      `"/etc/secrets/../passwd" is not an absolute path to a file (e.g. /etc/secrets/api-key/value): start with /, no empty, "." or ".." segment, no trailing /`,
    ],
    [
      "a file at the root",
      [{ secret: "s", path: "/s" }],
      "[0].path",
      `"/s" would mount the secret on /, which the platform refuses or the function needs: a secret's folder is hidden whole behind it. Use a folder of its own, e.g. /etc/secrets/<name>/s`,
    ],
    [
      "a file in /etc itself",
      [{ secret: "s", path: "/etc/api-key" }],
      "[0].path",
      `"/etc/api-key" would mount the secret on /etc, which the platform refuses or the function needs: a secret's folder is hidden whole behind it. Use a folder of its own, e.g. /etc/secrets/<name>/api-key`,
    ],
    [
      "a folder 1st gen restricts",
      [{ secret: "s", path: "/var/log/s" }],
      "[0].path",
      `"/var/log/s" would mount the secret on /var/log, which the platform refuses or the function needs: a secret's folder is hidden whole behind it. Use a folder of its own, e.g. /etc/secrets/<name>/s`,
    ],
    [
      "below /proc",
      [{ secret: "s", path: "/proc/self/s" }],
      "[0].path",
      `"/proc/self/s" would mount the secret on /proc/self, which the platform refuses or the function needs: a secret's folder is hidden whole behind it. Use a folder of its own, e.g. /etc/secrets/<name>/s`,
    ],
    [
      "two secrets in one folder",
      [
        { secret: "a", path: "/etc/secrets/x/a" },
        { secret: "b", path: "/etc/secrets/x/b" },
      ],
      "[1].path",
      `folder /etc/secrets/x already holds secret "a" (secrets[0]): a mounted folder holds one secret, hidden whole behind it. Give each secret a folder of its own`,
    ],
    [
      "one folder inside another",
      [
        { secret: "a", path: "/etc/secrets/a/value" },
        { secret: "b", path: "/etc/secrets/a/b/value" },
      ],
      "[1].path",
      `folder /etc/secrets/a/b and /etc/secrets/a (secrets[0]) are one inside the other: a mounted folder hides everything under it. Give each secret a folder of its own, side by side`,
    ],
    [
      "one file twice",
      [
        { secret: "a", path: "/etc/secrets/a/value" },
        { secret: "a", version: 2, path: "/etc/secrets/a/value" },
      ],
      "[1].path",
      `"/etc/secrets/a/value" is also given by secrets[0]`,
    ],
    [
      "an unknown key",
      [{ secret: "a", env: "A", versoin: 2 }],
      "[0].versoin",
      `unknown key "versoin" (did you mean "version"?) (allowed: secret, version, env, path)`,
    ],
    [
      "a map instead of a list",
      { API_KEY: "api-key" },
      "",
      `expected a list of secrets, e.g. [{secret: api-key, env: API_KEY}], got {"API_KEY":"api-key"}`,
    ],
    [
      "an entry that is a string",
      ["api-key"],
      "[0]",
      `expected a secret: {secret, version, env or path}, got "api-key"`,
    ],
  ])("%s", (_, secrets, at, message) => {
    expectRejected(profiles(secrets), [{ path: `${S}${at}`, message }]);
  });

  test("a variable already in environment", () => {
    expectRejected(profiles([{ secret: "s", env: "TOKEN" }], { environment: { TOKEN: "x" } }), [
      { path: `${S}[0].env`, message: `"TOKEN" is also set in environment: one variable, one value` },
    ]);
  });

  test("1st gen refuses another project's secret named by project id", () => {
    expectRejected(
      profiles([{ secret: "projects/shared-prod/secrets/tls", env: "TLS" }], { generation: 1 }),
      [
        {
          path: `${S}[0].secret`,
          message:
            `"projects/shared-prod/secrets/tls": 1st gen names another project's secret by the project's number only (its ` +
            "projectId takes a number: the provider's cloudfunctions.Function secretEnvironmentVariables and secretVolumes). " +
            "Write projects/<number>/secrets/<id>, or the bare id for a secret of the function's own project",
        },
      ],
    );
  });

  test("every entry's problems at once", () => {
    expectRejected(
      profiles([
        { secret: "ok", env: "OK" },
        { secret: "bad name", env: "PORT" },
        { secret: "s", version: "old", path: "tmp/x" },
      ]),
      [
        {
          path: `${S}[1].secret`,
          message: `"bad name" is not a secret: give its id (letters, digits, hyphens and underscores, at most 255) in the function's project, or its full name projects/PROJECT/secrets/ID`,
        },
        {
          path: `${S}[1].env`,
          message: `"PORT" is reserved by Cloud Run functions, which sets it on every instance; choose another name`,
        },
        {
          path: `${S}[2].version`,
          message: `"old" is not a secret version: use "latest" or a version number (1, 2, ...)`,
        },
        {
          path: `${S}[2].path`,
          message: `"tmp/x" is not an absolute path to a file (e.g. /etc/secrets/api-key/value): start with /, no empty, "." or ".." segment, no trailing /`,
        },
      ],
    );
  });
});
