import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Answers what Node's HTTP parser refuses before any handler runs in JSON (local/malformed-requests.cjs, which the
 * function processes load too).
 */
export const { answerMalformed } = require("./malformed-requests.cjs") as {
  answerMalformed(server: http.Server): void;
};

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
