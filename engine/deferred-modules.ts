import Module from "node:module";
import * as path from "node:path";

const PULUMI_PACKAGE = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

/**
 * Modules @pulumi/pulumi requires when it loads that an evaluation under the mocks never uses, each keyed by the
 * request and the file of @pulumi/pulumi that makes it, so nothing else is touched (@pulumi/gcp's clouddeploy also
 * requires a `./automation`, its own):
 * - for closure serialization only (`runtime/closure/*`): TypeScript through `typescript-shim.js`, 9 MB, and
 *   @npmcli/arborist with its dependencies: about 0.7 s of every `callgraph` command's start (bench and `npm test`'s
 *   CLI processes; issue 19);
 * - the Automation API (`pulumi.automation`, which the package index loads with execa, semver and the rest): about
 *   50 ms more (213-237 ms against 172-177 ms to load @pulumi/pulumi, measured with the two above deferred).
 * Each is loaded on its first property read instead, so a program that does serialize a closure or drive a stack
 * still gets the real module.
 */
const DEFERRED: ReadonlyMap<string, (requiredFrom: string) => boolean> = new Map([
  ["../../typescript-shim", (from) => from.includes(PULUMI_PACKAGE)],
  ["@npmcli/arborist", (from) => from.includes(PULUMI_PACKAGE)],
  ["./automation", (from) => from.endsWith(`${PULUMI_PACKAGE}index.js`)],
]);

type Load = (request: string, parent: NodeJS.Module | undefined, isMain: boolean) => unknown;

let installed = false;

/**
 * Defers those modules in this process, from now on. Through `Module._load`, the hook Node's own loader and tools
 * such as require-in-the-middle use; where it is missing (another runtime) nothing changes.
 */
export function deferUnusedModules(): void {
  const loader = Module as unknown as { _load?: Load };
  if (installed || typeof loader._load !== "function") return;
  installed = true;
  const load = loader._load;
  loader._load = function (this: unknown, request, parent, isMain) {
    const from = parent?.filename;
    if (from && DEFERRED.get(request)?.(from))
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
