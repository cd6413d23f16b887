/**
 * Section 2 (the cost of authentication) in a fresh process, for bench/main.ts: starts the default stack and
 * its unauthenticated twin, measures the chain and the single hop, and prints one JSON line `{ chain, hop }`.
 *
 *   tsx bench/auth-cost-child.ts OPTIONS_JSON
 *
 * A process of its own because this process is the load's client and the local IAM front ends, so its state is
 * part of what a hop costs: after the bench's in-process sections (plan cost evaluates up to 1,000 functions,
 * leaving a 1.7 GB resident set), this process spent about twice as much per verified request as a fresh one does,
 * and the hop measured 0.82-0.87x instead of 0.88-0.97x. Google's front end is not this process, so that state is
 * not authentication's cost.
 */
import { startLocalStack, type LocalStack } from "../local";
import { measureAuthCost, startUnauthenticatedStack, type AuthCostOptions } from "./auth-cost";

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "") as { chain: AuthCostOptions; hop: AuthCostOptions };
  // The program's own warnings (unused edges) are not what is measured.
  console.warn = () => undefined;
  const secured = await startLocalStack({ stateFile: false });
  let open: LocalStack | undefined;
  let figures: object;
  try {
    open = await startUnauthenticatedStack(secured.evaluation.config);
    const chain = await measureAuthCost(secured, open, "chain", options.chain);
    const hop = await measureAuthCost(secured, open, "hop", options.hop);
    figures = { chain, hop };
  } finally {
    await Promise.all([secured.stop(), open?.stop()]);
  }
  // Last, after anything the stacks print as they stop: the parent reads the last line.
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
