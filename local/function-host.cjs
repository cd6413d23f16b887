// @ts-check
"use strict";
/**
 * Serves one function's bundle on loopback, as the platform would, with what Google's front end does before the
 * code runs: the local stack spawns this instead of the Functions Framework's CLI.
 *
 *   node function-host.cjs --source=DIR --target=ENTRY_POINT --port=PORT
 *
 * `--port=0` listens on a port the system picks. Either way, once it listens it tells the local stack which (over
 * the IPC channel local/function-process.ts opens): the stack never reserves a port by probing it, which another
 * listener could take before this process binds it.
 *
 * Why not the framework's CLI: it listens on every interface (`server.listen(port)`, no host option) and its body
 * parsers read up to 1 GB of any request before the function's code can look at the token. Here:
 * - the server is the framework's own, built the supported way (`getTestServer`, its public testing entry point,
 *   with the options its CLI uses for an HTTP function); this file only decides where it listens (127.0.0.1) and
 *   what runs before the framework's request handler. Nothing in node_modules is patched.
 * - a handler made by `secured()` exposes an `Admission` (functions/shared/admission.ts): the caller check from the
 *   headers alone, and the platform's body limit (413). On Google, IAM and the size limit are enforced by the
 *   front end before the code; here they run before the framework's body parser. The handler still verifies the
 *   caller itself.
 * - a body the framework cannot parse (bad JSON, `null`, a charset it does not know) gets the function's own JSON
 *   answer with its usage line instead of the framework's HTML error page: the framework's Express app is called
 *   with a final handler of ours (`app(req, res, done)`), which receives the body parser's error.
 */
const { timingSafeEqual } = require("node:crypto");
const path = require("node:path");
const functions = require("@google-cloud/functions-framework");
const { getTestServer } = require("@google-cloud/functions-framework/testing");
// What Node's parser refuses, answered in JSON as the front ends answer it.
const { answerMalformed } = require("./malformed-requests.cjs");
// Refused bodies are discarded for a bounded while before the connection closes (linger.cjs says why).
const { linger } = require("./linger.cjs");

/** Loopback only (local/listen.ts says the same for every local port). */
const LOOPBACK = "127.0.0.1";
/** functions/shared/admission.ts `ADMISSION`: a registered symbol, so it is found across bundled copies. */
const ADMISSION = Symbol.for("callgraph.admission");
/** The name the function is registered under in this process's copy of the framework (a valid framework name). */
const REGISTERED = "callgraph-hosted-function";
/**
 * local/front-end.ts `FRONT_END_HEADER` and `LOCAL_FRONT_END_KEY_ENV`: the front end sends this function's key with
 * every request it lets through, and this process serves nothing else, as a deployed function is reached only through
 * Google's front end. A token whose signature a front end removed is then believed only where one stood. The
 * variable is removed before the function's code loads: the key is the host's, never the function's to read.
 */
const FRONT_END_HEADER = "x-callgraph-front-end";
const FRONT_END_KEY = process.env.CALLGRAPH_LOCAL_FRONT_END_KEY ?? "";
delete process.env.CALLGRAPH_LOCAL_FRONT_END_KEY;
/** The framework's CLI exits with this on an uncaught error (functions-framework `invoker.js`, `killInstance`). */
const CRASH_EXIT_CODE = 16;
/** local/function-process.ts `LISTENING_MESSAGE`: sent with the port once the server listens. */
const LISTENING_MESSAGE = "callgraph:listening";
/** local/function-process.ts `LOAD_FAILED_MESSAGE` and `LOAD_FAILED_EXIT_CODE`: the code did not load. */
const LOAD_FAILED_MESSAGE = "callgraph:load-failed";
const LOAD_FAILED_EXIT_CODE = 2;

/**
 * @typedef {{ status: number, body: { error: string, usage?: string }, headers?: Record<string, string> }} Answer
 * @typedef {{
 *   admit(head: { method?: string, headers: import("node:http").IncomingHttpHeaders }): Answer | undefined | Promise<Answer | undefined>,
 *   maxBodyBytes(): number | undefined,
 *   bodyRefusal(error: unknown): Answer,
 * }} Admission
 */

/** One JSON line, as the functions log (Cloud Logging's structured format); never a header or a token. */
function log(severity, message, fields = {}) {
  const line = JSON.stringify({ severity, message, ...fields });
  if (severity === "ERROR") console.error(line);
  else console.log(line);
}

