import { CallGraph } from "callgraph";

// The call graph declared in this stack's config (callgraph:functions): one service account per function, and
// invoker grants only along the declared calls. Anything else this program deploys goes beside it.
const graph = new CallGraph("team", {});

export const urls = graph.urls;
export const serviceAccounts = graph.serviceAccounts;
