import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { callFunction, fetchIdTokenFrom, startLocalStack, type LocalStack } from "../../local";
import { BASE_CONFIG, FIXTURE_STACK } from "../fixtures";
import { exchangeRaw, sendRaw, type RawAnswer } from "./raw-http";

const DEVELOPERS = "group:developers@example.com";
/** The base fixture's caller (tests/fixtures/functions/alpha): a GET makes it ask beta with its own identity. */
const CALLER = "alpha";
const GET = { method: "GET" } as const;

type PortKind = "front end" | "metadata server" | "JWKS" | "function process";

interface Port {
  readonly kind: PortKind;
  readonly port: number;
  /** The path a request to this kind of port is about: the function's, or the metadata identity one. */
  readonly path: string;
}

function portsOf(stack: LocalStack): Port[] {
  const caller = stack.functions[CALLER];
  const member = Object.keys(stack.identities)[0];
  const front = new URL(caller.url);
  return [
    { kind: "front end", port: Number(front.port), path: front.pathname },
    {
      kind: "metadata server",
      port: Number(stack.identities[member].metadataHost.split(":")[1]),
      path: "/computeMetadata/v1/instance/service-accounts/default/identity",
    },
    { kind: "JWKS", port: Number(new URL(stack.jwksUrl).port), path: "/oauth2/v3/certs" },
    { kind: "function process", port: caller.process.port, path: "/" },
  ];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

/** The declared call that must still work after every attack: a developer calls alpha, alpha calls beta. */
async function expectStillServes(stack: LocalStack): Promise<void> {
  const { url } = stack.functions[CALLER];
  const token = await fetchIdTokenFrom(stack.identities[DEVELOPERS].metadataHost, url);
  const { status, body } = await callFunction(url, GET, token);
  expect(status).toBe(200);
  expect(body).toMatchObject({ function: CALLER, beta: { function: "beta", from: CALLER } });
}

const CRLF = "\r\n";
const headers = (...lines: string[]) => lines.map((l) => `${l}${CRLF}`).join("");
const FLAVOR = "Metadata-Flavor: Google";

/**
 * Malformed requests, each with what every kind of port must answer. "4xx": any client error (Node answers
 * some itself, before a handler runs). Servers of the function processes belong to the Functions Framework:
 * of them only an answer or a clean close is required.
 */
const MALFORMED: ReadonlyArray<{
  readonly name: string;
  readonly request: (p: Port) => string;
  readonly expect: Partial<Record<PortKind, number | "4xx">> & { default: number | "4xx" };
  readonly abort?: boolean;
}> = [
  {
    name: "the request target //[ (new URL throws on it)",
    request: () => `GET //[ HTTP/1.1${CRLF}${headers("Host: x", FLAVOR)}${CRLF}`,
    expect: { default: 404 },
  },
  {
    name: "an absolute-form target http://[",
    request: () => `GET http://[ HTTP/1.1${CRLF}${headers("Host: x", FLAVOR)}${CRLF}`,
    expect: { default: 400, JWKS: 404 },
  },
  {
    name: "an absolute-form target naming the real metadata host",
    request: (p) =>
      `GET http://metadata.google.internal${p.path} HTTP/1.1${CRLF}${headers("Host: x", FLAVOR)}${CRLF}`,
    expect: { default: 400, JWKS: 404 },
  },
  {
    name: "the asterisk form",
    request: () => `OPTIONS * HTTP/1.1${CRLF}${headers("Host: x", FLAVOR)}${CRLF}`,
    expect: { default: 400, JWKS: 404 },
  },
  {
    name: "a request line of garbage",
    request: () => `\x00\x01 garbage${CRLF}${CRLF}`,
    expect: { default: 400 },
  },
  {
    name: "an unknown method",
    request: (p) => `BREW ${p.path} HTTP/1.1${CRLF}${headers("Host: x")}${CRLF}`,
    expect: { default: 400 },
  },
  {
    name: "an unknown HTTP version",
    request: (p) => `GET ${p.path} HTTP/7.3${CRLF}${headers("Host: x")}${CRLF}`,
    expect: { default: "4xx" },
  },
  {
    name: "no Host header on HTTP/1.1",
    request: (p) => `GET ${p.path} HTTP/1.1${CRLF}${headers(FLAVOR)}${CRLF}`,
    expect: { default: 400 },
  },
  {
    name: "a header line without a colon",
    request: (p) => `GET ${p.path} HTTP/1.1${CRLF}${headers("Host: x", "no colon here")}${CRLF}`,
    expect: { default: 400 },
  },
  {
    name: "a control character in a header value",
    request: (p) => `GET ${p.path} HTTP/1.1${CRLF}${headers("Host: x", "X-A: a\x01b")}${CRLF}`,
    expect: { default: 400 },
  },
  {
    name: "headers over Node's 16 KiB limit",
    request: (p) =>
      `GET ${p.path} HTTP/1.1${CRLF}${headers("Host: x", `X-Big: ${"a".repeat(20_000)}`)}${CRLF}`,
    expect: { default: 431 },
  },
  {
    name: "a negative Content-Length",
    request: (p) => `POST ${p.path} HTTP/1.1${CRLF}${headers("Host: x", "Content-Length: -1")}${CRLF}`,
    expect: { default: 400 },
  },
  {
    name: "both Content-Length and Transfer-Encoding (request smuggling)",
    request: (p) =>
      `POST ${p.path} HTTP/1.1${CRLF}${headers("Host: x", "Content-Length: 4", "Transfer-Encoding: chunked")}${CRLF}0${CRLF}${CRLF}`,
    expect: { default: 400 },
  },
  {
    name: "a chunk size that is not hex",
    request: (p) =>
      `POST ${p.path} HTTP/1.1${CRLF}${headers("Host: x", "Transfer-Encoding: chunked")}${CRLF}zz${CRLF}ab${CRLF}`,
    // The metadata server, the JWKS endpoint and a private function's front end (no token: 401, decided without an
    // await) answer from the headers alone, before the body is read.
    expect: { default: 400, "metadata server": 403, JWKS: 404, "front end": 401 },
  },
  {
    name: "a path climbing out with ..",
    request: (p) => `GET ${p.path}/../../etc/passwd HTTP/1.1${CRLF}${headers("Host: x", FLAVOR)}${CRLF}`,
    expect: { default: 404, "front end": 401 },
  },
  {
    name: "encoded bytes and an invalid escape in the path",
    request: (p) => `GET ${p.path}/%00%ff%ZZ%2e%2e%2f HTTP/1.1${CRLF}${headers("Host: x", FLAVOR)}${CRLF}`,
    expect: { default: 404, "front end": 401 },
  },
  {
    name: "an Authorization header that is not a JWT",
    request: (p) =>
      `GET ${p.path} HTTP/1.1${CRLF}${headers("Host: x", "Authorization: Bearer not.a.jwt")}${CRLF}`,
    expect: { default: 403, "front end": 401, JWKS: 200 },
  },
  {
    name: "an Authorization header of another scheme, absurdly long",
    request: (p) =>
      `GET ${p.path} HTTP/1.1${CRLF}${headers("Host: x", `Authorization: Basic ${"QQ".repeat(4000)}`)}${CRLF}`,
    expect: { default: 403, "front end": 401, JWKS: 200 },
  },
  {
    name: "a client that gives up halfway through its body",
    request: (p) =>
      `POST ${p.path} HTTP/1.1${CRLF}${headers("Host: x", FLAVOR, "Content-Length: 100000")}${CRLF}{"a":`,
    expect: { default: 400 },
    abort: true,
  },
];

function matches(answer: RawAnswer, expected: number | "4xx"): boolean {
  if (expected === "4xx") return typeof answer === "number" && answer >= 400 && answer < 500;
  return answer === expected;
}

describe("hostile requests to every port of a running stack", () => {
  let stack: LocalStack;
  let ports: Port[];
  beforeAll(async () => {
    const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-hostile-")), "local.json");
    stack = await startLocalStack({
      stack: FIXTURE_STACK,
      config: BASE_CONFIG,
      stateFile,
      restartDelayMs: 200,
    });
    ports = portsOf(stack);
  }, 60_000);
  afterAll(async () => stack?.stop());

  test("each malformed request gets its answer from every kind of port, and the stack still serves", async () => {
    const answers: string[] = [];
    const expected: string[] = [];
    for (const c of MALFORMED) {
      for (const p of ports) {
        const answer = await sendRaw(p.port, c.request(p), { abort: c.abort, endAfterMs: 300 });
        const want = c.abort ? "closed" : (c.expect[p.kind] ?? c.expect.default);
        if (p.kind === "function process") {
          // The Functions Framework's own server: it must answer or close, never hang.
          answers.push(`${c.name} -> ${p.kind}: ${answer === "no answer" ? "no answer" : "answered"}`);
          expected.push(`${c.name} -> ${p.kind}: answered`);
          continue;
        }
        answers.push(`${c.name} -> ${p.kind}: ${want !== "closed" && matches(answer, want) ? want : answer}`);
        expected.push(`${c.name} -> ${p.kind}: ${want}`);
      }
    }
    expect(answers).toEqual(expected);
    await expectStillServes(stack);
  }, 30_000);

  const REFUSED_BY_NODE: ReadonlyArray<{
    readonly name: string;
    readonly request: (p: Port) => string;
    readonly status: number;
    /** Ports whose handler answers on the headers alone, before Node parses the rest. */
    readonly answeredFirst?: Partial<Record<PortKind, number>>;
  }> = [
    {
      name: "a malformed chunk size",
      request: (p) =>
        `POST ${p.path} HTTP/1.1${CRLF}${headers("Host: x", "Transfer-Encoding: chunked")}${CRLF}zz${CRLF}`,
      status: 400,
      // Answered on the headers alone, before the body is parsed: the metadata server refuses a request without
      // Metadata-Flavor, the JWKS server any POST, a private function's front end a request without a token, a
      // function process a request without its front end's key. Then the parser's error must not write a second
      // answer.
      answeredFirst: { "metadata server": 403, JWKS: 404, "front end": 401, "function process": 403 },
    },
    {
      name: "a bare CR inside a header value",
      request: (p) => `GET ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}X-Odd: a\rb${CRLF}${CRLF}`,
      status: 400,
    },
    {
      name: "both Transfer-Encoding and Content-Length",
      request: (p) =>
        `POST ${p.path} HTTP/1.1${CRLF}${headers("Host: x", "Transfer-Encoding: chunked", "Content-Length: 3")}${CRLF}0${CRLF}${CRLF}`,
      status: 400,
    },
    {
      name: "a header over Node's 16 KB",
      request: (p) =>
        `GET ${p.path} HTTP/1.1${CRLF}${headers("Host: x", `Authorization: Bearer ${"a".repeat(20_000)}`)}${CRLF}`,
      status: 431,
    },
    {
      name: "CONNECT",
      request: () => `CONNECT example.com:443 HTTP/1.1${CRLF}${headers("Host: example.com:443")}${CRLF}`,
      status: 405,
    },
  ];

  test.each(REFUSED_BY_NODE)(
    "$name: a JSON answer naming the problem from every kind of port, not Node's bare status line",
    async ({ request, status, answeredFirst }) => {
      for (const port of portsOf(stack)) {
        const answer = await exchangeRaw(port.port, request(port));
        const [head, body] = answer.split(`${CRLF}${CRLF}`);
        expect({
          kind: port.kind,
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
          type: /content-type: application\/json/i.test(head),
        }).toEqual({ kind: port.kind, status: answeredFirst?.[port.kind] ?? status, type: true });
        expect(JSON.parse(body)).toEqual({ error: expect.any(String) });
        expect(answer.match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
      }
      await expectStillServes(stack);
    },
  );

  test("a front end whose function is down answers 503, and serves again once it is restarted", async () => {
    const caller = stack.functions[CALLER];
    const token = await fetchIdTokenFrom(stack.identities[DEVELOPERS].metadataHost, caller.url);
    caller.process.crash();
    for (let i = 0; i < 100 && !(await refused(caller.process.port)); i++) await sleep(20);
    const down = await callFunction(caller.url, GET, token);
    expect(down).toMatchObject({
      status: 503,
      body: { error: expect.stringMatching(new RegExp(`^function ${CALLER} is not running`)) },
    });
    // The local stack restarts a crashed function, as the platform starts a new instance.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++, await sleep(100))
      status = (await callFunction(caller.url, GET, token)).status;
    await expectStillServes(stack);
  }, 20_000);

  test("fuzz: random request lines, headers and bodies on every port never stop the stack", async () => {
    const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
    const text = fc.string({ unit: "binary", maxLength: 60 }).map((s) => s.replace(/[^\x00-\xff]/g, "?"));
    const request = fc.record({
      method: fc.oneof(
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"),
        token,
        text,
      ),
      target: fc.oneof(
        fc.constantFrom(
          `/${CALLER}`,
          "/computeMetadata/v1/instance/service-accounts/default/identity?audience=a",
        ),
        text.map((t) => `/${t}`),
        text,
      ),
      version: fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "", "HTTP/1.1 extra"),
      headers: fc.array(fc.tuple(fc.oneof(token, text), text), { maxLength: 6 }),
      flavor: fc.boolean(),
      body: fc.string({ unit: "binary", maxLength: 200 }),
      port: fc.nat(),
      abort: fc.boolean(),
    });
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const p = ports[r.port % ports.length];
        const lines = [
          `${r.method} ${r.target} ${r.version}`.trimEnd(),
          "Host: 127.0.0.1",
          ...(r.flavor ? [FLAVOR] : []),
          ...r.headers.map(([name, value]) => `${name}: ${value}`),
        ];
        const raw = Buffer.concat([
          Buffer.from(`${lines.join(CRLF)}${CRLF}${CRLF}`, "latin1"),
          Buffer.from(r.body, "utf8"),
        ]);
        const answer = await sendRaw(p.port, raw, { abort: r.abort, timeoutMs: 2000, endAfterMs: 100 });
        sent += 1;
        // An answer or a close, never a hang; and from the stack's own servers never an internal error.
        expect(answer).not.toBe("no answer");
        if (p.kind !== "function process" && typeof answer === "number") expect(answer).toBeLessThan(500);
      }),
      {
        numRuns: 300,
        interruptAfterTimeLimit: 6000,
        seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31),
      },
    );
    expect(sent).toBeGreaterThan(20);
    await expectStillServes(stack);
  }, 30_000);
});
