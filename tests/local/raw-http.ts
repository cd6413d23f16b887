import * as net from "node:net";

/** What a server did with a raw request: the status of its answer, or how the connection ended without one. */
export type RawAnswer = number | "closed" | "no answer";

/**
 * Writes `request` (bytes as written, however malformed: fetch refuses to send most of these) to
 * 127.0.0.1:`port`. Without an answer after `endAfterMs`, ends the sending side, so a server still waiting for
 * the rest of a request sees the client leave (not at once: Node's server drops the pending answers of a client
 * that half-closes). Resolves with the answer's status code, "closed" if the connection ended with no answer,
 * or "no answer" if the server neither answered nor closed within `timeoutMs`. `abort` destroys the socket
 * right after writing, as a client that gives up mid-request.
 */
export function sendRaw(
  port: number,
  request: string | Buffer,
  options: { timeoutMs?: number; endAfterMs?: number; abort?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    let ending: NodeJS.Timeout | undefined;
    const finish = (answer: RawAnswer) => {
      clearTimeout(timer);
      clearTimeout(ending);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(statusOf(received) ?? "no answer"), options.timeoutMs ?? 3000);
    socket.on("connect", () => {
      socket.write(request);
      if (options.abort) finish("closed");
      else ending = setTimeout(() => socket.end(), options.endAfterMs ?? 1000);
    });
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      const status = statusOf(received);
      if (status !== undefined) finish(status);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => finish(statusOf(received) ?? "closed"));
  });
}

/** Writes `request` to 127.0.0.1:`port` and resolves with everything the server sent until it closed (or `timeoutMs`). */
export function exchangeRaw(port: number, request: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    const done = () => (clearTimeout(timer), socket.destroy(), resolve(received));
    const timer = setTimeout(done, timeoutMs);
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", done);
  });
}

function statusOf(received: string): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
  return match ? Number(match[1]) : undefined;
}
