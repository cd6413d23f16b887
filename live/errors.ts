/**
 * A setting of the live readers that cannot work (a malformed `--api-root`). The CLI turns it into a usage
 * error; `live/` does not import the CLI's error classes (the CLI imports `live/`, never the reverse).
 */
export class LiveConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LiveConfigError";
  }
}
