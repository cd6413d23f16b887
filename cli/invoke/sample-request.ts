import { readStackConfig } from "../../engine";
import { declaredSample, SampleError, type Sample } from "../../local";
import { UsageError } from "../errors";

/**
 * The `sample.json` of function `fn`, for `invoke` given no request of its own, from the function's declared source
 * folder (`sourceFolder`: what the local stack or the program's evaluation registered, so a declaration in code
 * counts); undefined when it has none. Without a folder (a local stack description written by an older version), it
 * is read from the stack file's declaration. An invalid sample is a {@link UsageError} naming the file and the field.
 */
export function sampleOf(
  dir: string,
  stack: string,
  fn: string,
  sourceFolder: string | undefined,
): Sample | undefined {
  try {
    return declaredSample(dir, sourceFolder ?? stackFileFolder(dir, stack, fn));
  } catch (error) {
    if (!(error instanceof SampleError)) throw error;
    throw new UsageError(
      `invoke ${fn}: ${error.message.split("\n").join(" ")}. Fix it, or give the request with --data, --path or -X`,
      { cause: error },
    );
  }
}

/** `fn`'s folder as `Pulumi.<stack>.yaml` declares it: its `source`, else `functions/<fn>`. */
function stackFileFolder(dir: string, stack: string, fn: string): string | undefined {
  const declared = readStackConfig(dir, stack).config["callgraph:functions"];
  if (typeof declared !== "object" || declared === null || !Object.hasOwn(declared, fn)) return undefined;
  const source = (declared as Record<string, { source?: unknown } | null>)[fn]?.source;
  return typeof source === "string" ? source : `functions/${fn}`;
}
