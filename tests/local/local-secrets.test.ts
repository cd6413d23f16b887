import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  callFunction,
  LocalSecretsError,
  localSecretsFile,
  readLocalSecrets,
  startLocalStack,
  type LocalStack,
} from "../../local";
import { FIXTURE_TARGET } from "../fixtures";
import { REPO_ROOT, tempProject } from "./temp-project";

// Issue 20: the local stack gives a function its declared variables and its secrets, as the deployment would: env
// secrets as variables of its process, file secrets as files at their declared paths, values from the git-ignored
// `.callgraph/secrets.<stack>.json`; a secret without a value is named once at start, and the function runs without it.
const STACK = "secrets";
const dir = tempProject("secrets");

const CONFIG = {
  ...FIXTURE_TARGET,
  "callgraph:generation": 2,
  "callgraph:projectNumber": "123456789012",
  "callgraph:functions": {
    settings: {
      source: "tests/local/fixtures/settings",
      invokers: ["allUsers"],
      environment: { GREETING: "hello" },
      secrets: [
        { secret: "api-key", env: "API_KEY" },
        { secret: "projects/callgraph-dev/secrets/tls", path: "/etc/secrets/tls/cert", version: 2 },
        { secret: "token", env: "MISSING_TOKEN" },
        { secret: "absent", path: "/etc/secrets/absent/value" },
      ],
    },
  },
};

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("a function's variables and secrets in the local stack", () => {
  let stack: LocalStack;
  const lines: string[] = [];
  beforeAll(async () => {
    const file = localSecretsFile(dir, STACK);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The own project's secret by its id, the other by its full name.
    fs.writeFileSync(
      file,
      JSON.stringify({ "api-key": "dev-key-123", "projects/callgraph-dev/secrets/tls": "CERT" }),
    );
    stack = await startLocalStack({
      programDir: dir,
      stack: STACK,
      config: CONFIG,
      stateFile: false,
      log: (line) => lines.push(line),
    });
  }, 60_000);
  afterAll(async () => stack?.stop());

  test("the declared variable, the env secret and the file secret reach the function; missing ones are absent", async () => {
    const answer = await callFunction(stack.functions.settings.url, {});
    expect(answer).toEqual({
      status: 200,
      body: {
        greeting: "hello",
        apiKey: "dev-key-123",
        cert: "CERT",
        missingToken: null,
        absent: null,
        listed: ["cert"],
      },
    });
  });

  test("each secret without a local value is named once, at start, with the fix", () => {
    const file = path.join(".callgraph", `secrets.${STACK}.json`);
    expect(lines.filter((l) => l.includes("has no local value"))).toEqual([
      `callgraph local: settings: secret projects/callgraph-dev/secrets/absent (read as /etc/secrets/absent/value) has no local value: add "absent" to ${file}; settings runs without it`,
      `callgraph local: settings: secret projects/callgraph-dev/secrets/token (read as MISSING_TOKEN) has no local value: add "token" to ${file}; settings runs without it`,
    ]);
    expect(stack.missingSecrets.map((m) => m.as)).toEqual(["/etc/secrets/absent/value", "MISSING_TOKEN"]);
  });

  test("secret files are written under the run's folder only, never at their declared path", () => {
    const copy = path.join(stack.runDir, "secrets", "settings", "etc", "secrets", "tls", "cert");
    expect(fs.readFileSync(copy, "utf8")).toBe("CERT");
    expect((fs.statSync(copy).mode & 0o777).toString(8)).toBe("600");
    expect(fs.existsSync("/etc/secrets/tls/cert")).toBe(false);
  });
});

describe("the local secrets file", () => {
  const file = path.join(dir, "bad.json");
  test.each([
    ["not JSON", "{", /is not JSON/],
    ["not an object", "[]", /is not a JSON object/],
    ["a value that is not a string", '{"api-key": 3}', /the value of "api-key" is not a string/],
  ])("%s is refused, naming the file and the fix (exit 2)", (_, text, why) => {
    fs.writeFileSync(file, text);
    let error: unknown;
    try {
      readLocalSecrets(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LocalSecretsError);
    expect((error as LocalSecretsError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).toContain(`local: ${file}: `);
    expect((error as Error).message).toContain('e.g. {"api-key": "dev-value"}');
  });

  test("no file is no values", () => {
    expect(readLocalSecrets(path.join(dir, "none.json"))).toEqual({});
  });

  test("is ignored by git wherever a stack names it", () => {
    const ignored = execFileSync(
      "git",
      [
        "check-ignore",
        path.relative(REPO_ROOT, localSecretsFile(REPO_ROOT, "dev")),
        ".callgraph/secrets.prod.json",
      ],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    expect(ignored.trim().split("\n")).toEqual([
      ".callgraph/secrets.dev.json",
      ".callgraph/secrets.prod.json",
    ]);
  });
});
