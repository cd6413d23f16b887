import type { Change, GraphDiff, Revisions } from "../diff/types";

/** What kind of change a row is, in a reviewer's words. */
export function changeTitle(c: Change): string {
  switch (c.kind) {
    case "function-added":
      return "function added";
    case "function-removed":
      return "function removed";
    case "function-renamed":
      return "function renamed";
    case "generation-changed":
      return `generation ${c.before} → ${c.after}`;
    case "service-account-changed":
      return "service account changed";
    case "grant-added":
      return {
        function: "edge added",
        source: "source added",
        public: "public invoker added",
        external: "invoker added",
      }[c.invokerKind];
    case "grant-removed":
      return c.invokerKind === "function"
        ? "edge removed"
        : c.invokerKind === "source"
          ? "source removed"
          : "invoker removed";
    case "grant-undeclared":
      return "grant now undeclared";
    case "secret-access-added":
      return "secret access added";
    case "secret-access-removed":
      return "secret access removed";
    case "settings-changed":
      return "settings changed";
  }
}

/** "adds 1 public invoker and 2 edges; removes 1 function": the change in one line, biggest news first. */
export function summaryPhrase(diff: GraphDiff): string {
  const n = (predicate: (c: Change) => boolean) => diff.changes.filter(predicate).length;
  const added = (kind: string) => (c: Change) => c.kind === "grant-added" && c.invokerKind === kind;
  const undeclared = n(
    (c) => (c.kind === "grant-added" && c.undeclared.length > 0) || c.kind === "grant-undeclared",
  );
  const parts = [
    verb("adds", [
      [n(added("public")), "public invoker"],
      [n(added("external")), "external invoker"],
      [n(added("function")), "edge"],
      [n(added("source")), "source"],
      [n((c) => c.kind === "function-added"), "function"],
      [n((c) => c.kind === "secret-access-added"), "secret grant"],
    ]),
    verb("has", [[undeclared, "undeclared grant"]]),
    verb("removes", [
      [n((c) => c.kind === "function-removed"), "function"],
      [n((c) => c.kind === "grant-removed" && c.invokerKind === "function"), "edge"],
      [n((c) => c.kind === "grant-removed" && c.invokerKind === "source"), "source"],
      [
        n((c) => c.kind === "grant-removed" && c.invokerKind !== "function" && c.invokerKind !== "source"),
        "invoker",
      ],
      [n((c) => c.kind === "secret-access-removed"), "secret grant"],
    ]),
    verb("renames", [[n((c) => c.kind === "function-renamed"), "function"]]),
    verb("changes", [
      [n((c) => c.kind === "generation-changed"), "generation"],
      [n((c) => c.kind === "service-account-changed"), "service account"],
      [n((c) => c.kind === "settings-changed"), "function's settings", "functions' settings"],
    ]),
  ].filter((p) => p !== "");
  return parts.length > 0 ? parts.join("; ") : "changes nothing about who may invoke whom";
}

function verb(word: string, counts: readonly (readonly [number, string, string?])[]): string {
  const items = counts
    .filter(([count]) => count > 0)
    .map(([count, noun, nouns]) => `${count} ${count === 1 ? noun : (nouns ?? `${noun}s`)}`);
  if (items.length === 0) return "";
  return `${word} ${items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`}`;
}

/** How a renderer sets a ref or a stack name apart: inline code in Markdown, nothing on a terminal. */
export type Quote = (text: string) => string;

/**
 * `` `main` (abc1234) → working tree, stack `dev` ``: refs with a commit and the stack set apart by `quote`, the rest
 * written by `text` (a ref without a commit, the short commit). Markdown passes both its escapers (markdown-text.ts):
 * a ref is a branch name, which a pull request chooses and git lets hold backticks, `<` and `|`. A terminal passes
 * the identity for both.
 */
export function revisionsPhrase(r: Revisions, quote: Quote, text: Quote = quote): string {
  const side = (ref: string, commit?: string) =>
    commit ? `${quote(ref)} (${text(commit.slice(0, 7))})` : text(ref);
  // A side without the stack deploys none of it: said, so "everything added" reads as what it is.
  const absent = (which: string, what?: string) => (what ? `; the ${which} has ${text(what)}` : "");
  return (
    `${side(r.base.ref, r.base.commit)} → ${side(r.head.ref, r.head.commit)}, stack ${quote(r.stack)}` +
    absent("base", r.base.absent) +
    absent("head", r.head.absent)
  );
}
