import { closest, distance } from "fastest-levenshtein";

/**
 * ` (did you mean "x"?)` for a near miss among `candidates`, else "". Only near misses: a far-off name is more likely a
 * missing declaration than a typo. A short word is within 2 edits of any short name ("cd" vs "ab"), so the distance
 * must also stay below the word's length.
 */
export function suggestion(word: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  const best = closest(word, candidates as string[]);
  const d = distance(word, best);
  return d <= Math.max(2, Math.floor(word.length / 3)) && d < word.length
    ? ` (did you mean ${JSON.stringify(best)}?)`
    : "";
}
