import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  DECLARATION_CONFIG_KEYS,
  deploymentTargetIssues,
  formatPath,
  checkStackDeclaration,
  keysOfDeclarationInCode,
  principalWarnings,
  runtimeWarnings,
  sourceFolderChecks,
  TopologyError,
  unknownStackKeys,
  type Topology,
  type TopologyIssue,
} from "../topology";
import { buildEveryArchive } from "./archives";
import { workflowDocuments } from "./workflow-documents";
import { checkCallSites, type RecordedCallSites } from "./call-sites";
import type { FunctionArchive } from "./function-archive";

/**
 * The declaration as stack config holds it (`callgraph:functions`, `callgraph:generation`, `callgraph:runtime`,
 * `callgraph:principals`), for a program that writes it in code instead: the same keys, validated the same way.
 */
export interface CallGraphDeclaration {
  /** Function name -> its declaration (`calls`, `invokers`, `source`, ...), as under `callgraph:functions`. */
  readonly functions: Readonly<Record<string, unknown>>;
  /** 1 or 2: every function's generation unless it says otherwise. */
  readonly generation?: 1 | 2;
  /** A Node.js runtime id, e.g. `nodejs22`. */
  readonly runtime?: string;
  /** Principal name -> IAM members, as under `callgraph:principals`. */
  readonly principals?: Readonly<Record<string, readonly string[]>>;
  /**
   * Callers that are not functions (Scheduler jobs, Pub/Sub push subscriptions, Cloud Tasks queues, Workflows,
   * Eventarc triggers): name -> its source and `calls`, as under `callgraph:callers`.
   */
  readonly callers?: Readonly<Record<string, unknown>>;
}

/** What `CallGraph` takes; everything but what the program must decide has a default read from stack config. */
export interface CallGraphInputs {
  /** The validated call graph (`parseTopology`), when the program parsed it itself. */
  readonly topology?: Topology;
  /** The declaration in code; when neither it nor `topology` is given, it is read from this stack's config. */
  readonly declaration?: CallGraphDeclaration;
  /** GCP project to deploy into; defaults to `gcp:project`. */
  readonly project?: string;
  /** Region of every function and of the source bucket; defaults to `gcp:region`. */
  readonly region?: string;
  /** The project's number; defaults to `callgraph:projectNumber`. */
  readonly projectNumber?: string;
  /**
   * The folder function sources are relative to (`functions/<name>` by default); defaults to the Pulumi project's
   * root, the folder `pulumi up` runs the program in.
   */
  readonly root?: string;
  /** Every function's archive, from `buildArchives`; built from `root` when not given. */
  readonly archives?: Readonly<Record<string, FunctionArchive>>;
  /** What each function's code calls, from `checkCallSites`; checked from `root` when not given. */
  readonly callSites?: Readonly<Record<string, RecordedCallSites>>;
}

/** The inputs with every default filled in: what the component registers from. */
export interface ResolvedInputs {
  readonly topology: Topology;
  readonly project: string;
  readonly region: string;
  readonly projectNumber: string;
  readonly archives: Readonly<Record<string, FunctionArchive>>;
  readonly callSites?: Readonly<Record<string, RecordedCallSites>>;
  /** Each workflow caller's definition, as read from its file, by caller name. */
  readonly workflowSources?: Readonly<Record<string, string>>;
}

/**
 * Fills in what the args leave out, before anything is registered: the declaration from stack config (every
 * problem at once, as a `TopologyError`), the project, region and number, each function's archive (built and
 * checked) and its call sites (an undeclared call stops the program here, naming file and line). Warnings (a
 * deprecated runtime, an unused edge) are logged. Throws on anything missing, naming the config key to set.
 */
