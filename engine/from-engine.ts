import { Unknown, type StackResource } from "../iam";
import { UNKNOWN, type RegisteredResource } from "./types";

/**
 * The engine's adapter to the IAM model: the resources the program registered, as the effective graph and the
 * policy rules read them. Both read a custom resource's inputs, which the engine records as sent (unknown values as
 * its `<computed>` marker); CrossGuard's resource policies read the same inputs. A component's are its registered
 * outputs (where ServiceFunction records its call sites), as a stack policy sees a component: its inputs are only
 * what the program passed its constructor, and the engine keeps no other state for it. It lives here, with its
 * callers (the engine, `callgraph check`, the tests), so the policy pack never imports the engine.
 */
export function fromEngine(resources: readonly RegisteredResource[]): StackResource[] {
  return resources.map((r) => ({
    type: r.type,
    urn: r.urn,
    name: r.name,
    parent: r.parent,
    props: markUnknowns(r.custom ? r.inputs : r.outputs, "") as StackResource["props"],
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
