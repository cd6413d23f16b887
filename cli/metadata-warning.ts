/** The warning gcp-metadata emits when its probe for a metadata server fails in a way it did not expect. */
const METADATA_LOOKUP_WARNING = "MetadataLookupWarning";
const installed = Symbol.for("callgraph.metadataLookupWarningFilter");

/**
 * Keeps gcp-metadata's `MetadataLookupWarning` off stderr. Looking for Application Default Credentials off GCP, it
 * probes the metadata server at its IP and its name at once and, when both fail, warns "received unexpected error =
 * All promises were rejected code = UNKNOWN" (gcp-metadata `isAvailable`; the two failures together carry no code it
 * knows). A command that found no credentials already says so in its one line, and how to fix it; this warning
 * printed after it repeats that in words nobody can act on. `DEBUG_AUTH` (gcp-metadata's own switch, which logs the
 * probe's error) or `CALLGRAPH_DEBUG=1` keeps it. Every other warning is untouched.
 */
export function filterMetadataLookupWarning(env: NodeJS.ProcessEnv): void {
  if (env.DEBUG_AUTH || env.CALLGRAPH_DEBUG === "1") return;
  const target = process as typeof process & { [installed]?: true };
  if (target[installed]) return;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const [type] = rest;
    const named =
      type === METADATA_LOOKUP_WARNING ||
      (typeof type === "object" &&
        type !== null &&
        (type as { type?: unknown }).type === METADATA_LOOKUP_WARNING);
    if (named) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
  target[installed] = true;
}
