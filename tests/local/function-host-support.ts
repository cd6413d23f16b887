import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { buildFunctionArchive } from "../../components/function-archive";
import { FunctionProcess } from "../../local/function-process";
import { freePort } from "../../local/listen";
import { startTokenAuthority, type TokenAuthority } from "../functions/support/token-authority";

const ROOT = path.resolve(__dirname, "../..");
export const CALLER_SA = "fn-caller@proj.iam.gserviceaccount.com";
/** A small body limit, so the 413 paths are cheap to reach. */
export const LIMIT = 64 * 1024;

/** The echo fixture (tests/local/fixtures/echo) running in its own process through the function host. */
export interface HostedEcho {
  readonly process: FunctionProcess;
  readonly port: number;
  readonly selfUrl: string;
  readonly authority: TokenAuthority;
  readonly logs: string[];
  /** A valid token of the declared caller. */
  token(): Promise<string>;
  stop(): Promise<void>;
}

export async function startHostedEcho(): Promise<HostedEcho> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-host-"));
  const archive = buildFunctionArchive({
    projectRoot: ROOT,
    source: "tests/local/fixtures/echo",
    outDir: path.join(work, "build"),
  });
  const authority = await startTokenAuthority();
  const port = await freePort();
  const selfUrl = `http://127.0.0.1:${port}/`;
  const logs: string[] = [];
  const process = new FunctionProcess({
    name: "echo",
    archivePath: archive.path,
    entryPoint: "echo",
    env: {
      CALLGRAPH_FUNCTION: "echo",
      CALLGRAPH_SELF_URL: selfUrl,
      CALLGRAPH_CALLEES: "{}",
      CALLGRAPH_INVOKERS: JSON.stringify([`serviceAccount:${CALLER_SA}`]),
      CALLGRAPH_JWKS_URL: authority.jwksUrl,
      CALLGRAPH_PLATFORM_VERIFIES_TOKENS: "false",
      CALLGRAPH_MAX_REQUEST_BYTES: String(LIMIT),
      NODE_ENV: "production",
    },
    port,
    workDir: path.join(work, "echo"),
    restartDelayMs: 100,
    log: (line) => logs.push(line),
  });
  await process.start();
  return {
    process,
    port,
    selfUrl,
    authority,
    logs,
    token: () => authority.mint(CALLER_SA, selfUrl),
    stop: async () => {
      await process.stop();
      await authority.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** What came back on a raw connection. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Body bytes this side managed to write before the answer came or the connection closed. */
  readonly bodyBytesWritten: number;
  readonly ms: number;
}

/**
 * Sends `head` (request line and headers, without the blank line), then `body` chunks as fast as the socket takes
 * them, with backpressure, until the server answers or closes. The connection stays open after the last chunk.
 */
export function rawRequest(
  port: number,
  head: string,
  chunks: () => Iterator<Buffer>,
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let written = 0;
    let answered = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms (${written} body bytes written)`));
    }, timeoutMs);
    const finish = () => {
      const text = received.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return false;
      const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      const length = Number(headers["content-length"] ?? NaN);
      const body = received.subarray(end + 4);
      if (Number.isFinite(length) && body.length < length) return false;
      answered = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: body.toString("utf8"),
        bodyBytesWritten: written,
        ms: Date.now() - started,
      });
      return true;
    };
    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data]);
      finish();
    });
    socket.on("error", () => undefined); // a reset after the answer is expected: the server drops unread bodies
    socket.on("close", () => {
      if (!answered && !finish()) {
        clearTimeout(timer);
        reject(new Error(`connection closed without an answer (${written} body bytes written)`));
      }
    });
    socket.once("connect", () => {
      socket.write(`${head}\r\n\r\n`);
      const iterator = chunks();
      // One chunk per turn of the event loop, so an answer is read as soon as it comes: a server that drops an
      // unread body resets the connection, and a client busy writing would lose the answer it already received.
      const pump = () => {
        if (answered || socket.destroyed) return;
        const next = iterator.next();
        if (next.done) return;
        written += next.value.length;
        if (socket.write(next.value)) setImmediate(pump);
        else socket.once("drain", pump);
      };
      pump();
    });
  });
}

/** `count` chunks of `size` bytes. */
export function* repeat(size: number, count: number): Iterator<Buffer> {
  const chunk = Buffer.alloc(size, 0x61);
  for (let i = 0; i < count; i++) yield chunk;
}

/** Bytes the process has read with read(2)-like calls, sockets included (`rchar`, proc(5)). */
export function bytesRead(pid: number): number {
  const io = fs.readFileSync(`/proc/${pid}/io`, "utf8");
  return Number(/^rchar: (\d+)$/m.exec(io)![1]);
}

/**
 * The TCP sockets `pid` listens on, as `address:port`, read from the kernel (/proc/net/tcp and tcp6, proc(5)):
 * the socket inodes among its open files, matched to LISTEN entries (state 0A).
 */
export function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const found: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== "0A" || !inodes.has(fields[9])) continue;
      found.push(decodeAddress(fields[1]));
    }
  }
  return found.sort();
}

/** `0100007F:1F90` -> `127.0.0.1:8080`; IPv6 `00000000…:1F90` -> `[::]:8080` (all-zero) or its hex words. */
function decodeAddress(field: string): string {
  const [hex, portHex] = field.split(":");
  const port = parseInt(portHex, 16);
  if (hex.length === 8) {
    const bytes = Buffer.from(hex, "hex").reverse(); // little-endian 32-bit word
    return `${[...bytes].join(".")}:${port}`;
  }
  return /^0+$/.test(hex) ? `[::]:${port}` : `[${hex}]:${port}`;
}
