/**
 * ANSI colour for terminal output, only where a person reads it: on a terminal, and never when `NO_COLOR` is set
 * to anything but the empty string (https://no-color.org: "when present and not an empty string, prevents the
 * addition of ANSI color"). Piped output, files and CI logs get plain text.
 */
export function colourWanted(isTty: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  const noColour = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  return isTty === true && !noColour;
}

/** Text styles: SGR codes (ECMA-48 §8.3.117), each reset with `0`. */
const SGR = { red: "31", yellow: "33", green: "32", bold: "1", dim: "2" } as const;

export type Style = keyof typeof SGR;

/** Styles text when colour is on, and returns it untouched otherwise. */
export type Paint = (style: Style, text: string) => string;

export function painter(colour: boolean): Paint {
  return colour ? (style, text) => `\u001b[${SGR[style]}m${text}\u001b[0m` : (_style, text) => text;
}
