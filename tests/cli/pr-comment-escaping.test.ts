import { withCallSites } from "../../cli/diff/call-sites";
import { computeDiff } from "../../cli/diff/compute-diff";
import type { Revisions } from "../../cli/diff/types";
import { COMMENT_MARKER, renderDiffMarkdown } from "../../cli/render/diff-markdown";
import { markdownCode, markdownText } from "../../cli/render/markdown-text";
import { siteLinks } from "../../cli/render/site-links";
import { graphOf, handWrittenMember } from "./support/graphs";

// The pull-request comment prints what a pull request can choose: members and principals of hand-written grants,
// resource names, roles, file paths, branch names. Function names are validated; nothing else is. Each value below
// attacks the comment one way; the checks read the comment as GitHub's renderer (cmark-gfm) does.

const MARKER_CLOSE = "--> <!-- callgraph-diff -->";
const SCRIPT = "<script>alert(1)</script>";
const IMAGE = '<img src="https://evil.example/pixel.png">';

/** A member that tries everything at once: a pipe, a backtick, HTML, a comment, a newline and a forged row. */
const MEMBER = `user:x|y\`${SCRIPT}${MARKER_CLOSE}\n| 🔴 high | forged | row |@example.com`;
/** A hand-written grant's resource name: HTML, an image, a comment opener that would hide the rest. */
const RESOURCE = `odd${IMAGE}<!--|**bold**_em_~~del~~[link](https://evil.example)`;
/** A mention: would notify a team. */
const MENTION_MEMBER = "group:@acme/security-team";
/** A branch name git allows: backticks, `<`, `|`. */
const REVISIONS: Revisions = {
  base: { ref: "main`<b>base</b>|", commit: "0123456789abcdef0123456789abcdef01234567" },
  head: { ref: `feature/${IMAGE}<!--` },
  stack: "dev",
};
/** A call site's file path, with a newline and a link-breaking parenthesis. */
const FILE = "functions/beta/<img src=x>|a`b)\n| forged |.ts";

const BASE = { alpha: {}, beta: {}, profiles: {} };
const HEAD = { alpha: {}, beta: { calls: ["alpha"] }, profiles: {} };

function hostileComment(siteFormat?: Parameters<typeof renderDiffMarkdown>[2]): string {
  const rogue = [
    handWrittenMember(RESOURCE, "profiles", MEMBER),
    handWrittenMember("team", "profiles", MENTION_MEMBER),
  ];
  const diff = withCallSites(computeDiff(graphOf(BASE), graphOf(HEAD, rogue)), [
    {
      caller: "beta",
      callee: "alpha",
      callSites: [{ callee: "alpha", file: FILE, line: 3, column: 1 }],
      dynamic: [],
    },
  ]);
  return renderDiffMarkdown(diff, REVISIONS, siteFormat);
}

