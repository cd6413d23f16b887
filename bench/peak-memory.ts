import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const CHILD = path.join(__dirname, "peak-memory-child.ts");
const run = promisify(execFile);

/** Peak memory of one evaluation, in MB. */
export interface PeakMemory {
  /** How far the resident set rose above its level once every module was loaded: the evaluation's own. */
  readonly growthMb: number;
  /** The process's peak resident set, modules and runtime included. */
  readonly peakMb: number;
}

/**
 * Peak memory of one evaluation of the program in `programDir` under `config`, in a fresh process (`maxRSS`):
 * what a user running `pulumi preview` or `callgraph graph` meets. In a process of its own because the evaluation runs in
 * microtasks only, so nothing can sample the heap while it runs in-process, and an earlier evaluation's state
 * would blur a growth measured there. `env` is added to the child's environment (the flat baseline's recording).
 */
export async function peakMemoryMb(
  programDir: string,
  config: Readonly<Record<string, unknown>>,
  workDir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<PeakMemory> {
  const configFile = path.join(workDir, `config-${process.pid}-${Date.now()}.json`);
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(configFile, JSON.stringify(config));
  try {
    const { stdout } = await run(
      process.execPath,
      ["--expose-gc", "--import", "tsx", CHILD, programDir, configFile],
      {
        env: { ...process.env, ...env },
        maxBuffer: 1 << 20,
      },
    );
    const { growthMb, peakMb } = JSON.parse(stdout) as { growthMb: unknown; peakMb: unknown };
    if (typeof growthMb !== "number" || typeof peakMb !== "number")
      throw new Error(`peak memory: no figures from the child: ${stdout}`);
    return { growthMb, peakMb };
  } finally {
    fs.rmSync(configFile, { force: true });
  }
}
