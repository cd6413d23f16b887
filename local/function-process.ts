import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { unzipArchive } from "./unzip";

/** Where a function's log line came from. */
export type LogSource = "stdout" | "stderr" | "lifecycle";

/** How to run one function locally. */
export interface FunctionProcessOptions {
  readonly name: string;
  /** The zip the program would upload (one bundled index.js and a package.json). */
  readonly archivePath: string;
  /** The exported handler. */
  readonly entryPoint: string;
  /** The full environment of the process: the deployment's, with local URLs and the metadata host. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Loopback port to serve on. Absent or 0 (what the local stack passes): one the system picks as the process binds
   * it, which the process reports. A port chosen beforehand by probing it can be taken by another listener in
   * between, and then requests meant for this function would reach that listener.
   */
  readonly port?: number;
  /** Where to unpack the archive. */
  readonly workDir: string;
  /** Wait this long before restarting a crashed process, as the platform would start a new instance. */
  readonly restartDelayMs: number;
  /**
   * Receives the process's output lines, with where each came from: its stdout, its stderr (where the function
   * host writes errors), or the local stack's own word on the process (exited, restarting).
   */
  readonly log: (line: string, from: LogSource) => void;
}

// Ours, not the framework's CLI: it builds the framework's server, listens on loopback only, and checks the
// caller and the body limit before the framework reads a body (see the file).
const HOST = path.join(__dirname, "function-host.cjs");
const PRELOAD = path.join(__dirname, "exit-with-parent.cjs");
const START_TIMEOUT_MS = 15_000;
/** function-host.cjs `LISTENING_MESSAGE`: sent over IPC with the port, once the process listens. */
export const LISTENING_MESSAGE = "callgraph:listening";
/** function-host.cjs `LOAD_FAILED_MESSAGE`: sent over IPC when the function's code did not load. */
export const LOAD_FAILED_MESSAGE = "callgraph:load-failed";

/** What function-host.cjs says when the function's code did not load. */
interface LoadFailedMessage {
  readonly type: typeof LOAD_FAILED_MESSAGE;
  /** The thrown error's first line, or what the bundle lacks. */
  readonly reason: string;
  /** `FILE:LINE:COLUMN` of the throw, absolute, source-mapped when the bundle has a map. */
  readonly site?: string;
}

/** What function-host.cjs says once it listens: the port it bound. */
interface ListeningMessage {
  readonly type: typeof LISTENING_MESSAGE;
  readonly port: number;
}

function isListening(message: unknown): message is ListeningMessage {
  const m = message as Partial<ListeningMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    m.type === LISTENING_MESSAGE &&
    Number.isInteger(m.port) &&
    m.port! > 0 &&
    m.port! <= 65535
  );
}

function isLoadFailed(message: unknown): message is LoadFailedMessage {
  const m = message as Partial<LoadFailedMessage> | null;
  return (
    typeof m === "object" && m !== null && m.type === LOAD_FAILED_MESSAGE && typeof m.reason === "string"
  );
}

/**
 * A function's own code failed while its module loaded (its top level threw, or it exports no handler named by
 * its entry point): the user's to fix, exit 2 (`exitCode`, read by cli/report-error.ts), never "a bug". Names the
 * function and where the throw was: the TypeScript line when the bundle carries a source map (the host runs with
 * source maps on), else the bundle's own line.
 */
export class FunctionLoadError extends Error {
  readonly exitCode = 2;

  constructor(
    readonly functionName: string,
    /** Where it threw, relative to the unpacked archive (`functions/x/index.ts:3:9`), when the stack said. */
    readonly location: string | undefined,
    readonly reason: string,
  ) {
    super(
      `function ${functionName} failed while its code was loading` +
        (location ? ` (${location})` : "") +
        `: ${reason}. Fix the code that runs when its module loads (its top level), then start again`,
    );
    this.name = "FunctionLoadError";
  }
}

/** Every function process this process started and has not seen exit. */
const running = new Set<ChildProcess>();

/**
 * Kills every function process still running, at once, for a CLI about to exit without stopping its stack (a signal
 * before it serves). Each would exit by itself when its IPC channel closes (exit-with-parent.cjs), but only once its
 * event loop runs: one busy in its own code, such as a module whose top level never returns, would be left serving
 * nothing, or blocking, after the CLI is gone.
 */
export function killFunctionProcesses(): void {
  for (const child of running) child.kill("SIGKILL");
}

/**
 * One function's process: its real bundle, unpacked from the archive the program uploads, served by the
 * Functions Framework's server on 127.0.0.1 (through `function-host.cjs`, which does first what Google's front
 * end does before the code: the caller check and the body limit), and restarted when it crashes.
 */
export class FunctionProcess {
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private pendingRestart?: NodeJS.Timeout;
  private listeningOn = 0;

  constructor(private readonly options: FunctionProcessOptions) {}

