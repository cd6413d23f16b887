import * as os from "node:os";

/** One line of the results table. */
export interface Row {
  /** e.g. `1a`: the section's number and a letter. */
  readonly id: string;
  readonly measure: string;
  readonly ours: string;
  readonly baseline: string;
  /** Ours over the baseline's, e.g. `1.08x`; `-` where a ratio means nothing. */
  readonly ratio: string;
  readonly target: string;
  /** undefined: reported, no target. */
  readonly met?: boolean;
}

/** One benchmark: its rows and what a reader needs to trust them. */
export interface Section {
  readonly number: number;
  readonly title: string;
  /** What was measured, and how. */
  readonly measured: string;
  /** The baseline, and how it was built. */
  readonly baseline: string;
  readonly rows: readonly Row[];
  /** Findings: why a target was missed and what would reach it, surprises, caveats. */
  readonly notes: readonly string[];
}

/** What the run ran on, from `os`: ratios are comparable across machines, absolute figures are not. */
export interface Machine {
  readonly date: string;
  readonly os: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly loadAverage: string;
}

export function machine(now = new Date()): Machine {
  const cpus = os.cpus();
  return {
    date: now.toISOString(),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", "),
  };
}

const HEADER = ["#", "Measure", "Ours", "Baseline", "Ratio", "Target", "Met"];

/** The results table, in Markdown, which reads as well in a terminal as in a pull request. */
export function table(sections: readonly Section[]): string {
  const rows = sections.flatMap((s) => s.rows);
  const cells = rows.map((r) => [r.id, r.measure, r.ours, r.baseline, r.ratio, r.target, metCell(r.met)]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values: readonly string[]) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  return [line(HEADER), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

function metCell(met: boolean | undefined): string {
  return met === undefined ? "-" : met ? "yes" : "NO";
}

export interface Report {
  readonly machine: Machine;
  readonly command: string;
  readonly durationS: number;
  readonly sections: readonly Section[];
}

/** bench/RESULTS.md: the table, the facts of the run, and each row's method and baseline. */
export function markdown(report: Report): string {
  const m = report.machine;
  const missed = report.sections.flatMap((s) =>
    s.rows.filter((r) => r.met === false).map((r) => `${r.id} ${r.measure}`),
  );
  const out = [
    "# Benchmarks",
    "",
    `Written by \`${report.command}\` (bench/main.ts); do not edit by hand. Every ratio compares figures measured`,
    "in this one run, the two sides interleaved (this machine is shared and noisy: absolute figures move between runs,",
    "ratios much less).",
    "",
    `- Date: ${m.date}; the run took ${Math.round(report.durationS)} s`,
    `- Machine: ${m.os}, ${m.cpu} x ${m.cores} cores, ${m.memoryGb} GB; Node.js ${m.node}; load average at start ${m.loadAverage}`,
    `- Command: \`${report.command}\``,
    "",
    table(report.sections),
    "",
    missed.length === 0
      ? "Every target was met."
      : `Targets missed: ${missed.join("; ")}. See the notes of each.`,
    "",
  ];
  for (const s of report.sections) {
    out.push(
      `## ${s.number}. ${s.title}`,
      "",
      `**Measured.** ${s.measured}`,
      "",
      `**Baseline.** ${s.baseline}`,
      "",
    );
    for (const note of s.notes) out.push(`- ${note}`);
    if (s.notes.length) out.push("");
  }
  return out.join("\n");
}

/** `1234.5` as `1,235`; small values keep `digits` decimals. */
export function num(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `a / b` as `1.23x`. */
export function times(a: number, b: number, digits = 2): string {
  return `${(a / b).toFixed(digits)}x`;
}
