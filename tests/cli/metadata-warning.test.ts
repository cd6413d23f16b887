import { filterMetadataLookupWarning } from "../../cli/metadata-warning";

// gcp-metadata's MetadataLookupWarning is kept off stderr unless a debug switch asks for it; nothing else is
// (cli/metadata-warning.ts).

const INSTALLED = Symbol.for("callgraph.metadataLookupWarningFilter");

/**
 * The warnings that reach what the filter wraps (a stand-in for Node's emitWarning) while `emit` runs, with the filter
 * installed for `env`; Node's own emitWarning is back after.
 */
function warningsSeen(env: NodeJS.ProcessEnv, emit: () => void): string[] {
  const original = process.emitWarning;
  const holder = process as unknown as Record<symbol, unknown>;
  const seen: string[] = [];
  process.emitWarning = ((warning: string, type?: string | { type?: string }) => {
    seen.push(`${typeof type === "string" ? type : (type?.type ?? "Warning")}: ${warning}`);
  }) as typeof process.emitWarning;
  try {
    delete holder[INSTALLED];
    filterMetadataLookupWarning(env);
    emit();
  } finally {
    process.emitWarning = original;
    delete holder[INSTALLED];
  }
  return seen;
}

const lookup = () =>
  process.emitWarning("received unexpected error = no code = 500", "MetadataLookupWarning");
const asOptions = () => process.emitWarning("received unexpected error", { type: "MetadataLookupWarning" });
const other = () => process.emitWarning("something else", "ExperimentalWarning");

test("gcp-metadata's warning is dropped, its type given as an argument or in options", () => {
  expect(warningsSeen({}, lookup)).toEqual([]);
  expect(warningsSeen({}, asOptions)).toEqual([]);
});

test("every other warning still reaches Node", () => {
  expect(warningsSeen({}, other)).toEqual(["ExperimentalWarning: something else"]);
});

test.each([[{ DEBUG_AUTH: "1" }], [{ CALLGRAPH_DEBUG: "1" }]])("with %j it is kept", (env) => {
  expect(warningsSeen(env, lookup)).toEqual([
    "MetadataLookupWarning: received unexpected error = no code = 500",
  ]);
});

test("installed twice, it filters once and passes the rest on unchanged", () => {
  const seen = warningsSeen({}, () => {
    filterMetadataLookupWarning({});
    lookup();
    other();
  });
  expect(seen).toEqual(["ExperimentalWarning: something else"]);
});
