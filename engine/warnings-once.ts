import { format } from "node:util";

/**
 * Runs `work`, which evaluates a program more than once (`diff`'s two revisions, the local stack's second run for
 * the principals the code leaves unset), printing each distinct warning once. Under the engine's mocks no Pulumi
 * engine is connected, so the SDK prints a program's `pulumi.log.warn` with `console.warn` (@pulumi/pulumi
 * log/index.ts, `warn`), and an evaluation in a fresh process hands its warnings on the same way (evaluate.ts):
 * two runs of one program warn alike, and the reader is told once. Warnings differing in a word are all printed.
 */
export async function eachWarningOnce<T>(work: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  const printed = new Set<string>();
  console.warn = (...args: unknown[]) => {
    const text = format(...args);
    if (printed.has(text)) return;
    printed.add(text);
    warn(...args);
  };
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}
