import { UNKNOWN, type RegisteredResource } from "../engine/types";
import { Unknown, type PolicyResource } from "./model";

/**
 * The engine's adapter: the resources the program registered, as rules see them. Rules read inputs, which the
 * engine records as sent (unknown values as its `<computed>` marker); CrossGuard's resource policies read the
 * same inputs. Only `callgraph check` and the tests load this file: the pack itself never imports the engine.
 */
export function fromEngine(resources: readonly RegisteredResource[]): PolicyResource[] {
  return resources.map((r) => ({
    type: r.type,
    urn: r.urn,
    name: r.name,
    parent: r.parent,
    props: markUnknowns(r.inputs, "") as PolicyResource["props"],
  }));
}

function markUnknowns(value: unknown, path: string): unknown {
  if (value === UNKNOWN) return new Unknown(path);
  if (Array.isArray(value)) return value.map((v, i) => markUnknowns(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, markUnknowns(v, path ? `${path}.${k}` : k)]),
  );
}
