import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { readRuntimeOptions } from "../../bench/pulumi-load";

// Where types are checked: `pulumi up` loads the program transpile-only (bench row 7), so `npm test`'s tsc step
// and editors must still check every type. These tests read the settings with the very code that uses them:
// Pulumi's own tsconfig reader and TypeScript's.

const REPO = path.resolve(__dirname, "../..");
const packageJson = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

/**
 * The SDK's reader (node_modules/@pulumi/pulumi/tsutils.js, `loadTypeScriptCompilerOptions`): the file's own
 * `compilerOptions`, `extends` not followed. cmd/run/run.js sets ts-node's `transpileOnly` to its `noCheck`
 * unless PULUMI_NODEJS_TRANSPILE_ONLY is set (pulumi/pulumi#18067).
 */
const pulumiTsutils = require("@pulumi/pulumi/tsutils") as {
  loadTypeScriptCompilerOptions(tsConfigPath: string): { noCheck?: unknown };
};

describe("what Pulumi reads", () => {
  test("the tsconfig Pulumi.yaml names has noCheck, so pulumi preview/up load the program transpile-only", () => {
    const { tsconfig } = readRuntimeOptions(REPO);
    expect(tsconfig).toBeDefined();
    expect(pulumiTsutils.loadTypeScriptCompilerOptions(path.join(REPO, tsconfig!)).noCheck).toBe(true);
  });

  test("tsconfig.json has no noCheck: tsc -p . and editors (tsserver reads it too) check every type", () => {
    expect(
      pulumiTsutils.loadTypeScriptCompilerOptions(path.join(REPO, "tsconfig.json")).noCheck,
    ).toBeUndefined();
  });
});

describe("the tsc step of npm scripts", () => {
  /**
   * The arguments of the `tsc` a script runs (`tsc -p . && prettier ...` -> `-p .`), itself or through the scripts
   * it runs by name (`run-p typecheck format:check && jest`, `npm run typecheck`).
   */
  function tscArgs(script: string): string[] {
    const found = tscCommand(script);
    if (!found) throw new Error(`package.json scripts.${script} runs no tsc: nothing checks types there`);
    return found.split(/\s+/).slice(1);
  }

  function tscCommand(script: string, seen: ReadonlySet<string> = new Set()): string | undefined {
    if (seen.has(script)) return undefined;
    for (const part of (packageJson.scripts[script] ?? "").split("&&").map((p) => p.trim())) {
      if (part.startsWith("tsc ")) return part;
      const [command, ...words] = part.split(/\s+/);
      const named =
        command === "run-p" || command === "run-s"
          ? words.filter((w) => !w.startsWith("-"))
          : command === "npm" && words[0] === "run"
            ? words.slice(1, 2)
            : [];
      for (const name of named) {
        const found = tscCommand(name, new Set([...seen, script]));
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The last program built: the next one reuses its parsed files (node's and jest's typings), seconds saved. */
  let previous: ts.Program | undefined;

  /** Diagnostics of the fixture compiled with `extendsFile`'s options plus the command line's. */
  function diagnose(fixtureDir: string, extendsFile: string, args: string[]): readonly ts.Diagnostic[] {
    const commandLine = ts.parseCommandLine(args);
    expect(commandLine.errors).toEqual([]);
    // The fixture's own config extends the repository's, with only the fixture's files and no ambient typings
    // (node's and jest's: seconds to load, and nothing here uses them); every other setting is the repository's.
    const configFile = path.join(fixtureDir, `tsconfig-${path.basename(extendsFile)}`);
    fs.writeFileSync(
      configFile,
      JSON.stringify({ extends: extendsFile, compilerOptions: { types: [] }, include: [], files: FILES_IN }),
    );
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, commandLine.options, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    });
    expect(parsed?.errors).toEqual([]);
    previous = ts.createProgram({
      rootNames: parsed!.fileNames,
      options: parsed!.options,
      oldProgram: previous,
    });
    return ts.getPreEmitDiagnostics(previous);
  }

  const FIXTURE: Record<string, string> = {
    "wrong-type.ts": 'export const answer: number = "forty-two";\n',
    "types.ts": "export interface Shape {\n  readonly name: string;\n}\n",
    // A transpile-only loader would emit a runtime re-export of a name that does not exist at run time.
    "type-reexport.ts": 'export { Shape } from "./types";\n',
  };
  const FILES_IN = Object.keys(FIXTURE);
  let fixtureDir: string;

  beforeAll(() => {
    fixtureDir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-type-check-"));
    for (const [name, text] of Object.entries(FIXTURE)) fs.writeFileSync(path.join(fixtureDir, name), text);
  });
  afterAll(() => fs.rmSync(fixtureDir, { recursive: true, force: true }));

  const codesByFile = (diagnostics: readonly ts.Diagnostic[]) =>
    diagnostics.map((d) => `${path.basename(d.file?.fileName ?? "-")} TS${d.code}`).sort();

  test.each(["test", "typecheck"])("npm run %s: a type error and a type-only re-export fail it", (script) => {
    const args = tscArgs(script);
    expect(args.slice(0, 2)).toEqual(["-p", "."]);
    expect(codesByFile(diagnose(fixtureDir, path.join(REPO, "tsconfig.json"), args.slice(2)))).toEqual([
      "type-reexport.ts TS1205", // isolatedModules: "Re-exporting a type when 'isolatedModules' is enabled..."
      "wrong-type.ts TS2322", // "Type 'string' is not assignable to type 'number'"
    ]);
  });

  test("with Pulumi's tsconfig instead, the same program passes: what these tests guard against", () => {
    const { tsconfig } = readRuntimeOptions(REPO);
    expect(diagnose(fixtureDir, path.join(REPO, tsconfig!), [])).toEqual([]);
  });
});
