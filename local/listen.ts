import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Loopback only: the local stack is never reachable from another machine. */
export const LOOPBACK = "127.0.0.1";

/**
 * Starts `server` on a free loopback port (or `port`) and returns the port. What Node refuses before any handler
 * runs is answered as the handlers answer, in JSON ({@link answerMalformed}).
 */
export function listen(server: http.Server, port = 0): Promise<number> {
  answerMalformed(server);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes `server`, dropping idle keep-alive connections so the port is freed at once. */
export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * A port that was free a moment ago, for a test that must know a port before a process binds it. Another listener
 * may take it in between: the local stack never uses this (its processes bind port 0 and report the port).
 */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  const port = await listen(probe);
  await close(probe);
  return port;
}

/**
 * What Node's HTTP parser refuses before any request handler runs (a malformed request line, header or chunk size,
 * both Content-Length and Transfer-Encoding, headers over `--max-http-header-size`, a request that took too long to
 * arrive) is answered with a JSON body naming the problem, as every other answer here is, instead of Node's bare
 * status line; then the connection is closed, as Node would. CONNECT, which no server here serves, is answered 405.
 * https://nodejs.org/api/http.html#event-clienterror
 */
export function answerMalformed(server: http.Server): void {
  if (server.listenerCount("clientError") > 0) return;
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // Nothing to answer on a connection the client reset or closed for writing, or on one whose answer already began
    // (a handler answered on the headers alone): Node's own default checks the same (lib/_http_server.js
    // `socketOnError`, through the socket's in-flight response).
    const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent)
      return void socket.destroy();
    const [status, reason] =
      error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large"]
        : error.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW"
          ? [413, "Payload Too Large"]
          : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
            ? [408, "Request Timeout"]
            : [400, "Bad Request"];
    endRaw(socket, status, reason, { error: `${reason}: ${error.message}` });
  });
  server.on("connect", (req: http.IncomingMessage, socket: Socket) =>
    endRaw(socket, 405, "Method Not Allowed", {
      error: `Method Not Allowed: ${req.method} is not served here`,
    }),
  );
}

/** Writes a whole JSON answer to a socket no response object owns, and closes it. */
function endRaw(socket: Socket, status: number, reason: string, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

/** Sends a JSON response. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
