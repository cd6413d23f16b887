import * as http from "node:http";
import { FRONT_END_ANSWER_HEADER, startFrontEnd, type FrontEnd } from "../../local";
import { MAX_REQUEST_BYTES } from "../../topology/environment";

// The platform's body limit is the front end's, as on Google ("Max uncompressed HTTP request size", 10 MB on 1st gen):
// a body past it gets the front end's 413, and never reaches the function. Before, the function's own refusal raced
// the bytes the front end still piped to it, and the client sometimes got 503 "function is not running".

const LIMIT = MAX_REQUEST_BYTES[1];

/** A stand-in for a function's process that reads every body to its end and says how much it got. */
async function functionProcess() {
  const received: number[] = [];
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on("data", (chunk: Buffer) => (bytes += chunk.length));
    req.on("end", () => {
      received.push(bytes);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ bytes }));
    });
    req.on("error", () => received.push(bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/**
 * POSTs `size` bytes in 64 KiB chunks (chunked unless `declared`), reading the answer whenever it comes, as a client
 * that watches its connection does; errors writing after the answer (the server stopped reading) are expected.
 */
function upload(
  url: string,
  size: number,
  declared = false,
): Promise<{ status: number; body: string; byFrontEnd: boolean }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: "POST",
      headers: declared ? { "content-length": String(size) } : { "transfer-encoding": "chunked" },
    });
    let answered = false;
    request.on("response", (answer) => {
      answered = true;
      let body = "";
      answer.on("data", (chunk: Buffer) => (body += String(chunk)));
      answer.on("end", () =>
        resolve({
          status: answer.statusCode ?? 0,
          body,
          byFrontEnd: answer.headers[FRONT_END_ANSWER_HEADER] !== undefined,
        }),
      );
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    const more = (): void => {
      while (sent < size && !answered && !request.destroyed) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!request.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
          return void request.once("drain", more);
      }
      if (sent >= size) request.end();
    };
    more();
  });
}

describe("a body past the platform's limit, through a front end", () => {
  let target: Awaited<ReturnType<typeof functionProcess>>;
  let frontEnd: FrontEnd;
  beforeAll(async () => {
    target = await functionProcess();
    frontEnd = await startFrontEnd({
      generation: 1,
      issuers: ["https://accounts.google.com"],
      userAudiences: [],
      hostKey: "key",
      jwksUrl: "http://127.0.0.1:9/certs",
      timeoutMs: 10_000,
      name: "fn",
      invokers: ["allUsers"],
      targetPort: () => target.port,
    });
  });
  afterAll(async () => {
    await frontEnd.stop();
    await target.close();
  });

  test("a declared length past it: the front end's 413 from the headers, nothing forwarded", async () => {
    const answer = await upload(frontEnd.url, LIMIT + 1, true);
    expect(answer).toMatchObject({ status: 413, byFrontEnd: true });
    expect(JSON.parse(answer.body).error).toBe(
      "Payload Too Large: the request body is larger than 10 MB, the limit of a 1st-gen function's request",
    );
    expect(target.received).toEqual([]);
  });

  test("a chunked body that grows past it: 413 every time, the function never gets more than the limit", async () => {
    target.received.length = 0;
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([1, 2].map(() => upload(frontEnd.url, LIMIT + 2 * 1024 * 1024)));
      for (const answer of answers) expect(answer).toMatchObject({ status: 413, byFrontEnd: true });
    }
    expect(target.received.every((bytes) => bytes <= LIMIT)).toBe(true);
  }, 60_000);

  test("a body at the limit reaches the function whole", async () => {
    const answer = await upload(frontEnd.url, LIMIT);
    expect(answer).toMatchObject({ status: 200, byFrontEnd: false });
    expect(JSON.parse(answer.body)).toEqual({ bytes: LIMIT });
  }, 30_000);
});
