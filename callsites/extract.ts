import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { entryFile } from "./bundle-inputs";
import { CallSiteCache } from "./cache";
import { DEFAULT_CLIENT_API, type ClientApi } from "./client-api";
import type { CallSiteReport, SourceCallSites } from "./report";

/** A declared function: its name and its source folder relative to the project root. */
export interface FunctionSource {
  readonly name: string;
  readonly source: string;
}

export interface ExtractOptions {
  /** The project root: sources, the client library and every reported file are relative to it. */
  readonly projectRoot: string;
  readonly functions: readonly FunctionSource[];
  /** Where answers are stored; defaults to `<projectRoot>/.callgraph/callsites`. */
  readonly cacheDir?: string;
  /** Where the client library declares its entry points; defaults to `functions/shared` (DEFAULT_CLIENT_API). */
  readonly api?: ClientApi;
}

// Bumped when the analysis changes what it reports for the same code, so stored answers are recomputed.
const ANALYSIS_VERSION = "callsites-1";

/**
 * The callee names each function's code can pass to the client library, with the sites that prove them, and
 * the sites it cannot resolve. Functions whose inputs are unchanged since a stored answer cost a hash of those
 * files; the others share one esbuild resolution and one TypeScript program, so a file imported by every
 * function (the client library) is parsed and scanned once.
 *
 * @returns one report per function, sorted by function name.
 * @throws BundleInputsError when a function's code cannot be resolved; ClientApiError when the library no
 *   longer declares what `api` names.
 */
export function extractCallSites(options: ExtractOptions): CallSiteReport[] {
  const root = path.resolve(options.projectRoot);
  const api = options.api ?? DEFAULT_CLIENT_API;
  const cache = new CallSiteCache(
    root,
    path.resolve(options.cacheDir ?? path.join(root, ".callgraph", "callsites")),
    salt(root, api),
  );
  const sources = [...new Set(options.functions.map((f) => f.source))].sort();
  const answers = new Map<string, SourceCallSites>();
  const stale: string[] = [];
  for (const source of sources) {
    const stored = cache.get(source, entryFile(root, source));
    if (stored) answers.set(source, stored);
    else stale.push(source);
  }
  if (stale.length > 0) {
    // Loaded on demand: the compiler takes ~0.5-1.5 s to load, which a fully cached run must not pay.
    const { analyse } = require("./analyse") as typeof import("./analyse");
    for (const [source, sites] of analyse(root, stale, api, cache)) {
      answers.set(source, sites);
      cache.set(source, sites);
    }
  }
  return options.functions
    .map((f) => ({ function: f.name, ...answers.get(f.source)! }))
    .sort((a, b) => (a.function < b.function ? -1 : a.function > b.function ? 1 : 0));
}

/** What an answer depends on besides its inputs: the tools' versions, the API looked for, compiler options. */
function salt(root: string, api: ClientApi): string {
  const tsconfig = path.join(root, "tsconfig.json");
  const config = fs.existsSync(tsconfig) ? fs.readFileSync(tsconfig, "utf8") : "";
  const { version } = require("typescript/package.json") as { version: string };
  return JSON.stringify([ANALYSIS_VERSION, version, esbuild.version, api, config]);
}
