import { SIGNATURE_REMOVED } from "../../functions/shared";
import {
  bytesRead,
  CALLER_SA,
  LIMIT,
  listeningSockets,
  rawRequest,
  repeat,
  startHostedEcho,
  type HostedEcho,
} from "./function-host-support";

let echo: HostedEcho;
beforeAll(async () => {
  echo = await startHostedEcho();
}, 60_000);
afterAll(() => echo.stop());

const MB = 1024 * 1024;
const post = (headers: string[]) => ["POST / HTTP/1.1", "Host: 127.0.0.1", ...headers].join("\r\n");
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe("the function host listens on loopback only", () => {
  test("the process holds exactly one listening socket, on 127.0.0.1 (read from the kernel)", () => {
    expect(listeningSockets(echo.process.pid!)).toEqual([`127.0.0.1:${echo.port}`]);
  });
});

describe("no body before the token", () => {
  test("an unauthenticated 100 MB POST is refused at once, without the body being read", async () => {
    const pid = echo.process.pid!;
    const before = bytesRead(pid);
    const answer = await rawRequest(
      echo.port,
      post(["Content-Type: application/json", `Content-Length: ${100 * MB}`]),
      () => repeat(MB, 100),
    );
    const read = bytesRead(pid) - before;
    expect(answer.status).toBe(401);
    expect(json(answer.body).error).toMatch(/^echo requires an ID token/);
    // What the process read from its sockets: the head and at most a few socket buffers, never the body.
    expect(read).toBeLessThan(4 * MB);
    expect(answer.bodyBytesWritten).toBeLessThan(50 * MB);
  });

  test("bad JSON without a token gets 401, not the body parser's 400", async () => {
    const body = "{not json";
    const answer = await rawRequest(
      echo.port,
      post(["Content-Type: application/json", `Content-Length: ${body.length}`]),
      () => [Buffer.from(body)][Symbol.iterator](),
    );
    expect(answer.status).toBe(401);
  });

  test("a body that never ends, without a token, is answered 401 while it is still being sent", async () => {
    // Declares 1 MB, sends 10 bytes and stops: the framework would wait for the rest (minutes).
    const answer = await rawRequest(
      echo.port,
      post(["Content-Type: application/json", `Content-Length: ${MB}`]),
      () => [Buffer.from('{"say": "h')][Symbol.iterator](),
      5_000,
    );
    expect(answer.status).toBe(401);
  });

  test("a stripped token is refused here (the local stack: CALLGRAPH_PLATFORM_VERIFIES_TOKENS=false)", async () => {
    const [head, payload] = (await echo.token()).split(".");
    const answer = await rawRequest(
      echo.port,
      post([`Authorization: Bearer ${head}.${payload}.${SIGNATURE_REMOVED}`, "Content-Length: 2"]),
      () => [Buffer.from("{}")][Symbol.iterator](),
    );
    expect(answer.status).toBe(401);
  });
});

describe("with a valid token", () => {
  const send = async (headers: string[], body: string | Iterator<Buffer> = "") => {
    const chunks = typeof body === "string" ? () => [Buffer.from(body)][Symbol.iterator]() : () => body;
    const auth = `Authorization: Bearer ${await echo.token()}`;
    const length = typeof body === "string" ? [`Content-Length: ${Buffer.byteLength(body)}`] : [];
    return rawRequest(echo.port, post([auth, ...headers, ...length]), chunks);
  };
  const USAGE = 'POST a JSON object, e.g. {"say": "hello"}, with Content-Type: application/json';

  test("the function runs and sees the parsed body and its caller", async () => {
    const answer = await send(["Content-Type: application/json"], '{"say":"hello"}');
    expect([answer.status, json(answer.body)]).toEqual([
      200,
      { method: "POST", body: { say: "hello" }, caller: CALLER_SA },
    ]);
  });

  test.each<[string, string[], string, number, string]>([
    [
      "malformed JSON",
      ["Content-Type: application/json"],
      "{not json",
      400,
      "the body is not valid JSON (an object or an array)",
    ],
    [
      "a null body",
      ["Content-Type: application/json"],
      "null",
      400,
      "the body is not valid JSON (an object or an array)",
    ],
    [
      "a charset the parser does not know",
      ["Content-Type: application/json; charset=latin1"],
      '{"say":"h\u00e9"}',
      415,
      'charset "latin1" is not supported; send UTF-8',
    ],
  ])("%s: the function's own JSON error with its usage line", async (_name, headers, body, status, error) => {
    const answer = await send(headers, body);
    expect(answer.status).toBe(status);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(answer.body)).toEqual({ error, usage: USAGE });
  });

  test("a compressed body is refused with 415 before it is read (its inflated size is unbounded)", async () => {
    const answer = await send(["Content-Type: application/json", "Content-Encoding: gzip"], "\x1f\x8b");
    expect(answer.status).toBe(415);
    expect(json(answer.body).error).toBe(
      'echo does not accept Content-Encoding "gzip"; send the body uncompressed',
    );
  });

  test("a declared length above the platform's limit: 413 from the headers", async () => {
    const answer = await send(
      ["Content-Type: application/json", `Content-Length: ${LIMIT + 1}`],
      repeat(LIMIT + 1, 1),
    );
    expect(answer.status).toBe(413);
    expect(json(answer.body).error).toBe(
      `the request body (${LIMIT + 1} bytes) is larger than the ${LIMIT} bytes echo accepts (the platform's request size limit); send a smaller body`,
    );
  });

  test("a chunked body that grows past the limit: 413 once it does", async () => {
    function* chunked(): Iterator<Buffer> {
      for (let i = 0; i < 64; i++) yield Buffer.from(`2000\r\n${"a".repeat(0x2000)}\r\n`);
      yield Buffer.from("0\r\n\r\n");
    }
    const answer = await send(["Content-Type: text/plain", "Transfer-Encoding: chunked"], chunked());
    expect(answer.status).toBe(413);
    expect(json(answer.body)).toMatchObject({ usage: USAGE });
  });

  test("a chunked body within the limit reaches the function", async () => {
    function* chunked(): Iterator<Buffer> {
      yield Buffer.from('5\r\n{"a":\r\n');
      yield Buffer.from("2\r\n1}\r\n0\r\n\r\n");
    }
    const answer = await send(["Content-Type: application/json", "Transfer-Encoding: chunked"], chunked());
    expect([answer.status, json(answer.body).body]).toEqual([200, { a: 1 }]);
  });
});
