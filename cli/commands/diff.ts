import * as fs from "node:fs";
import * as path from "node:path";
import { callSitesOf, edgeCallSites } from "../../engine";
import { withCallSites } from "../diff/call-sites";
import { computeDiff } from "../diff/compute-diff";
import { failOnViolations, parseFailOn } from "../diff/fail-on";
import { evaluateRevisions } from "../diff/revisions";
import type { GraphDiff, Revisions } from "../diff/types";
import { UsageError } from "../errors";
import { repositoryRoot } from "../git";
import { DIFF_FORMATS, type DiffFlags, type DiffFormat } from "../options/diff";
import { programOptions } from "../program-options";
import { colourWanted } from "../render/colour";
import { renderDiffJson } from "../render/diff-json";
import { renderDiffMarkdown } from "../render/diff-markdown";
import { renderDiffText } from "../render/diff-text";
import type { SiteFormat } from "../render/edge-evidence-text";
import { siteLinks } from "../render/site-links";

/** Where the diff goes: whether it is a terminal decides colour. */
export interface DiffOutput {
  readonly isTty: boolean | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Text unless `--format` says otherwise, wherever the output goes: what a command prints must not change with where
 * it is piped (`| less`, `> diff.txt`, a script). The pull-request comment asks for `--format markdown`
 * (.github/workflows/callgraph.yml). Colour still needs a terminal (render/colour.ts).
 */
export const DEFAULT_DIFF_FORMAT: DiffFormat = "text";

export interface DiffResult {
  readonly output: string;
  readonly diff: GraphDiff;
  readonly revisions: Revisions;
  /** One line per `--fail-on` class the change has (`public: allUsers → status`); empty when it passes. */
  readonly failures: readonly string[];
}

/** The whole of `callgraph diff` but the printing and the exit code. Without `out`, output is not a terminal. */
export async function diffCommand(
  flags: DiffFlags,
  out: DiffOutput = { isTty: false, env: {} },
): Promise<DiffResult> {
  const format = diffFormat(flags.format);
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
  const headUses = edgeCallSites(head.evaluation.graph, callSitesOf(head.evaluation.resources));
  const diff = withCallSites(computeDiff(base.evaluation.graph, head.evaluation.graph), headUses);
  const absent = (side: { absent?: string }) => (side.absent ? { absent: side.absent } : {});
  const revisions: Revisions = {
    base: { ref: base.ref, commit: base.commit ?? "", ...absent(base) },
    head: { ref: head.ref, commit: head.commit, ...absent(head) },
    stack,
  };
  const siteFormat =
    format === "markdown"
      ? siteLinks({ env: out.env, commit: head.commit, programPath: programPathOf(dir) })
      : undefined;
  return {
    output: render(format, diff, revisions, out, siteFormat),
    diff,
    revisions,
    failures: failOnViolations(diff, failOn),
  };
}

function render(
  format: DiffFormat,
  diff: GraphDiff,
  revisions: Revisions,
  out: DiffOutput,
  siteFormat: SiteFormat | undefined,
): string {
  switch (format) {
    case "json":
      return `${renderDiffJson(diff, revisions)}\n`;
    case "markdown":
      return renderDiffMarkdown(diff, revisions, siteFormat);
    case "text":
      return renderDiffText(diff, revisions, colourWanted(out.isTty, out.env));
  }
}

/** The program's folder relative to the repository root: call sites are relative to the program, links to the root. */
function programPathOf(dir: string): string {
  const programDir = fs.realpathSync(dir);
  return path.relative(repositoryRoot(programDir), programDir).split(path.sep).join("/");
}

/** Commander checks `--format` on the command line; this checks it for callers of {@link diffCommand}. */
function diffFormat(value: string | undefined): DiffFormat {
  if (value === undefined) return DEFAULT_DIFF_FORMAT;
  if ((DIFF_FORMATS as readonly string[]).includes(value)) return value as DiffFormat;
  throw new UsageError(
    `diff: --format ${JSON.stringify(value)}: not a format. Use ${DIFF_FORMATS.join(", ")}`,
  );
}
