/** What the readers report while they read: how many of the reads of a phase are done. */
export type ProgressListener = (phase: string, done: number, total: number) => void;

export interface ProgressLineOptions {
  readonly write: (text: string) => void;
  /** A terminal gets one line rewritten in place (`\r`); a log gets a line now and then. */
  readonly tty: boolean;
  /** A phase with fewer reads than this is quick: no line. */
  readonly minTotal?: number;
  /** Least time between two lines, in ms. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/**
 * A progress line on stderr for long reads (`callgraph audit: reading IAM policies 120/1000`). Throttled, so a
 * thousand reads do not print a thousand lines; the last line of a phase is always printed, so a log shows that
 * it finished. Returns the listener and `end`, which clears a terminal's line.
 */
export function progressLine(options: ProgressLineOptions): { listener: ProgressListener; end: () => void } {
  const minTotal = options.minTotal ?? 20;
  const interval = options.intervalMs ?? (options.tty ? 100 : 5_000);
  const now = options.now ?? Date.now;
  let last = -Infinity;
  let shown = false;
  const listener: ProgressListener = (phase, done, total) => {
    if (total < minTotal) return;
    const finished = done >= total;
    if (!finished && now() - last < interval) return;
    last = now();
    const text = `callgraph audit: ${phase} ${done}/${total}`;
    if (options.tty) {
      options.write(`\r${text}\x1b[K`);
      shown = true;
    } else options.write(`${text}\n`);
  };
  return {
    listener,
    end: () => {
      if (shown) options.write("\r\x1b[K");
      shown = false;
    },
  };
}
