import * as fs from "node:fs";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { buildArchives, CallGraph, checkCallSites, requireCliVersion } from "./components";
import {
  DECLARATION_CONFIG_KEYS,
  parseStackDeclaration,
  principalWarnings,
  runtimeWarnings,
  sourceFolderChecks,
} from "./topology";

/**
 * The program: read the stack config, validate the declared graph, deploy it. Exported as a function (which
 * Pulumi runs, taking its result as the stack outputs) so that the engine can evaluate it again and again in
 * one process, under any config, without reloading modules.
 */
export = async () => {
  // Everything is validated before the first resource is registered: a bad graph deploys nothing.
  await requireCliVersion();
  const gcpConfig = new pulumi.Config("gcp");
  const project = gcpConfig.require("project");
  const region = gcpConfig.require("region");
  const config = new pulumi.Config("callgraph");
  // One day for every runtime check of this run: what is decommissioned, what only deprecated.
  const today = new Date();
  const topology = parseStackDeclaration(
    {
      [DECLARATION_CONFIG_KEYS.functions]: config.getObject<unknown>("functions"),
      [DECLARATION_CONFIG_KEYS.generation]: config.getObject<unknown>("generation"),
      [DECLARATION_CONFIG_KEYS.runtime]: config.get("runtime"),
      [DECLARATION_CONFIG_KEYS.principals]: config.getObject<unknown>("principals"),
    },
    // Source folders are resolved against this folder, the project root, as the archives are built below: each
    // must exist and be inside the project, a symlink out of it refused like an absolute path (the model does no
    // I/O: the disk is handed to it, so all problems are still reported together, before anything is registered).
    { today, ...sourceFolderChecks(__dirname, fs) },
  );
  for (const warning of [...runtimeWarnings(topology, today), ...principalWarnings(topology)])
    pulumi.log.warn(`${warning.path}: ${warning.message}`);
  // Every archive is built, and every entry point checked, before anything is registered.
  const archives = buildArchives(topology, __dirname);
  // Every call in the code must be declared (invariant 10): an undeclared one stops the program here, with the
  // file and line; an unused edge or a call the checker cannot name is a warning.
  const callSites = checkCallSites(topology, __dirname);
  for (const warning of callSites.warnings) pulumi.log.warn(warning);
  // 2nd-gen URLs and the buckets builds read from carry the project number: from config, or looked up (a read,
  // known at preview time too).
  const projectNumber =
    config.get("projectNumber", { pattern: /^[0-9]+$/ }) ??
    (await gcp.organizations.getProject({ projectId: project })).number;
  if (!projectNumber)
    throw new Error(`could not read the number of project ${project}: set callgraph:projectNumber`);

  const graph = new CallGraph("callgraph", {
    topology,
    project,
    region,
    projectNumber,
    archives,
    callSites: callSites.byFunction,
  });

  return {
    /** Every function's URL and runtime service account. */
    functions: pulumi
      .all([graph.urls, graph.serviceAccounts])
      .apply(([urls, accounts]) =>
        Object.fromEntries(
          Object.keys(urls).map((name) => [name, { url: urls[name], serviceAccount: accounts[name] }]),
        ),
      ),
    /** The account every function is built by. */
    buildServiceAccount: graph.buildServiceAccount.email,
    /** The declared call graph: who may invoke whom, and who else may invoke each function. */
    callGraph: {
      edges: graph.edges,
      invokers: Object.fromEntries(topology.functions.map((f) => [f.name, f.invokers])),
    },
  };
};
