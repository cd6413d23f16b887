import { Option, type Command } from "commander";
import { addedGrants, computeDiff } from "../diff/compute-diff";
import { evaluateRevisions } from "../diff/revisions";
import type { GraphDiff, Revisions } from "../diff/types";
import { CheckFailed, UsageError } from "../errors";
import { programOptions, withProgramOptions } from "../program-options";
import { renderDiffJson } from "../render/diff-json";
import { renderDiffMarkdown } from "../render/diff-markdown";

export const DIFF_FORMATS = ["markdown", "json"] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

/** Classes of change `--fail-on` can make fatal. */
export const FAIL_ON = ["public", "new-grant"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface DiffFlags {
  readonly base: string;
  readonly head?: string;
  readonly stack?: string;
  readonly dir?: string;
  readonly format?: DiffFormat;
  readonly failOn?: readonly string[];
  readonly preview?: boolean;
}

export function registerDiff(program: Command): void {
  withProgramOptions(
    program
      .command("diff")
      .description(
        "what a change does to who may invoke whom, between two git revisions, with a risk label per change",
      )
      .requiredOption("--base <ref>", "revision to compare against, e.g. origin/main")
      .option("--head <ref>", "revision to compare (default: the working tree, uncommitted changes included)")
      .addOption(
        new Option("-f, --format <format>", "output format").choices(DIFF_FORMATS).default("markdown"),
      )
      .option(
        "--fail-on <class...>",
        `exit 1 when the change has this class of change: ${FAIL_ON.join(", ")} (repeat or comma-separate)`,
      )
      .option("--preview", "evaluate as `pulumi preview` would (computed outputs unknown)"),
  ).action(async (flags: DiffFlags) => {
    const result = await diffCommand(flags);
    process.stdout.write(result.output);
    if (result.failures.length > 0)
      throw new CheckFailed(
        `diff --fail-on: the change ${result.failures.join("; ")}. Review it, and merge only if it is intended`,
      );
  });
}

export interface DiffResult {
  readonly output: string;
  readonly diff: GraphDiff;
  readonly revisions: Revisions;
  /** One line per `--fail-on` class the change has; empty when it passes. */
  readonly failures: readonly string[];
}

/** The whole of `callgraph diff` but the printing and the exit code. */
export async function diffCommand(flags: DiffFlags): Promise<DiffResult> {
  const failOn = parseFailOn(flags.failOn ?? []);
  // With --head, both sides come from revisions: the working tree's stack file does not matter.
  const { stack, dir } = programOptions(flags, undefined, flags.head === undefined ? "required" : "optional");
  const { base, head } = await evaluateRevisions({
    programDir: dir,
    stack,
    base: flags.base,
    head: flags.head,
    preview: flags.preview,
  });
  const diff = computeDiff(base.evaluation.graph, head.evaluation.graph);
  const revisions: Revisions = {
    base: { ref: base.ref, commit: base.commit ?? "" },
    head: { ref: head.ref, commit: head.commit },
    stack,
  };
  const output =
    (flags.format ?? "markdown") === "json"
      ? `${renderDiffJson(diff, revisions)}\n`
      : renderDiffMarkdown(diff, revisions);
  return { output, diff, revisions, failures: failOnViolations(diff, failOn) };
}

/** `--fail-on public,new-grant` and `--fail-on public --fail-on new-grant` alike; anything else is a user error. */
export function parseFailOn(values: readonly string[]): FailOn[] {
  const classes = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = classes.filter((c) => !(FAIL_ON as readonly string[]).includes(c));
  if (unknown.length > 0)
    throw new UsageError(
      `diff: --fail-on: unknown class ${unknown.map((u) => `"${u}"`).join(", ")}. Use ${FAIL_ON.join(" or ")}`,
    );
  return [...new Set(classes as FailOn[])];
}

/** What makes each requested class fail: a public invoker added, or any grant added. */
export function failOnViolations(diff: GraphDiff, failOn: readonly FailOn[]): string[] {
  const added = addedGrants(diff);
  const failures: string[] = [];
  if (failOn.includes("public")) {
    const publicGrants = added.filter((g) => g.invokerKind === "public");
    if (publicGrants.length > 0)
      failures.push(`adds a public invoker (${publicGrants.map((g) => g.subject).join(", ")})`);
  }
  if (failOn.includes("new-grant") && added.length > 0) {
    failures.push(
      `adds ${added.length} grant${added.length === 1 ? "" : "s"} (${added
        .map((g) => g.subject)
        .slice(0, 10)
        .join(", ")}${added.length > 10 ? ", …" : ""})`,
    );
  }
  return failures;
}