/** `--name=value` arguments; every one required. */
function parseArgs(argv) {
  const args = Object.fromEntries(
    argv
      .filter((a) => a.startsWith("--") && a.includes("="))
      .map((a) => [a.slice(2, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]),
  );
  const missing = ["source", "target", "port"].filter((k) => !args[k]);
  const port = Number(args.port);
  const badPort = args.port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535);
  if (missing.length || badPort) {
    throw new Error(
      `usage: function-host.cjs --source=DIR --target=ENTRY_POINT --port=PORT (0: any free port) (missing or bad: ${[...missing, ...(badPort ? ["port"] : [])].join(", ")})`,
    );
  }
  return { source: path.resolve(args.source), target: args.target, port };
}

/**
 * The function's own code failed as its module loaded (its top level threw) or exports no handler: the user's to
 * fix, not the host's. Reported to the local stack (`reportLoadFailure`), which names the function and the line.
 */
class LoadFailure extends Error {
  /**
   * @param {string} reason one line: the thrown error's name and message, or what is missing
   * @param {string | undefined} site `file:line:column` of the throw (absolute), as the stack trace has it
   * @param {string | undefined} stack the thrown error's stack trace, for the log
   */
  constructor(reason, site, stack) {
    super(reason);
    this.name = "LoadFailure";
    this.site = site;
    this.trace = stack;
  }
}

/** A stack frame's location: `at fn (FILE:LINE:COL)` or `at FILE:LINE:COL`. */
const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

/**
 * Where `error` was thrown: the first frame of the stack in a file (not Node's own `node:` code or an eval),
 * preferring the function's own code over a dependency bundled with it (node_modules, once source-mapped). With
 * source maps on (see the end of this file) the frame is the TypeScript line the bundle came from.
 *
 * @returns {string | undefined}
 */
function throwSite(error, source) {
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  const sites = stack
    .split("\n")
    .map((line) => FRAME.exec(line))
    .filter((m) => m !== null && path.isAbsolute(m[1]))
    .map((m) => ({ file: m[1], at: `${m[1]}:${m[2]}:${m[3]}` }));
  const own = sites.find(
    (s) =>
      s.file.startsWith(`${source}${path.sep}`) && !s.file.includes(`${path.sep}node_modules${path.sep}`),
  );
  return (own ?? sites[0])?.at;
}

/** The first line of what was thrown, for a one-line report. */
function reasonOf(error) {
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : `${typeof error === "string" ? error : String(error)} (thrown, not an Error)`;
  const [first] = text.split("\n");
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}

/** The exported handler `target` (dotted paths as the framework's loader allows) of the bundle in `source`. */
function loadHandler(source, target) {
  let module;
  try {
    module = require(source);
  } catch (error) {
    throw new LoadFailure(
      reasonOf(error),
      throwSite(error, source),
      error instanceof Error ? error.stack : undefined,
    );
  }
  const handler = target.split(".").reduce((m, key) => (m == null ? undefined : m[key]), module);
  if (typeof handler !== "function") {
    const exported = Object.keys(module ?? {}).join(", ") || "nothing";
    throw new LoadFailure(
      `its bundle exports no function "${target}" (it exports: ${exported})`,
      undefined,
      undefined,
    );
  }
  return handler;
}

/**
 * Tells the local stack (local/function-process.ts, over the IPC channel it opens) why the code did not load, then
 * exits with `LOAD_FAILED_EXIT_CODE`. Run by hand (no channel), the log line is all there is.
 */
function reportLoadFailure(failure) {
  log("ERROR", `function host: the function's code did not load: ${failure.message}`, {
    ...(failure.site ? { at: failure.site } : {}),
    ...(failure.trace ? { stack: failure.trace } : {}),
  });
  const message = { type: LOAD_FAILED_MESSAGE, reason: failure.message, site: failure.site };
  if (typeof process.send === "function") process.send(message, () => process.exit(LOAD_FAILED_EXIT_CODE));
  else process.exit(LOAD_FAILED_EXIT_CODE);
}

/** Sends `answer` as JSON; if the body was not read (`drop`), closes the connection in stages afterwards. */
function send(req, res, answer, drop) {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...answer.headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
  if (drop) res.once("finish", () => linger(req));
}

/**
 * Counts the body as Node's HTTP parser hands it over (`push`, the producer side of a Readable) and refuses it
 * with 413 once it passes `limit`. Only for bodies without a Content-Length: with one, `admit` already compared it,
 * and the parser never delivers more than it declares.
 */