  /**
   * The port it serves on, as the process reported once it listened (0 before it first did). A process restarted
   * after a crash may get another; read it per request.
   */
  get port(): number {
    return this.listeningOn;
  }

  /** Where its archive is unpacked. */
  get workDir(): string {
    return this.options.workDir;
  }

  /** Times it was restarted after a crash. */
  get restartCount(): number {
    return this.restarts;
  }

  /** The OS process id, while it runs. */
  get pid(): number | undefined {
    const child = this.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** Unpacks the archive and starts the process; resolves once it accepts connections. */
  async start(): Promise<void> {
    this.unpack();
    await this.spawn();
  }

  /** Stops the process for good (no restart). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.pendingRestart);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the process as a crash would (tests, chaos); it is restarted after `restartDelayMs`. */
  crash(): void {
    this.child?.kill("SIGKILL");
  }

  private unpack(): void {
    const dir = this.options.workDir;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const files = unzipArchive(fs.readFileSync(this.options.archivePath));
    for (const [name, data] of Object.entries(files)) {
      const target = path.resolve(dir, name);
      if (!target.startsWith(`${dir}${path.sep}`))
        throw new Error(`${this.options.archivePath}: entry ${name} escapes the folder`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data);
    }
  }

  private async spawn(): Promise<void> {
    const { name, entryPoint, workDir, env, log } = this.options;
    const child = spawn(
      process.execPath,
      [
        // Stack traces at the TypeScript lines, once the bundle carries a source map (components/function-archive.ts).
        "--enable-source-maps",
        "--require",
        PRELOAD,
        HOST,
        `--target=${entryPoint}`,
        `--source=${workDir}`,
        `--port=${this.options.port ?? 0}`,
      ],
      // Only the deployment's variables: nothing of this shell (credentials, gcloud config) leaks in.
      { cwd: workDir, env: { ...env, HOME: workDir }, stdio: ["ignore", "pipe", "pipe", "ipc"] },
    );
    this.child = child;
    running.add(child);
    child.once("exit", () => running.delete(child));
    let loadFailure: LoadFailedMessage | undefined;
    let listening: (port: number) => void = () => {};
    const listened = new Promise<number>((resolve) => (listening = resolve));
    child.on("message", (message) => {
      if (isLoadFailed(message)) loadFailure = message;
      else if (isListening(message)) listening(message.port);
    });
    // After the exit, the output and the IPC channel are drained: `exit` may come before the host's last message.
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    for (const [stream, from] of [
      [child.stdout, "stdout"],
      [child.stderr, "stderr"],
    ] as const) {
      let buffered = "";
      stream?.setEncoding("utf8").on("data", (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) log(`[${name}] ${line}`, from);
      });
    }
    child.on("exit", (code, signal) => {
      if (this.stopping || this.child !== child) return;
      log(
        `[${name}] exited (${signal ?? `code ${code}`}); restarting in ${this.options.restartDelayMs} ms`,
        "lifecycle",
      );
      this.pendingRestart = setTimeout(() => {
        this.restarts += 1;
        this.spawn().catch((error: unknown) =>
          log(`[${name}] restart failed: ${String(error)}`, "lifecycle"),
        );
      }, this.options.restartDelayMs);
    });
    try {
      const port = await listenedOrExited(listened, child, name);
      if (this.child === child) this.listeningOn = port;
    } catch (error) {
      if (child.exitCode === null && child.signalCode === null) throw error;
      await closed;
      if (!loadFailure) throw error;
      throw new FunctionLoadError(
        name,
        loadFailure.site && this.relativeSite(loadFailure.site),
        loadFailure.reason,
      );
    }
  }

  /**
   * A throw site as the user reads it: inside the unpacked archive, relative to it (a source map whose sources are
   * relative to the project root maps to `functions/x/index.ts` there; without one, `index.js` is the bundle).
   */
  private relativeSite(site: string): string {
    const dir = `${this.options.workDir}${path.sep}`;
    if (!site.startsWith(dir)) return site;
    const relative = site.slice(dir.length).split(path.sep).join("/");
    return relative.startsWith("index.js:") ? `${relative} of its bundle` : relative;
  }
}

/**
 * The port the process reported listening on; rejects if it exits first or does not listen in time. Its own word
 * over its own channel, not a connection to a port, which any listener there would accept.
 */
function listenedOrExited(listened: Promise<number>, child: ChildProcess, name: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  let onExit: (() => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    onExit = () =>
      reject(
        new Error(`function ${name} exited while starting (${child.signalCode ?? `code ${child.exitCode}`})`),
      );
    if (child.exitCode !== null || child.signalCode !== null) onExit();
    else child.once("exit", onExit);
    timer = setTimeout(
      () => reject(new Error(`function ${name} did not listen within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
  });
  return Promise.race([listened, failed]).finally(() => {
    clearTimeout(timer);
    if (onExit) child.off("exit", onExit);
  });
}
