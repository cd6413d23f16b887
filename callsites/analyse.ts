import * as path from "node:path";
import { bundleInputs } from "./bundle-inputs";
import type { CallSiteCache } from "./cache";
import type { ClientApi } from "./client-api";
import { findClientDeclarations } from "./client-declarations";
import { compilerOptions, createProgram, isCode } from "./program";
import type { CallSite, DynamicCallSite, SourceCallSites } from "./report";
import { scanFile, type FileSites } from "./scan-file";

/** Resolves and scans the given source folders from scratch. */
export function analyse(
  root: string,
  sources: readonly string[],
  api: ClientApi,
  cache: CallSiteCache,
): Map<string, SourceCallSites> {
  const { inputs, resolutions } = bundleInputs(root, sources);
  const program = createProgram(root, [...inputs.values()].flat(), resolutions, compilerOptions(root));
  const checker = program.getTypeChecker();
  const declarations = findClientDeclarations(program, root, api);
  const scanned = new Map<string, FileSites>();
  const sitesOf = (file: string): FileSites => {
    let sites = scanned.get(file);
    if (!sites) {
      const sourceFile = program.getSourceFile(path.resolve(root, file));
      sites = sourceFile ? scanFile(checker, sourceFile, file, declarations) : { callSites: [], dynamic: [] };
      scanned.set(file, sites);
    }
    return sites;
  };
  const result = new Map<string, SourceCallSites>();
  for (const [source, files] of inputs) {
    const code = files.filter(isCode).map(sitesOf);
    const inputsHash = cache.hash(files);
    if (inputsHash === undefined)
      throw new Error(`${source}: an input vanished while it was analysed; run again`);
    result.set(source, {
      callSites: code.flatMap((s) => s.callSites).sort(byCallSite),
      dynamic: code.flatMap((s) => s.dynamic).sort(byLocation),
      inputs: files,
      inputsHash,
    });
  }
  return result;
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byLocation(a: DynamicCallSite | CallSite, b: DynamicCallSite | CallSite): number {
  return compare(a.file, b.file) || compare(a.line, b.line) || compare(a.column, b.column);
}

function byCallSite(a: CallSite, b: CallSite): number {
  return compare(a.callee, b.callee) || byLocation(a, b);
}