function capBody(req, res, limit, admission) {
  let seen = 0;
  const push = req.push;
  req.push = function (chunk, encoding) {
    if (chunk != null) {
      seen += chunk.length;
      if (seen > limit) {
        req.push = push;
        if (res.headersSent) req.socket.destroy();
        else send(req, res, admission.bodyRefusal({ type: "entity.too.large", limit }), true);
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
}

/** The request listener: admission first, then the framework's app with our final handler. */
function guarded(app, admission) {
  /** Express calls this when the body parser failed, or when nothing answered. */
  const done = (req, res) => (error) => {
    if (res.headersSent) return;
    if (error === undefined || error === "router") {
      return send(req, res, { status: 404, body: { error: `no route for ${req.method} ${req.url}` } }, false);
    }
    const answer = admission.bodyRefusal(error);
    if (answer.status >= 500)
      log("ERROR", `request failed before the function ran: ${String(error?.stack ?? error)}`);
    send(req, res, answer, !req.complete);
  };
  return (req, res) => {
    const failed = (error) => {
      log("ERROR", `host error: ${String(error?.stack ?? error)}`);
      if (!res.headersSent)
        send(req, res, { status: 500, body: { error: "internal error; see the function's logs" } }, true);
    };
    const admitted = (refusal) => {
      if (refusal) return send(req, res, refusal, !req.complete);
      const limit = admission.maxBodyBytes();
      if (limit !== undefined && req.headers["content-length"] === undefined)
        capBody(req, res, limit, admission);
      app(req, res, done(req, res));
    };
    // Answered at once for a warm caller's token, else a promise (functions/shared/admission.ts): no promise
    // where none is needed, since the framework's domains track each one a request creates.
    let verdict;
    try {
      verdict = admission.admit({ method: req.method, headers: req.headers });
    } catch (error) {
      return failed(error);
    }
    if (verdict && typeof verdict.then === "function") return void verdict.then(admitted).catch(failed);
    try {
      admitted(verdict);
    } catch (error) {
      failed(error);
    }
  };
}

/** Whether the request carries the run's front-end key (then removed, so the function never sees it). */
function throughFrontEnd(req) {
  const given = req.headers[FRONT_END_HEADER];
  delete req.headers[FRONT_END_HEADER];
  if (FRONT_END_KEY === "") return true; // run by hand, with no front end to prove (main() says so)
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(FRONT_END_KEY);
  return a.length === b.length && timingSafeEqual(a, b);
}

function main() {
  const { source, target, port } = parseArgs(process.argv.slice(2));
  const handler = loadHandler(source, target);
  /** @type {Admission | undefined} */
  const admission = handler[ADMISSION];
  functions.http(REGISTERED, handler);
  const server = getTestServer(REGISTERED);
  if (FRONT_END_KEY === "")
    log(
      "WARNING",
      "CALLGRAPH_LOCAL_FRONT_END_KEY is not set: serving every request, with no front end before it",
    );
  // getTestServer returns `http.createServer(app)`: its one request listener is the framework's Express app.
  const [app] = server.listeners("request");
  server.removeAllListeners("request");
  if (!admission)
    log(
      "WARNING",
      `${target} is not wrapped in secured(): requests reach it unchecked, as the framework serves them`,
    );
  const serve = admission ? guarded(app, admission) : app;
  server.on("request", (req, res) => {
    if (throughFrontEnd(req)) return serve(req, res);
    const refusal = {
      error: "this function's process serves only requests through its front end; call its local URL",
    };
    send(req, res, { status: 403, body: refusal }, !req.complete);
  });
  process.on("uncaughtException", (error) => {
    log("ERROR", `uncaught exception: ${error?.stack ?? String(error)}`);
    process.exit(CRASH_EXIT_CODE);
  });
  process.on("unhandledRejection", (error) => {
    log("ERROR", `unhandled rejection: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(CRASH_EXIT_CODE);
  });
  // The front end ends a request at the function's timeout (front-end.ts `forward`), as the platform does; node's
  // own default (five minutes to receive a request) would cut short a function allowed nine.
  server.requestTimeout = 0;
  answerMalformed(server);
  server.once("error", (error) => {
    log("ERROR", `cannot listen on ${LOOPBACK}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, LOOPBACK, () => {
    const bound = /** @type {import("node:net").AddressInfo} */ (server.address()).port;
    if (typeof process.send === "function") process.send({ type: LISTENING_MESSAGE, port: bound });
    else log("INFO", `listening on http://${LOOPBACK}:${bound}/`);
  });
}

// Stack traces point at the TypeScript lines the bundle came from, once the bundle carries a source map (the local
// stack also starts node with --enable-source-maps; this covers a host run by hand). Node >= 16.6.
process.setSourceMapsEnabled(true);

try {
  main();
} catch (error) {
  if (error instanceof LoadFailure) reportLoadFailure(error);
  else {
    log("ERROR", `function host: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
