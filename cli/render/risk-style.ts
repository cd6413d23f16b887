import type { Risk } from "../diff/types";
import type { Style } from "./colour";

/**
 * How each risk level looks, in every renderer that labels one (the diff's markdown and text; `audit` reuses
 * them): a badge for Markdown, an upper-case word for a terminal, and the colour of that word.
 */
export const RISK_STYLE: Readonly<Record<Risk, { badge: string; word: string; style: Style }>> = {
  high: { badge: "🔴 high", word: "HIGH", style: "red" },
  medium: { badge: "🟡 medium", word: "MEDIUM", style: "yellow" },
  low: { badge: "⚪ low", word: "LOW", style: "dim" },
};
