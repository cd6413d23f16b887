/** Stack files that attack their reader, for the engine's and the CLI's tests. */

/** Nine anchors, each a list of nine of the one before: 9^9 (387 million) strings once expanded. */
export const BILLION_LAUGHS = [
  "config:",
  '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  ...["b", "c", "d", "e", "f", "g", "h", "i"].map((name, i) => {
    const prev = "abcdefgh"[i];
    return `  ${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`;
  }),
  "",
].join("\n");
