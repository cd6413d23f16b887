import type { Command } from "commander";
import { API_ROOT_ENV } from "../../live/api-root";
import { DEFAULT_DEADLINE_SECONDS, DEFAULT_REQUEST_TIMEOUT_SECONDS } from "../../live/deadline";

/** The options of every command that reads the live project (`preflight`, `audit`): where, and how long. */
export function withLiveOptions(command: Command): Command {
  return command
    .option(
      "--api-root <url>",
      `reach every Google API at <url>/<first label of its host>/ (env: ${API_ROOT_ENV})`,
    )
    .option(
      "--timeout <seconds>",
      `seconds one attempt of one request to Google may take (default ${DEFAULT_REQUEST_TIMEOUT_SECONDS})`,
    )
    .option(
      "--deadline <seconds>",
      `seconds everything the command asks of Google may take, credentials included (default ${DEFAULT_DEADLINE_SECONDS})`,
    );
}
