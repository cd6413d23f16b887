import Module from "node:module";
import * as path from "node:path";

/**
 * Modules @pulumi/pulumi requires when it loads, for closure serialization only (`runtime/closure/*`: TypeScript
 * through `typescript-shim.js`, 9 MB, and @npmcli/arborist with its dependencies), which an evaluation under the
 * mocks never uses: about 0.7 s of every `callgraph` command's start (bench and `npm test`'s CLI processes; issue
 * 19). Each is loaded on its first property read instead, so a program that does serialize a closure still gets
 * the real module. Keyed by the request and the requiring package, so nothing else is touched.
 */
const DEFERRED = new Set(["../../typescript-shim", "@npmcli/arborist"]);
const PULUMI_PACKAGE = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

type Load = (request: string, parent: NodeJS.Module | undefined, isMain: boolean) => unknown;

let installed = false;

/**
 * Defers those modules in this process, from now on. Through `Module._load`, the hook Node's own loader and tools
 * such as require-in-the-middle use; where it is missing (another runtime) nothing changes.
 */
export function deferClosureModules(): void {
  const loader = Module as unknown as { _load?: Load };
  if (installed || typeof loader._load !== "function") return;
  installed = true;
  const load = loader._load;
  loader._load = function (this: unknown, request, parent, isMain) {
    if (DEFERRED.has(request) && parent?.filename?.includes(PULUMI_PACKAGE))
      return loadedOnFirstUse(() => load.call(this, request, parent, isMain));
    return load.call(this, request, parent, isMain);
  };
}

/** A stand-in that loads the module on its first use and then answers as it. */
export function loadedOnFirstUse(load: () => unknown): object {
  let real: object | undefined;
  const module = () => (real ??= load() as object);
  return new Proxy(
    {},
    {
      // `__esModule` keeps TypeScript's `__importStar` from copying the (not yet loaded) properties.
      get: (_target, key) => (key === "__esModule" ? true : Reflect.get(module(), key)),
      has: (_target, key) => Reflect.has(module(), key),
      ownKeys: () => Reflect.ownKeys(module()),
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(module(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}
