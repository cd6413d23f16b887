/** The `sample.json` reader, on fixture texts and a temporary folder (never the project's own functions). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseSample, readSample, SampleError } from "../../local/samples";

const FILE = "/project/functions/thing/sample.json";

describe("parseSample", () => {
  test.each([
    [
      "a POST with a body",
      { method: "POST", body: { username: "alice" }, expectedStatus: 200 },
      { method: "POST", body: { username: "alice" } },
    ],
    [
      "a GET with a query",
      { method: "GET", path: "?q=al", expectedStatus: 200 },
      { method: "GET", path: "?q=al" },
    ],
    [
      "no method and no body: GET",
      { path: "/items", expectedStatus: 404 },
      { method: "GET", path: "/items" },
    ],
    ["no method, a body: POST", { body: [1, 2], expectedStatus: 201 }, { method: "POST", body: [1, 2] }],
  ])("%s", (_title, raw, request) => {
    expect(parseSample(JSON.stringify(raw), FILE)).toEqual({
      file: FILE,
      request,
      expectedStatus: raw.expectedStatus,
    });
  });

  test("keeps the description", () => {
    const text = JSON.stringify({
      description: "alice's profile",
      path: "?username=alice",
      expectedStatus: 200,
    });
    expect(parseSample(text, FILE).description).toBe("alice's profile");
  });

  test.each([
    ["{ method: GET }", [/^is not valid JSON \(.+\)\. Fix the syntax there$/]],
    ["[]", [/^must be a JSON object such as \{"method": "GET", "path": "\?q=a", "expectedStatus": 200\}$/]],
    [
      '{"method": "GET"}',
      [
        '"expectedStatus" is missing: it must be a whole number: the HTTP status an allowed caller gets, e.g. 200',
      ],
    ],
    [
      '{"expectedStatus": "200"}',
      [
        '"expectedStatus" must be a whole number: the HTTP status an allowed caller gets, e.g. 200, got "200"',
      ],
    ],
    [
      '{"expectedStatus": 200.5}',
      [
        '"expectedStatus" must be a whole number: the HTTP status an allowed caller gets, e.g. 200, got 200.5',
      ],
    ],
    ['{"expectedStatus": 99}', ['"expectedStatus" must be an HTTP status from 100 to 599, got 99']],
    ['{"expectedStatus": 600}', ['"expectedStatus" must be an HTTP status from 100 to 599, got 600']],
    [
      '{"method": "get", "expectedStatus": 200}',
      ['"method" must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case), got "get"'],
    ],
    [
      '{"path": "items", "expectedStatus": 200}',
      [
        `"path" must start with "/" or "?": it is what follows the function's URL, e.g. "?q=a" or "/items", got "items"`,
      ],
    ],
    [
      '{"body": "alice", "expectedStatus": 200}',
      [
        '"body" must be a JSON object or array (sent as application/json); leave it out for no body, got "alice"',
      ],
    ],
    [
      '{"method": "GET", "body": {}, "expectedStatus": 200}',
      [
        '"body" cannot be sent with a GET request (fetch refuses it): use "method": "POST", or pass the values in "path" ("?key=value")',
      ],
    ],
    [
      '{"expected": 200, "status": 200}',
      [
        '"expectedStatus" is missing: it must be a whole number: the HTTP status an allowed caller gets, e.g. 200',
        'unknown key "expected" (a sample has: description, method, path, body, expectedStatus); unknown key "status" (a sample has: description, method, path, body, expectedStatus)',
      ],
    ],
  ])("refuses %s, naming the file and the field", (text, problems) => {
    let error: unknown;
    try {
      parseSample(text, FILE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SampleError);
    const { file, problems: found, message } = error as SampleError;
    expect(file).toBe(FILE);
    expect(found).toHaveLength(problems.length);
    problems.forEach((p, i) =>
      expect(found[i]).toEqual(typeof p === "string" ? p : expect.stringMatching(p)),
    );
    expect(message.startsWith(`${FILE}: `)).toBe(true);
  });

  test("lists every problem of a file in one message", () => {
    expect(() => parseSample('{"method": "FETCH", "expectedStatus": 0}', FILE)).toThrow(
      `${FILE}: 2 problems:\n` +
        '  "method" must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case), got "FETCH"\n' +
        '  "expectedStatus" must be an HTTP status from 100 to 599, got 0',
    );
  });
});

describe("readSample", () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-samples-"));
    fs.mkdirSync(path.join(root, "fns/with"), { recursive: true });
    fs.mkdirSync(path.join(root, "fns/without"), { recursive: true });
    fs.writeFileSync(path.join(root, "fns/with/sample.json"), '{"path": "?q=a", "expectedStatus": 200}');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("reads <source>/sample.json, relative to the project root", () => {
    expect(readSample(root, "fns/with")).toEqual({
      file: path.join(root, "fns/with/sample.json"),
      request: { method: "GET", path: "?q=a" },
      expectedStatus: 200,
    });
  });

  test("a function without one has no sample", () => {
    expect(readSample(root, "fns/without")).toBeUndefined();
  });

  test("a sample.json that is not a file is an error naming it", () => {
    fs.mkdirSync(path.join(root, "fns/odd/sample.json"), { recursive: true });
    expect(() => readSample(root, "fns/odd")).toThrow(
      new RegExp(`^${path.join(root, "fns/odd/sample.json")}: cannot be read \\(EISDIR`),
    );
  });
});
