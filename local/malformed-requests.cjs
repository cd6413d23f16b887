// @ts-check
"use strict";
/**
 * What Node's HTTP parser refuses before any request handler runs (a malformed request line, header or chunk size,
 * both Content-Length and Transfer-Encoding, headers over `--max-http-header-size`, a request that took too long to
 * arrive) is answered with a JSON body naming the problem, as every other answer of the local stack is, instead of
 * Node's bare status line; then the connection is closed, as Node would. CONNECT, which no server here serves, is
 * answered 405. https://nodejs.org/api/http.html#event-clienterror
 *
 * CommonJS, so that both the front ends (local/listen.ts) and the function processes (function-host.cjs, plain
 * JavaScript) give the same answers from one copy.
 *
 * @param {import("node:http").Server} server
 */
function answerMalformed(server) {
  if (server.listenerCount("clientError") > 0) return;
  server.on("clientError", (/** @type {NodeJS.ErrnoException} */ error, socket) => {
    // Nothing to answer on a connection the client reset or closed for writing, or on one whose answer already began
    // (a handler answered on the headers alone): Node's own default checks the same (lib/_http_server.js
    // `socketOnError`, through the socket's in-flight response).
    const inFlight = /** @type {{ _httpMessage?: import("node:http").ServerResponse }} */ (socket)
      ._httpMessage;
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
    endRaw(socket, status, reason, `${reason}: ${error.message}`);
  });
  server.on("connect", (req, socket) =>
    endRaw(socket, 405, "Method Not Allowed", `Method Not Allowed: ${req.method} is not served here`),
  );
}

/**
 * Writes a whole JSON answer `{ error }` to a socket no response object owns, and closes it.
 *
 * @param {import("node:stream").Duplex} socket
 * @param {number} status
 * @param {string} reason
 * @param {string} error
 */
function endRaw(socket, status, reason, error) {
  const text = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

module.exports = { answerMalformed };
