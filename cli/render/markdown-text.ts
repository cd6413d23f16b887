/**
 * The one way a value reaches a Markdown document callgraph writes (the pull-request comment, the audit issue):
 * members, principals, resource names, file paths, URLs, git refs and the reasons that quote them come from the
 * program and the stack file, which a pull request can change, so none of them may make Markdown or HTML of its
 * own. What GitHub renders is GitHub Flavored Markdown (https://github.github.com/gfm/), with raw HTML allowed: an
 * unescaped `<!--` would hide the rest of the comment, `<img src=…>` would load an image, a `|` would add a table
 * cell, a newline would end the row, a backtick would end a code span and `@team` would notify the team.
 *
 * Two forms, one set of rules:
 * - {@link markdownText}: the value as literal text, anywhere inline text goes (a paragraph, a table cell, a link's
 *   text, a `<summary>`).
 * - {@link markdownCode}: the value as inline code, for identifiers (members, roles, subjects).
 * In both, control characters are shown, never obeyed: a newline is written `\n`, others `\u{…}`.
 */

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: shown as escapes, never obeyed. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** The value with every control character replaced by its escape (`\n`, `\u{1b}`): one line, nothing hidden. */
function visible(value: string): string {
  return value.replace(CONTROL, (c) => NAMED[c] ?? `\\u{${c.codePointAt(0)!.toString(16).padStart(2, "0")}}`);
}

/**
 * The ASCII punctuation that starts markup inline, each backslash-escaped: CommonMark lets any ASCII punctuation be
 * escaped, and an escaped character is literal (https://spec.commonmark.org/0.31.2/#backslash-escapes). `<` `>` `&`
 * so no HTML tag, comment (`<!--`, `-->`) or entity; `` ` `` `*` `_` `~` `[` `]` `\` so no code, emphasis,
 * strikethrough, link or image; `|` so no table cell (cmark-gfm reads `\|` as a pipe of the cell); `$` so no math.
 * The rest needs `[` or the start of a line to mean anything (`(`, `!`, `#`), or means nothing (`.` `:` `/` `@`
 * `-` `"`): left as written, so the raw text stays readable.
 */
const MARKDOWN_PUNCTUATION = /[\\`*_~[\]<>&|$]/g;

/**
 * `@name` where GitHub would read a mention (at the start, or after a character that is not a word's): a word joiner
 * (U+2060, invisible) after the `@`, so nobody is notified by a value. `alice@example.com` is left as it is.
 */
const MENTION = /(^|[^\p{L}\p{N}_`])@(?=[\p{L}\p{N}_-])/gu;

/** `value` as literal text in Markdown: it renders as written, with no markup, HTML, cell break or mention. */
export function markdownText(value: string): string {
  return visible(value)
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(MENTION, "$1@\u2060");
}

/**
 * `value` as inline code (https://github.github.com/gfm/#code-spans): delimited by one backtick more than its
 * longest run of backticks, padded with a space when it starts or ends with one, so no backtick in it ends the span;
 * inside a span nothing else is markup. In a table (`where` "table", the default) each `|` is written `\|`, which
 * cmark-gfm reads as a pipe of the cell before it parses the span. The one thing a code span in a table cannot
 * show is a backslash right before a pipe (cmark-gfm would read `\\` as an escaped backslash and split the cell at
 * the pipe): such a value is written as {@link markdownText} instead, exact and safe, only not in code style.
 */
export function markdownCode(value: string, where: "table" | "text" = "table"): string {
  const shown = visible(value);
  if (shown === "") return "` `";
  if (where === "table" && /\\\|/.test(shown)) return markdownText(value);
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(shown) && shown.trim() !== "" ? " " : "";
  const body = where === "table" ? shown.replace(/\|/g, "\\|") : shown;
  return `${fence}${pad}${body}${pad}${fence}`;
}
