// @ts-check
"use strict";
/**
 * After refusing a request whose body was not read: how long, and how much of the rest, to read and discard before
 * dropping the connection. Closing at once would reset it while the client is still sending, and a reset can
 * destroy the answer the client has not read yet; RFC 9112 §9.6 asks a server to half-close and keep reading for a
 * while instead. Bounded, so a refused caller can never make the process read its 100 MB. Shared by the function
 * host and the front ends, which both refuse bodies before reading them.
 */
const LINGER_MS = 1000;
const LINGER_BYTES = 1024 * 1024;

/**
 * Half-closes the connection, then discards what still comes for at most `LINGER_MS` and `LINGER_BYTES`. (Node
 * itself would read and discard the whole rest of the body to keep the connection alive, and with `Connection:
 * close` it resets the connection as soon as the answer is written.) Call it once the answer is written.
 *
 * @param {import("node:http").IncomingMessage} req
 * @param {number} [maxBytes] what may still be read: a front end that refused a body for its size reads as much
 *   again as the limit, so a client sending a body just past it gets to read the answer
 */
function linger(req, maxBytes = LINGER_BYTES) {
  if (req.complete) return; // nothing left unread: the connection may live on
  const socket = req.socket;
  socket.end();
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once("close", () => clearTimeout(timer));
  req.on("data", (chunk) => {
    discarded += chunk.length;
    if (discarded > maxBytes) socket.destroy();
  });
  req.resume();
}

module.exports = { linger, LINGER_MS, LINGER_BYTES };
