import {
  FULL_CALL_SITES,
  measureCallSitesScenarios,
  QUICK_CALL_SITES,
  type CallSitesCost,
} from "./callsites";
import { machine, markdown, num, table, type Row, type Section } from "./report";

/** Issue 13: extraction adds at most this much to a cold `callgraph check` (fresh process, nothing remembered). */
const COLD_TARGET = 0.3;
/**
 * Issue 13: "nothing measurable" warm. Two evaluations of the same program in one process differ by a few percent
 * from run to run on this machine, so anything under this share of one evaluation is below what a run can tell.
 */
const WARM_TARGET = 0.05;

const pct = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}%`;
const ms = (v: number, digits = 0) => `${num(v, digits)} ms`;

/** Bench section 8: what call-site extraction adds to a check, cold and warm, per scenario of bench/callsites.ts. */
export function callSitesSection(costs: readonly CallSitesCost[]): Section {
  const rows: Row[] = [
    ...costs.map((c) => ({
      id: "",
      measure: `Cold check (fresh process), ${c.scenario}, ${num(c.functions)} functions: call-site cache empty vs every answer stored`,
      ours: ms(c.coldEmpty),
      baseline: ms(c.coldStored),
      ratio: `${(1 + c.coldAdded).toFixed(2)}x (${pct(c.coldAdded)})`,
      target: `<= ${(1 + COLD_TARGET).toFixed(2)}x`,
      met: c.coldAdded <= COLD_TARGET,
    })),
    ...costs.map((c) => ({
      id: "",
      measure: `Warm (second evaluation in one process), ${c.scenario}, ${num(c.functions)} functions: extraction vs one evaluation`,
      ours: ms(c.warmExtraction, 1),
      baseline: ms(c.warmEvaluation),
      ratio: `${c.warmAdded.toFixed(3)}x (${pct(c.warmAdded)})`,
      target: `<= ${WARM_TARGET.toFixed(2)}x (nothing measurable)`,
      met: c.warmAdded <= WARM_TARGET,
    })),
  ];
  const withIds = rows.map((row, i) => ({ ...row, id: `8${String.fromCharCode(97 + i)}` }));
  const missed = (kind: string) =>
    withIds.filter((r) => r.met === false && r.measure.startsWith(kind)).map((r) => r.id);
  return {
    number: 8,
    title: "Call-site extraction",
    measured:
      "From bench/callsites.ts (`measureCallSites`): the program evaluated by the engine in a fresh process " +
      "(bench/callsites-child.ts), as `callgraph check` and `pulumi preview` run it, from a copy of the project in a " +
      "temporary folder (its `.callgraph/` caches are the bench's own). Cold: paired runs back to back that differ only " +
      "in the call-site cache, emptied (TypeScript loaded, every function analysed by the checker) or kept (inputs " +
      "hashed, TypeScript never loaded); the archive cache is warm for both, so the difference is the extraction. " +
      "Medians of wall time, the ratio the median of the per-pair ratios. Warm: in one process, a second evaluation " +
      "and, after it, the extraction it contains, timed apart (answers remembered in memory, inputs hashed again). " +
      "Scenarios: the default stack (`Pulumi.dev.yaml`, what a user's check analyses) and generated functions in a " +
      "ring, each its own source folder calling the next two by `const` literals.",
    baseline:
      "Cold: the same fresh-process evaluation with every call-site answer stored. Warm: one whole evaluation of the " +
      "same program in the same process.",
    rows: withIds,
    notes: [
      "Cold runs are whole processes (tsx, the engine, @pulumi/gcp, the program), so the cold ratio moves with the " +
        "machine's load more than the in-process figures do; a row a few points from its target can land on either " +
        "side of it in another run.",
      ...(missed("Cold").length > 0
        ? [
            `Missed in this run: ${missed("Cold").join(", ")}. The cold cost is loading TypeScript and building one ` +
              "checker program over every function's bundle inputs; it is paid only when an input changed (answers " +
              "are stored by the hash of the inputs), so an unchanged project pays the stored side.",
          ]
        : []),
      ...(missed("Warm").length > 0
        ? [
            `Missed in this run: ${missed("Warm").join(", ")}. Warm, the extraction hashes every function's bundle ` +
              "inputs again to find its remembered answer: a few milliseconds, which on a stack of a few functions " +
              "is a visible share of an evaluation that itself takes tens of milliseconds.",
          ]
        : []),
    ],
  };
}

// `npx tsx bench/callsites-section.ts [--quick]`: this section alone, printed as `npm run bench` writes it, the raw
// figures as JSON on stderr.
if (require.main === module) {
  void (async () => {
    const started = Date.now();
    const facts = machine();
    const quick = process.argv.includes("--quick");
    const costs = await measureCallSitesScenarios(quick ? QUICK_CALL_SITES : FULL_CALL_SITES);
    process.stderr.write(`${JSON.stringify(costs)}\n`);
    const section = callSitesSection(costs);
    process.stdout.write(`${table([section])}\n\n`);
    process.stdout.write(
      markdown({
        machine: facts,
        command: `npx tsx bench/callsites-section.ts${quick ? " --quick" : ""}`,
        durationS: (Date.now() - started) / 1000,
        sections: [section],
      }),
    );
  })().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
