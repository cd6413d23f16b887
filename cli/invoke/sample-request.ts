import { readStackConfig } from "../../engine";
import { declaredSample, SampleError, type Sample } from "../../local";
import { UsageError } from "../errors";

/**
 * The `sample.json` of function `fn` of `stack`, for `invoke` given no request of its own; undefined when it has
 * none. An invalid sample is a {@link UsageError} naming the file and the field.
 */
export function sampleOf(dir: string, stack: string, fn: string): Sample | undefined {
  try {
    return declaredSample(dir, readStackConfig(dir, stack).config, fn);
  } catch (error) {
    if (!(error instanceof SampleError)) throw error;
    throw new UsageError(
      `invoke ${fn}: ${error.message.split("\n").join(" ")}. Fix it, or give the request with --data, --path or -X`,
      { cause: error },
    );
  }
}
