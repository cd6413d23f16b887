import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { unzipSync } from "fflate";
import { LOOPBACK } from "./listen";

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
  /** Loopback port to serve on. */
  readonly port: number;
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

  constructor(private readonly options: FunctionProcessOptions) {}

  /** The port it serves on. */
  get port(): number {
    return this.options.port;
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
    return this.child?.exitCode === null ? this.child.pid : undefined;
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
    const files = unzipSync(fs.readFileSync(this.options.archivePath));
    for (const [name, data] of Object.entries(files)) {
      const target = path.resolve(dir, name);
      if (!target.startsWith(`${dir}${path.sep}`))
        throw new Error(`${this.options.archivePath}: entry ${name} escapes the folder`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data);
    }
  }

  private async spawn(): Promise<void> {
    const { name, entryPoint, port, workDir, env, log } = this.options;
    const child = spawn(
      process.execPath,
      ["--require", PRELOAD, HOST, `--target=${entryPoint}`, `--source=${workDir}`, `--port=${port}`],
      // Only the deployment's variables: nothing of this shell (credentials, gcloud config) leaks in.
      { cwd: workDir, env: { ...env, HOME: workDir }, stdio: ["ignore", "pipe", "pipe", "ipc"] },
    );
    this.child = child;
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
    await waitForPort(port, child, name);
  }
}

/** Resolves when `port` accepts a connection; rejects if the child exits first or it takes too long. */
function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null)
        return reject(
          new Error(
            `function ${name} exited while starting (${child.signalCode ?? `code ${child.exitCode}`})`,
          ),
        );
      if (Date.now() > deadline)
        return reject(
          new Error(`function ${name} did not listen on port ${port} within ${START_TIMEOUT_MS} ms`),
        );
      const socket = net.connect(port, LOOPBACK);
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}
