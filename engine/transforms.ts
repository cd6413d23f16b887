/**
 * Pulumi transforms (`opts.transforms`, `pulumi.runtime.registerResourceTransform`) under the mocks. The SDK hands
 * each transform to the engine as a callback, and the engine runs them on every registration: the resource's own
 * first, then its parent's, its grandparent's, up to the stack's (pulumi/pulumi `pkg/resource/deploy/source_eval.go`),
 * so a component's transforms reach every resource registered with it as parent. Pulumi's mocks do not run them and
 * refuse them (`supportsTransforms = false`, pulumi/pulumi#17090): a program using them failed its first registration
 * and its evaluation never ended. What `pulumi up` deploys is what the transforms return (a label, but also a member
 * added to an invoker binding), so the engine runs them as the real one does, before the registration is recorded.
 */

interface Message {
  serializeBinary(): Uint8Array;
}

/** A generated protobuf message, through the accessors its class has (`getX()`, `setX(value)`). */
type Accessors = Record<string, ((...args: never[]) => unknown) | undefined>;

interface TransformResponse {
  getProperties(): unknown;
  getOptions(): Accessors | undefined;
}

/** The SDK's callback server (runtime/callbacks.ts): registered callbacks by token. */
interface CallbackServer {
  readonly _callbacks: Map<string, (request: Uint8Array) => Promise<TransformResponse>>;
  shutdown(): void;
}

interface Store {
  supportsTransforms: boolean;
  terminated: boolean;
  callbacks?: CallbackServer;
}

interface Callback {
  getToken(): string;
}

interface Request {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  setObject(value: unknown): void;
  getTransformsList(): Callback[];
}

type Done = (err: unknown, response?: { getUrn(): string }) => void;

interface Monitor {
  registerResource(req: Request, done: Done): void;
  registerStackTransform?(req: Callback, done: (err: unknown, response?: unknown) => void): void;
}

/**
 * The options a transform sees and may change, as the accessor names of RegisterResourceRequest and of
 * TransformResourceOptions (the same message fields, spelled differently); the last says whether it is a list.
 */
const OPTIONS: readonly (readonly [string, string, boolean])[] = [
  ["Dependencies", "DependsOn", true],
  ["Protect", "Protect", false],
  ["Ignorechanges", "IgnoreChanges", true],
  ["Replaceonchanges", "ReplaceOnChanges", true],
  ["Deletebeforereplace", "DeleteBeforeReplace", false],
  ["Additionalsecretoutputs", "AdditionalSecretOutputs", true],
  ["Aliases", "Aliases", true],
  ["Provider", "Provider", false],
  ["Customtimeouts", "CustomTimeouts", false],
  ["Plugindownloadurl", "PluginDownloadUrl", false],
  ["Retainondelete", "RetainOnDelete", false],
  ["Deletedwith", "DeletedWith", false],
  ["Version", "Version", false],
  ["ReplaceWith", "ReplaceWith", true],
];

/** Copies option `from` of one message to option `to` of another, where both have it. */
function copy(source: object, from: string, target: object, to: string, list: boolean): void {
  const get = (source as Accessors)[`get${from}${list ? "List" : ""}`];
  const set = (target as Accessors)[`set${to}${list ? "List" : ""}`] as
    ((value: unknown) => unknown) | undefined;
  if (!get || !set) return;
  const value = get.call(source);
  if (value !== undefined) set.call(target, value);
}

/** What {@link runTransforms} set up: the transforms that failed, and how to undo it once the evaluation is over. */
export interface Transforms {
  /** Errors of transforms that threw: their resource was not registered, and the evaluation failed. */
  readonly failures: unknown[];
  /**
   * `promise`'s value, or undefined as soon as a transform has failed: the real engine fails the deployment there,
   * while here what depends on the resource that was not registered would wait for it forever.
   */
  unlessFailed<T>(promise: Promise<T>): Promise<T | undefined>;
  stop(): void;
}

