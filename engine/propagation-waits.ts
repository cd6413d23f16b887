import { TYPES } from "./resource-types";
import type { RegisteredResource } from "./types";

/** A wait the deployment makes for IAM or API changes to apply (a `@pulumiverse/time` Sleep). */
export interface PropagationWait {
  /** Logical name, e.g. `callgraph-build-propagation`. */
  readonly name: string;
  readonly urn: string;
  /** How long it waits when it is created (`createDuration`, e.g. `120s`); it does not wait again unless replaced. */
  readonly duration: string;
  /** Logical names of what it waits after (its dependencies), sorted. */
  readonly after: readonly string[];
  /** How many resources wait for it directly. */
  readonly waitedForBy: number;
}

/**
 * The waits among the registered resources, so that `callgraph graph` shows what a first `pulumi up` spends its
 * time on and why a later one does not.
 */
export function propagationWaits(resources: readonly RegisteredResource[]): PropagationWait[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return resources
    .filter((r) => r.type === TYPES.sleep)
    .map((r) => ({
      name: r.name,
      urn: r.urn,
      duration: typeof r.inputs.createDuration === "string" ? r.inputs.createDuration : "0s",
      after: r.dependencies.map((urn) => byUrn.get(urn)?.name ?? urn).sort(),
      waitedForBy: resources.filter((x) => x.dependencies.includes(r.urn)).length,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
