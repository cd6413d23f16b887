import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** What a test server saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type Reply = (req: SeenRequest, res: http.ServerResponse, index: number) => unknown;

/** A loopback HTTP server whose answer each test sets, recording every request. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: SeenRequest[];
  reply: Reply;
  close(): Promise<void>;
}

export async function startServer(reply: Reply = (_req, res) => json(res, 200, {})): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const state = { reply };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(seen);
      void Promise.resolve(state.reply(seen, res, requests.length - 1)).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: String(error) });
      });
    });
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get reply() {
      return state.reply;
    },
    set reply(next: Reply) {
      state.reply = next;
    },
    close: () => close(server),
  };
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes the server and its open connections (including ones a test left hanging). */
export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A loopback URL nothing listens on: connections are refused. */
export async function refusedOrigin(): Promise<string> {
  const server = http.createServer();
  const port = await listen(server);
  await close(server);
  return `http://127.0.0.1:${port}`;
}

/** Sets environment variables (undefined deletes) and returns a function restoring the previous values. */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  return () => apply(previous);
}
