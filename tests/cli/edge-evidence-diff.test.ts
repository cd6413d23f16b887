import type { EdgeUse } from "../../callsites";
import { withCallSites } from "../../cli/diff/call-sites";
import { computeDiff } from "../../cli/diff/compute-diff";
import { failOnViolations, parseFailOn } from "../../cli/diff/fail-on";
import type { GrantChange, Revisions } from "../../cli/diff/types";
import { renderDiffJson } from "../../cli/render/diff-json";
import { renderDiffMarkdown } from "../../cli/render/diff-markdown";
import { renderDiffText } from "../../cli/render/diff-text";
import { siteLinks } from "../../cli/render/site-links";
import { graphOf } from "./support/graphs";

const COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
const REVISIONS: Revisions = {
  base: { ref: "origin/main", commit: "0123456789abcdef0123456789abcdef01234567" },
  head: { ref: "HEAD", commit: COMMIT },
  stack: "dev",
};

/** The fixture topology at base; at head beta declares a call to alpha and gamma one to alpha too. */
const BASE = { alpha: { calls: ["beta"] }, beta: {}, gamma: { calls: ["beta"] } };
const HEAD = { alpha: { calls: ["beta"] }, beta: { calls: ["alpha"] }, gamma: { calls: ["beta", "alpha"] } };
const site = (callee: string, file: string, line: number) => ({ callee, file, line, column: 9 });
/** What the head's code does: beta calls nothing (its new edge is unused), gamma calls alpha on line 30. */
const USES: EdgeUse[] = [
  { caller: "alpha", callee: "beta", callSites: [site("beta", "functions/alpha/index.ts", 14)], dynamic: [] },
  { caller: "beta", callee: "alpha", callSites: [], dynamic: [] },
  {
    caller: "gamma",
    callee: "alpha",
    callSites: [site("alpha", "functions/gamma/index.ts", 30)],
    dynamic: [],
  },
  { caller: "gamma", callee: "beta", callSites: [site("beta", "functions/gamma/index.ts", 25)], dynamic: [] },
];

const bare = computeDiff(graphOf(BASE), graphOf(HEAD));
const diff = withCallSites(bare, USES);
const added = (subject: string) => diff.changes.find((c) => c.subject === subject) as GrantChange;

describe("diff: why each added edge exists", () => {
  test("an added edge carries its head call sites; an unused one gets a reason of its own", () => {
    expect(added("gamma → alpha").evidence?.callSites).toEqual([
      site("alpha", "functions/gamma/index.ts", 30),
    ]);
    expect(added("gamma → alpha").reasons).toEqual(["new edge: gamma's service account may invoke alpha"]);
    expect(added("beta → alpha").reasons).toEqual([
      "new edge: beta's service account may invoke alpha",
      'unused grant: no code of beta calls "alpha"; call it, or remove "alpha" from functions.beta.calls',
    ]);
    // Its risk stays a new edge's: --fail-on unused is what makes it fatal.
    expect(added("beta → alpha").risk).toBe("medium");
    expect(diff.counts).toEqual(bare.counts);
  });

  test("without recorded call sites nothing is added: not extracted is not unused", () => {
    expect(withCallSites(bare, [])).toEqual(bare);
  });

  test("a dynamic site in the caller keeps its new edge from being unused", () => {
    const dynamic = [{ file: "functions/beta/index.ts", line: 7, column: 3, expression: "req.query.to" }];
    const withDynamic = withCallSites(bare, [{ caller: "beta", callee: "alpha", callSites: [], dynamic }]);
    expect(failOnViolations(withDynamic, parseFailOn(["unused"]))).toEqual([]);
  });

  test("--fail-on unused names the unused edges added, and only those", () => {
    expect(failOnViolations(diff, parseFailOn(["unused"]))).toEqual(["unused: beta → alpha"]);
    expect(failOnViolations(withCallSites(bare, USES.slice(2)), parseFailOn(["unused"]))).toEqual([]);
  });

  test("text: the call sites under an added edge", () => {
    const text = renderDiffText(diff, REVISIONS);
    expect(text).toMatch(
      /gamma → alpha\n +new edge: gamma's service account may invoke alpha\n +call sites: functions\/gamma\/index\.ts:30\n/,
    );
    expect(text).toContain('unused grant: no code of beta calls "alpha"');
  });

  test("markdown: sites as code, or as links to the head commit's lines on GitHub", () => {
    expect(renderDiffMarkdown(diff, REVISIONS)).toContain("<br>call sites: `functions/gamma/index.ts:30` |");
    const links = siteLinks({
      env: { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "acme/shop" },
      commit: COMMIT,
      programPath: "infra",
    });
    expect(renderDiffMarkdown(diff, REVISIONS, links)).toContain(
      `<br>call sites: [functions/gamma/index.ts:30](https://github.com/acme/shop/blob/${COMMIT}/infra/functions/gamma/index.ts#L30) |`,
    );
  });

  test("json: the evidence of each added edge, as typed", () => {
    const json = JSON.parse(renderDiffJson(diff, REVISIONS));
    const change = json.changes.find((c: { subject: string }) => c.subject === "beta → alpha");
    expect(change.evidence).toEqual({ callSites: [], dynamic: [] });
  });
});

describe("siteLinks", () => {
  const env = { GITHUB_SERVER_URL: "https://ghe.example.com/", GITHUB_REPOSITORY: "o/r" };
  const at = { file: "functions/a b/[x].ts", line: 3 };

  test("links at the repository root, encoding the path and escaping the text", () => {
    expect(siteLinks({ env, commit: COMMIT, programPath: "" })!(at)).toBe(
      `[functions/a b/\\[x\\].ts:3](https://ghe.example.com/o/r/blob/${COMMIT}/functions/a%20b/%5Bx%5D.ts#L3)`,
    );
  });

  test("no links without the server, the repository or a commit (the working tree)", () => {
    expect(siteLinks({ env: {}, commit: COMMIT, programPath: "" })).toBeUndefined();
    expect(
      siteLinks({ env: { GITHUB_SERVER_URL: env.GITHUB_SERVER_URL }, commit: COMMIT, programPath: "" }),
    ).toBeUndefined();
    expect(siteLinks({ env, commit: undefined, programPath: "" })).toBeUndefined();
  });
});
