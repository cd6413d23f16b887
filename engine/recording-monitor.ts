import { toPlain } from "./plain-values";
import { UNKNOWN, type RegisteredResource } from "./types";

/** The parts of the RegisterResourceRequest/Response protobufs this records. */
interface Request {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getReplaceWithList?(): string[];
  getDeletebeforereplace(): boolean;
  getProtect?(): boolean;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
}
interface Response {
  getUrn(): string;
  getId(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback = (err: unknown, response?: Response) => void;
/** The part of the RegisterResourceOutputsRequest protobuf this records. */
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface Monitor {
  registerResource(req: Request, callback: Callback): void;
  registerResourceOutputs(req: OutputsRequest, callback: (err: unknown, response?: unknown) => void): void;
}

export interface Recorder {
  resources(): RegisteredResource[];
  readonly failures: unknown[];
  stop(): void;
}

/**
 * Wraps the mock monitor's `registerResource` to record each request whole. The mocks' public API shows a
 * resource's inputs but not its dependencies or options (pulumi/pulumi #14421), which the invariants are
 * about, so they are read here, where the SDK sends them.
 *
 * A component's outputs are what it registers itself (`registerOutputs`), recorded when they arrive, as the engine
 * stores them in state: its registration is answered with none (engine/gcp-mocks.ts says where the engine does so).
 */
export function recordRegistrations(monitor: unknown): Recorder {
  const target = monitor as Monitor;
  const original = target.registerResource.bind(target);
  const originalOutputs = target.registerResourceOutputs.bind(target);
  const recorded: RegisteredResource[] = [];
  /** By URN: where its record is in `recorded`. */
  const positions = new Map<string, number>();
  const failures: unknown[] = [];
  target.registerResource = (req, callback) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    const base = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      inputs: toPlain(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
      dependencies: [...new Set(req.getDependenciesList())],
      propertyDependencies,
      options: {
        replaceWith: req.getReplaceWithList?.() ?? [],
        deleteBeforeReplace: req.getDeletebeforereplace(),
        protect: req.getProtect?.() ?? false,
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
      },
    };
    original(req, (err, response) => {
      if (err || !response) failures.push(err ?? new Error(`registering ${base.type} ${base.name} failed`));
      else {
        positions.set(response.getUrn(), recorded.length);
        recorded.push({
          ...base,
          urn: response.getUrn(),
          id: response.getId() || UNKNOWN,
          outputs: toPlain(response.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
        });
      }
      callback(err, response);
    });
  };
  target.registerResourceOutputs = (req, callback) => {
    const position = positions.get(req.getUrn());
    // The SDK registers a component's outputs once its registration was answered (it awaits the URN): an unknown
    // URN is the mock monitor's to refuse, as it does.
    if (position !== undefined)
      recorded[position] = {
        ...recorded[position]!,
        outputs: toPlain(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>,
      };
    originalOutputs(req, callback);
  };
  return {
    resources: () => [...recorded],
    failures,
    stop: () => {
      target.registerResource = original;
      target.registerResourceOutputs = originalOutputs;
    },
  };
}
