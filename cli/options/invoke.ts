import type { Command } from "commander";
import { METHODS } from "../invoke/request";
import { withProgramOptions } from "../program-options";
import { implementation } from "./implementation";

export interface InvokeFlags {
  readonly as?: string;
  readonly method?: string;
  readonly data?: string;
  readonly path?: string;
  readonly local?: boolean;
  readonly to?: string;
  readonly stack?: string;
  readonly dir?: string;
}

export function registerInvoke(program: Command): void {
  withProgramOptions(
    program
      .command("invoke <function>")
      .description(
        "call a function as an identity and print the answer: the quickest way to check 'can X call Y?'; exit 1 when it is refused (HTTP >= 400)",
      )
      .option(
        "--as <who>",
        "who calls: a function's name (its service account) or an IAM member. With --local, any identity of the local stack (user:, group:, serviceAccount:, domain:); against GCP, a function or serviceAccount:<email>, impersonated with your credentials. Default: with --local no token, against GCP your own credentials",
      )
      .option(
        "-X, --method <method>",
        `HTTP method: ${METHODS.join(", ")} (default: GET, or POST with --data)`,
      )
      .option(
        "-d, --data <json>",
        "JSON body (not with GET or HEAD). Without --data, --path and -X: the function's sample.json, if it has one",
      )
      .option("--path <path>", "path and query after the function's URL, e.g. /items?q=a")
      .option("--local", "call the local stack (npm start) instead of GCP")
      .option(
        "--to <function>",
        "for a caller that is not a function (callgraph:callers): send its delivery to this function instead of the one it calls, as a re-pointed source would (its front end refuses it unless the caller may invoke it)",
      ),
  ).action((fn: string, flags: InvokeFlags) => implementation("invoke").runInvoke(fn, flags));
}
