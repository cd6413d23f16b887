import * as path from "node:path";
import * as ts from "typescript";
import { ClientApiError, type ClientApi } from "./client-api";
import { CALLGRAPH_ROOT } from "./program";

/** The declarations of `ClientApi` found in one program; absent when no analysed file imports that module. */
export interface ClientDeclarations {
  /** `DownstreamClient.call`: its first argument is a callee name. */
  readonly callMethod?: ts.Declaration;
  /** `DownstreamClientOptions.callees`: handing the URL map to a client, whose calls are tracked. */
  readonly optionsCallees?: ts.Declaration;
  /** `FunctionEnv.callees`: reading a URL from it reaches a callee without the client. */
  readonly envCallees?: ts.Declaration;
}

/** Finds the declarations `api` names in `program`; a module the program did not load yields nothing. */
export function findClientDeclarations(
  program: ts.Program,
  root: string,
  api: ClientApi,
): ClientDeclarations {
  const client = loaded(program, root, api.clientModule);
  const env = loaded(program, root, api.envModule);
  return {
    callMethod: client && member(client, api.clientModule, api.clientClass, api.callMethod),
    optionsCallees: client && member(client, api.clientModule, api.clientOptions, api.calleesProperty),
    envCallees: env && member(env, api.envModule, api.envInterface, api.calleesProperty),
  };
}

function member(file: ts.SourceFile, fileName: string, container: string, name: string): ts.Declaration {
  for (const statement of file.statements) {
    if (
      (ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement)) &&
      statement.name?.text === container
    ) {
      const found = (statement.members as ts.NodeArray<ts.ClassElement | ts.TypeElement>).find(
        (m) => m.name !== undefined && ts.isIdentifier(m.name) && m.name.text === name,
      );
      if (found) return found;
    }
  }
  throw new ClientApiError(
    `${fileName} declares no ${container}.${name}, which call-site extraction looks for. ` +
      `Restore it, or pass a ClientApi naming the library's new declarations.`,
  );
}

/**
 * The file of `module` (a path such as `functions/shared/downstream-client.ts`) the program loaded: under the project
 * (callgraph's own repository, or a project that vendors the runtime), else this callgraph's own copy, its source or,
 * installed as a package, its declarations (`dist/functions/shared/downstream-client.d.ts`), which a function's
 * `import ... from "callgraph/runtime"` reaches. Found by symbol either way: a file merely named alike elsewhere in
 * node_modules is never taken for it.
 */
function loaded(program: ts.Program, root: string, module: string): ts.SourceFile | undefined {
  const declarations = module.replace(/\.ts$/, ".d.ts");
  for (const candidate of [
    path.resolve(root, module),
    path.resolve(CALLGRAPH_ROOT, module),
    path.resolve(CALLGRAPH_ROOT, declarations),
  ]) {
    const file = program.getSourceFile(candidate);
    if (file) return file;
  }
  return undefined;
}
