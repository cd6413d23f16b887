import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

// Files the checker reads as code; other bundle inputs (JSON data, text) cannot call anything.
const CODE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/** Whether a bundle input is code the checker analyses. */
export function isCode(file: string): boolean {
  return CODE.test(file) && !file.endsWith(".d.ts");
}

/**
 * The project's compiler options (`tsconfig.json` at the root, `extends` followed, its file lists ignored),
 * so types mean what they mean in the editor; then no emit, JavaScript entries analysed too, and libraries'
 * own declarations not checked (the analysis asks for types, never for diagnostics).
 */
export function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = path.join(root, "tsconfig.json");
  let options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    // Without it the target's default lib would add the DOM's declarations (~1 MB) that Node code never uses.
    lib: ["lib.es2022.d.ts"],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    esModuleInterop: true,
  };
  if (fs.existsSync(configPath)) {
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    // readDirectory -> []: only the options are wanted, so the project tree is never walked.
    const host: ts.ParseConfigHost = { ...ts.sys, readDirectory: () => [] };
    const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, host, root, undefined, configPath);
    options = parsed.options;
  }
  return { ...options, noEmit: true, allowJs: true, checkJs: false, skipLibCheck: true, incremental: false };
}

// A package's declarations, as the checker sees them here: an empty module (see `createProgram`).
const PACKAGE_STUB = "export {};";
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
/**
 * This callgraph's own files: its sources in its repository, its compiled package (`dist/`, declarations beside the
 * JavaScript) once installed. When installed, a function's code reaches the runtime (`callgraph/runtime`) through
 * node_modules, and its declarations are read for real, not stubbed: they declare the client whose calls are found.
 */
export const CALLGRAPH_ROOT = path.resolve(__dirname, "..");
const INSTALLED = CALLGRAPH_ROOT.includes(NODE_MODULES);

/** Whether a file is read as an empty module: any package's, except this callgraph's own when installed. */
function stubbed(file: string): boolean {
  const resolved = path.resolve(file);
  if (!resolved.includes(NODE_MODULES)) return false;
  return !(INSTALLED && resolved.startsWith(CALLGRAPH_ROOT + path.sep));
}
// TypeScript's own `lib.*.d.ts` (the ES globals: strings, template literals, promises), parsed once per process.
const libraryFiles = new Map<string, ts.SourceFile>();

/**
 * One program over every file to analyse (each function's inputs), so shared files are parsed once. Imports
 * resolve to what esbuild resolved them to (`resolutions`, from the bundle's metafile), so the checker sees the
 * bundle's module graph even where TypeScript's own resolution (a `moduleResolution` setting, a missing
 * tsconfig) would differ or fail; anything else (packages) falls back to TypeScript's resolution. Packages
 * are read as empty modules and no `@types` are loaded: a package cannot name this project's functions, so its
 * types can only make a value `any` (reported dynamic) where they would have made it `string` (reported
 * dynamic too); the callee names live in project code. Loading them costs ~8 s for the three example functions
 * (523 files through google-auth-library and the functions framework), against ~0.3 s without.
 */
export function createProgram(
  root: string,
  files: Iterable<string>,
  resolutions: ReadonlyMap<string, ReadonlyMap<string, string>>,
  options: ts.CompilerOptions,
): ts.Program {
  const rootNames = [...new Set(files)].filter(isCode).map((f) => path.resolve(root, f));
  const programOptions: ts.CompilerOptions = { ...options, types: [], typeRoots: [] };
  const host = ts.createCompilerHost(programOptions);
  const libraryFolder = path.dirname(host.getDefaultLibFileName(programOptions));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (path.dirname(path.resolve(fileName)) === libraryFolder) {
      const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
      let library = libraryFiles.get(key);
      if (!library) {
        library = getSourceFile(fileName, languageVersion, onError, shouldCreate);
        if (library) libraryFiles.set(key, library);
      }
      return library;
    }
    if (stubbed(fileName)) return ts.createSourceFile(fileName, PACKAGE_STUB, languageVersion);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, compilerOptions) => {
    const targets = resolutions.get(path.relative(root, containingFile).split(path.sep).join("/"));
    return literals.map((literal) => {
      const target = targets?.get(literal.text);
      if (target !== undefined && isCode(target)) {
        const resolvedFileName = path.resolve(root, target);
        return { resolvedModule: { resolvedFileName, extension: extensionOf(resolvedFileName) } };
      }
      return ts.resolveModuleName(literal.text, containingFile, compilerOptions, host, undefined, redirected);
    });
  };
  return ts.createProgram({ rootNames, options: programOptions, host });
}

function extensionOf(file: string): ts.Extension {
  const extension = [ts.Extension.Dts, ...Object.values(ts.Extension)].find((e) => file.endsWith(e));
  return extension ?? ts.Extension.Ts;
}