/**
 * Makes the program's runtime accept transforms, and runs them on every registration before `monitor` sees it (the
 * recording monitor: what is recorded is what the transforms returned).
 * @param programRequire `require` from the program, whose own @pulumi/pulumi registers its resources.
 */
export function runTransforms(programRequire: NodeJS.Require, monitor: unknown): Transforms {
  let state: { getStore(): Store };
  let proto: { TransformRequest: new () => Message & Accessors; TransformResourceOptions: new () => object };
  try {
    state = programRequire("@pulumi/pulumi/runtime/state") as typeof state;
    proto = programRequire("@pulumi/pulumi/proto/resource_pb") as typeof proto;
  } catch {
    // An SDK older than transforms (a base revision `diff` evaluates with its own dependencies): nothing to run.
    return { failures: [], unlessFailed: (promise) => promise, stop() {} };
  }
  const store = state.getStore();
  store.supportsTransforms = true;
  const target = monitor as Monitor;
  const next = target.registerResource.bind(target);
  const hadStackTransforms = "registerStackTransform" in target;
  /** Each registered resource's own transforms, and its parent, by URN. */
  const own = new Map<string, string[]>();
  const parentOf = new Map<string, string>();
  const stackTransforms: string[] = [];
  const failures: unknown[] = [];
  let failed: () => void = () => undefined;
  const failure = new Promise<undefined>((resolve) => (failed = () => resolve(undefined)));

  target.registerStackTransform = (req, done) => {
    stackTransforms.push(req.getToken());
    done(null, {});
  };
  target.registerResource = (req, done) => {
    const tokens = req.getTransformsList().map((c) => c.getToken());
    const chain = [...tokens];
    for (let parent = req.getParent(); parent; parent = parentOf.get(parent) ?? "")
      chain.push(...(own.get(parent) ?? []));
    chain.push(...stackTransforms);
    transform(req, chain).then(
      () =>
        next(req, (err, response) => {
          if (response) {
            own.set(response.getUrn(), tokens);
            if (req.getParent()) parentOf.set(response.getUrn(), req.getParent());
          }
          done(err, response);
        }),
      (error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        failures.push(new Error(`${req.getType()} "${req.getName()}": ${why}`, { cause: error }));
        // As the real engine does, the deployment stops here: this registration is never answered (answering with the
        // error would reject everything that depends on it, after the evaluation has ended), and the SDK is told the
        // monitor is gone, so it reports no leaked promises at exit.
        store.terminated = true;
        failed();
      },
    );
  };

  async function transform(req: Request, tokens: readonly string[]): Promise<void> {
    for (const token of tokens) {
      const callback = store.callbacks?._callbacks.get(token);
      if (!callback)
        throw new Error(`a transform of ${req.getType()} "${req.getName()}" is not registered (${token})`);
      const request = new proto.TransformRequest();
      for (const [field, value] of [
        ["Type", req.getType()],
        ["Name", req.getName()],
        ["Custom", req.getCustom()],
        ["Parent", req.getParent()],
        ["Properties", req.getObject()],
      ] as const)
        (request[`set${field}`] as (v: unknown) => unknown).call(request, value);
      const options = new proto.TransformResourceOptions();
      for (const [from, to, list] of OPTIONS) copy(req, from, options, to, list);
      (request.setOptions as (v: unknown) => unknown).call(request, options);
      const response = await callback(request.serializeBinary());
      req.setObject(response.getProperties());
      const changed = response.getOptions();
      if (changed) for (const [to, from, list] of OPTIONS) copy(changed, from, req, to, list);
    }
  }

  return {
    failures,
    unlessFailed: (promise) => Promise.race([promise, failure]),
    stop() {
      target.registerResource = next;
      if (!hadStackTransforms) delete target.registerStackTransform;
      // The callback server keeps a gRPC server listening, which would keep the process alive.
      store.callbacks?.shutdown();
      store.callbacks = undefined;
    },
  };
}