/** ASCII punctuation: what a backslash may escape in CommonMark, and so what cmark-gfm pairs with one in a table row. */
const PUNCTUATION = /[!-/:-@[-`{-~]/;

/** A table row's cells, split as cmark-gfm splits them: `\` and the punctuation after it are one unit. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cell = "";
  for (let i = 0; i < row.length; i++) {
    if (row[i] === "\\" && PUNCTUATION.test(row[i + 1] ?? "")) {
      cell += row[i] + row[i + 1];
      i += 1;
    } else if (row[i] === "|") {
      out.push(cell);
      cell = "";
    } else cell += row[i];
  }
  out.push(cell);
  // The leading and trailing pipes open and close the row.
  return out.slice(1, -1);
}

/** The text with every code span replaced by `CODE` (a run of N backticks to the next run of exactly N). */
function withoutCodeSpans(text: string): string {
  let out = "";
  for (let i = 0; i < text.length;) {
    if (text[i] === "\\" && PUNCTUATION.test(text[i + 1] ?? "")) {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (text[i] !== "`") {
      out += text[i++];
      continue;
    }
    const run = /^`+/.exec(text.slice(i))![0];
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, "g");
    close.lastIndex = i + run.length;
    const end = close.exec(text);
    if (!end) {
      out += run;
      i += run.length;
    } else {
      out += "CODE";
      i = end.index + run.length;
    }
  }
  return out;
}

/** Raw HTML the renderer would see: `<` not escaped by a backslash, outside code spans. */
function rawTags(markdown: string): string[] {
  const text = withoutCodeSpans(markdown.replace(/```mermaid[\s\S]*?```/g, "MERMAID"));
  return [...text.matchAll(/(?<!\\)<[^>\n]*>?/g)].map((m) => m[0]);
}

/** The tags callgraph itself writes: anything else raw in the comment came from a value. */
const OWN_TAGS = new Set([
  COMMENT_MARKER,
  "<details>",
  "<details open>",
  "</details>",
  "<summary>",
  "</summary>",
  "<b>",
  "</b>",
  "<br>",
  "<sub>",
  "</sub>",
]);

describe("the PR comment escapes every value it prints", () => {
  const md = hostileComment();
  const lines = md.split("\n");
  const rows = lines.filter((l) => l.startsWith("| ") && !/^\| (risk|grant) \|/.test(l));

  test("a value with a newline and a forged row adds no row, and every row keeps its four cells", () => {
    for (const row of rows) expect(cells(row)).toHaveLength(4);
    expect(md).not.toMatch(/\n\| 🔴 high \| forged/);
    // One row per change: the two hand-written invokers and the new edge.
    expect(rows).toHaveLength(3);
  });

  test("a value with <script>, <img> or an HTML comment reaches the renderer as text, never as HTML", () => {
    expect(rawTags(md).filter((tag) => !OWN_TAGS.has(tag))).toEqual([]);
    expect(md.indexOf(COMMENT_MARKER)).toBe(0);
    // Outside code spans the marker is there once: no value can close it or open another.
    expect(withoutCodeSpans(md).split(COMMENT_MARKER)).toHaveLength(2);
    expect(md).toContain(`\\<img src="https://evil.example/pixel.png"\\>\\<!--`);
  });

  test("markdown in a resource name (emphasis, strikethrough, a link) is shown as written", () => {
    expect(md).toContain("\\<!--\\|\\*\\*bold\\*\\*\\_em\\_\\~\\~del\\~\\~\\[link\\](https://evil.example)");
  });

  test("a backtick in a member cannot end its code span, nor a pipe split its cell", () => {
    const row = rows.find((r) => r.includes("user:x"))!;
    const what = cells(row)[2].trim();
    expect(what).toBe(
      `\`\`user:x\\|y\`<script>alert(1)</script>--> <!-- callgraph-diff -->\\n\\| 🔴 high \\| forged \\| row \\|@example.com → profiles\`\``,
    );
  });

  test("a branch name cannot break out of its code span, and a ref without a commit is escaped text", () => {
    expect(lines[3]).toBe(
      '``main`<b>base</b>|`` (0123456) → feature/\\<img src="https://evil.example/pixel.png"\\>\\<!--, stack `dev`: ' +
        lines[3].split(", stack `dev`: ")[1],
    );
  });

  test("a mention in a value notifies nobody", () => {
    const reasons = rows.filter((r) => r.includes("security-team")).map((r) => cells(r)[3]);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toContain("group:@\u2060acme/security-team");
    // In code (the subject) a mention is inert: GitHub does not read mentions in code.
    expect(withoutCodeSpans(md)).not.toMatch(/(^|[^\w`])@acme/m);
  });

  test("a call site's file path with a newline, a pipe and a backtick stays one code span in its cell", () => {
    const row = rows.find((r) => r.includes("beta → alpha"))!;
    expect(cells(row)).toHaveLength(4);
    expect(row).toContain("<br>call sites: ``functions/beta/<img src=x>\\|a`b)\\n\\| forged \\|.ts:3`` |");
  });

  test("as a link, the file path is escaped text and the URL cannot end early", () => {
    const links = siteLinks({
      env: { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "acme/shop" },
      commit: "89abcdef0123456789abcdef0123456789abcdef",
      programPath: "",
    })!;
    const linked = hostileComment(links);
    const row = linked.split("\n").find((r) => r.includes("beta → alpha"))!;
    expect(cells(row)).toHaveLength(4);
    expect(row).toContain(
      "[functions/beta/\\<img src=x\\>\\|a\\`b)\\\\n\\| forged \\|.ts:3](https://github.com/acme/shop/blob/89abcdef0123456789abcdef0123456789abcdef/functions/beta/%3Cimg%20src%3Dx%3E%7Ca%60b%29%0A%7C%20forged%20%7C.ts#L3)",
    );
    expect(rawTags(linked).filter((tag) => !OWN_TAGS.has(tag))).toEqual([]);
  });

  test("the diagram's labels carry no quote, bracket, backtick or newline of a value", () => {
    const diagram = /```mermaid\n([\s\S]*?)\n```/.exec(md)![1];
    for (const [, label] of diagram.matchAll(/\("([^"]*)"\)|\["([^"]*)"\]/g)) {
      if (label === undefined) continue;
      expect(label).not.toMatch(/[<>`\n]/);
    }
    expect(diagram).toContain(
      "user:x|y#96;#lt;script#gt;alert(1)#lt;/script#gt;--#gt; #lt;!-- callgraph-diff --#gt; | 🔴 high | forged | row |@example.com",
    );
    // No line of the diagram is a fence that would end the block.
    expect(diagram.split("\n").filter((l) => l.trim().startsWith("```"))).toEqual([]);
  });
});

describe("the escaping helper", () => {
  test.each([
    ["HTML", "<script>x</script>", "\\<script\\>x\\</script\\>"],
    ["an HTML comment that would close the marker", "--> <!-- x", "--\\> \\<!-- x"],
    ["an entity", "&lt;", "\\&lt;"],
    ["emphasis and code", "*a* _b_ `c`", "\\*a\\* \\_b\\_ \\`c\\`"],
    ["a table pipe, a backslash before it too", "a|b\\|c", "a\\|b\\\\\\|c"],
    [
      "newlines and other control characters",
      "a\nb\r\u001b[31m\u2028",
      "a\\\\nb\\\\r\\\\u{1b}\\[31m\\\\u{2028}",
    ],
    ["math", "$x$", "\\$x\\$"],
    ["a mention at the start", "@octocat hi", "@\u2060octocat hi"],
    ["an email address (no mention)", "alice@example.com", "alice@example.com"],
  ])("markdownText: %s", (_label, value, escaped) => {
    expect(markdownText(value)).toBe(escaped);
  });

  test.each([
    ["a plain identifier", "user:alice@example.com", "`user:alice@example.com`"],
    ["backticks inside", "a`b``c", "```a`b``c```"],
    ["a backtick at an end", "`a", "`` `a ``"],
    ["a pipe, in a table", "a|b", "`a\\|b`"],
    ["a newline", "a\nb", "`a\\nb`"],
    ["a backslash before a pipe: text instead, exact and safe", "a\\|b", "a\\\\\\|b"],
    ["nothing", "", "` `"],
  ])("markdownCode: %s", (_label, value, code) => {
    expect(markdownCode(value)).toBe(code);
  });

  test("markdownCode outside a table leaves a pipe as it is", () => {
    expect(markdownCode("a|b", "text")).toBe("`a|b`");
  });
});