export function resolveInputs(args: CallGraphInputs): ResolvedInputs {
  const root = args.root ?? projectRoot();
  const gcpConfig = new pulumi.Config("gcp");
  const config = new pulumi.Config("callgraph");
  const today = new Date();
  // Every problem at once: the declaration's, then where it deploys and the stack's own keys.
  const stackKeys = unknownStackKeys(Object.keys(pulumi.runtime.allConfig()));
  for (const warning of stackKeys.warnings) void pulumi.log.warn(`${warning.path}: ${warning.message}`);
  const project = args.project ?? gcpConfig.get("project");
  const region = args.region ?? gcpConfig.get("region");
  const projectNumber = args.projectNumber ?? config.get("projectNumber");
  const declared = args.topology
    ? { topology: args.topology, issues: [], declaredIn: undefined, names: undefined }
    : declaredTopology(args.declaration, config, root, today, project);
  const { topology, declaredIn } = declared;
  const issues: TopologyIssue[] = [...declared.issues];
  issues.push(...deploymentTargetIssues({ project, region, projectNumber }), ...stackKeys.issues);
  // The code of every function whose own declaration is well formed, checked even while the rest is refused: its
  // bundle (the entry point it exports) and its calls, so their problems come with the declaration's.
  const archived = args.archives
    ? { archives: args.archives, issues: [] }
    : buildEveryArchive(checkable(topology, issues), root);
  issues.push(...archived.issues);
  let callSites = args.callSites;
  if (!callSites) {
    // Each function whose bundle built: the one reading of its code (the archives' inputs) the calls are found in.
    const built = topology.functions.filter((f) => archived.archives[f.name]);
    try {
      const checked = checkCallSites({ ...topology, functions: built }, root, undefined, declared.names);
      if (issues.length === 0) for (const warning of checked.warnings) void pulumi.log.warn(warning);
      callSites = checked.byFunction;
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new TopologyError(issues, declaredIn);
  if (!args.topology)
    for (const warning of [...runtimeWarnings(topology, today), ...principalWarnings(topology)])
      void pulumi.log.warn(`${warning.path}: ${warning.message}`);
  // Checked above: each is set and well formed.
  return resolveWithTarget(args, topology, root, archived.archives, callSites!, {
    project: project!,
    region: region!,
    projectNumber: projectNumber!,
  });
}

/**
 * The functions of `topology` whose code can be bundled and checked: all of them, but those with a problem at what
 * the bundle is made from (a source folder missing or outside the project, a runtime no target exists for) or
 * checked against (an entry point that is no export name): each of those is reported once, already.
 */
function checkable(topology: Topology, issues: readonly TopologyIssue[]): Topology {
  const paths = new Set(issues.map((i) => i.path));
  const bundles = (name: string) =>
    ["source", "runtime", "entryPoint"].every((key) => !paths.has(formatPath(["functions", name, key])));
  return { ...topology, functions: topology.functions.filter((f) => bundles(f.name)) };
}

/** The rest of {@link resolveInputs}, once the declaration, its code and where it deploys are valid. */
function resolveWithTarget(
  args: CallGraphInputs,
  topology: Topology,
  root: string,
  archives: Readonly<Record<string, FunctionArchive>>,
  callSites: Readonly<Record<string, RecordedCallSites>>,
  target: { project: string; region: string; projectNumber: string },
): ResolvedInputs {
  const { project, region, projectNumber } = target;
  const workflowSources = Object.fromEntries(
    (topology.callers ?? []).flatMap((c) =>
      c.kind === "workflow" ? [[c.name, readWorkflowSource(root, c.source, c.name)]] : [],
    ),
  );
  return { topology, project, region, projectNumber, archives, callSites, workflowSources };
}

/** A workflow's definition, read once more as the text it is deployed with (parse.ts checked what it calls). */
function readWorkflowSource(root: string, source: string, caller: string): string {
  try {
    return fs.readFileSync(path.resolve(root, source), "utf8");
  } catch (error) {
    throw new TopologyError([
      {
        path: `callers.${caller}.workflow.source`,
        message: `${JSON.stringify(source)} cannot be read: ${(error as Error).message}`,
      },
    ]);
  }
}

/**
 * The declaration, read from the code or the stack's config and checked (never thrown): its problems, where it was
 * read for the error's first line, the topology of what is well formed, and every function name it declares.
 */
function declaredTopology(
  declaration: CallGraphDeclaration | undefined,
  config: pulumi.Config,
  root: string,
  today: Date,
  project: string | undefined,
): { topology: Topology; issues: TopologyIssue[]; declaredIn: string | undefined; names: string[] } {
  const { keys, issues, warnings } = declaration
    ? keysOfDeclarationInCode(declaration, stackKeys(config))
    : { keys: stackKeys(config), issues: [], warnings: [] };
  for (const warning of warnings) void pulumi.log.warn(`${warning.path}: ${warning.message}`);
  // Sources resolve against the project root and must stay inside it (a symlink out is refused like `..`).
  const checked = checkStackDeclaration(keys, {
    today,
    ...(project ? { project } : {}),
    ...sourceFolderChecks(root, fs),
    workflowDocument: workflowDocuments(root),
  });
  const functions = keys[DECLARATION_CONFIG_KEYS.functions];
  const names =
    functions !== null && typeof functions === "object" && !Array.isArray(functions)
      ? Object.keys(functions)
      : [];
  // Every problem at once: the stack's own ones with the declaration's, said to be where they are.
  return {
    topology: checked.topology,
    issues: [...issues, ...checked.issues],
    declaredIn: declaration ? IN_CODE : undefined,
    names,
  };
}

/** Where a declaration in code is read, for the first line of its error (its paths are the declaration's own). */
const IN_CODE = "in the program's code (CallGraph's declaration, over the stack's config)";

/** The declaration's keys as this stack's config holds them. */
function stackKeys(config: pulumi.Config): Record<string, unknown> {
  return {
    [DECLARATION_CONFIG_KEYS.functions]: configValue(config, "functions"),
    [DECLARATION_CONFIG_KEYS.generation]: configValue(config, "generation"),
    [DECLARATION_CONFIG_KEYS.runtime]: configValue(config, "runtime"),
    [DECLARATION_CONFIG_KEYS.principals]: configValue(config, "principals"),
    [DECLARATION_CONFIG_KEYS.callers]: configValue(config, "callers"),
  };
}

/**
 * A key's value as the stack file wrote it. Pulumi hands a program every value as a string, a map, list, number or
 * boolean as its JSON (the SDK's `getObject` parses it back); a plain string is itself. Read so rather than with
 * `getObject`, which throws at the first value that is not JSON (`callgraph:generation: one`) before the parser could
 * name it with every other problem, and with `get` for a runtime, which would take a list for its JSON text.
 */
function configValue(config: pulumi.Config, key: string): unknown {
  const text = config.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The Pulumi project's root: what the Pulumi CLI passes the program (`--root-directory`), else the working
 * directory, which `pulumi up` (and callgraph's engine) set to the project's folder.
 */
function projectRoot(): string {
  const given = pulumi.runtime.getRootDirectory();
  return path.isAbsolute(given) && fs.existsSync(given) ? given : process.cwd();
}
