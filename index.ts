import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CallGraph } from "./components";
import { parseTopology } from "./topology";

// Everything is validated before the first resource is registered: a bad graph deploys nothing.
const gcpConfig = new pulumi.Config("gcp");
const project = gcpConfig.require("project");
const region = gcpConfig.require("region");
const topology = parseTopology(new pulumi.Config("callgraph").getObject<unknown>("functions"), {
  sourceExists: (folder) => fs.statSync(path.resolve(__dirname, folder), { throwIfNoEntry: false })?.isDirectory() ?? false,
});

const graph = new CallGraph("callgraph", { topology, project, region, projectRoot: __dirname });

/** Every function's URL and runtime service account. */
export const functions = pulumi
  .all([graph.urls, graph.serviceAccounts])
  .apply(([urls, accounts]) =>
    Object.fromEntries(Object.keys(urls).map((name) => [name, { url: urls[name], serviceAccount: accounts[name] }])),
  );

/** The declared call graph: who may invoke whom, and who else may invoke each function. */
export const callGraph = {
  edges: graph.edges,
  invokers: Object.fromEntries(topology.functions.map((f) => [f.name, f.invokers])),
};
