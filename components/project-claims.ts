import * as pulumi from "@pulumi/pulumi";

/**
 * The `CallGraph` that claimed each project, per program run. Keyed by the run's resource monitor: the engine runs
 * the CLI's evaluations one after another in one process (`diff` evaluates two revisions), each with its own
 * monitor, and `pulumi up` runs a program once with one.
 */
const claims = new WeakMap<object, Map<string, string>>();

/**
 * Claims `project` for the `CallGraph` named `name`, or refuses it when another `CallGraph` of this program already
 * deploys there: both would create the project's build account and image repository under the same ids, which
 * `check` cannot see and the second `pulumi up` creation would fail on ("already exists"). Called before the
 * component registers, so the refused one registers nothing.
 */
export function claimProject(
  project: string,
  name: string,
  ids: { account: string; repository: string },
): void {
  const monitor = pulumi.runtime.getMonitor();
  if (!monitor) return; // no program run: nothing to register, nothing to collide with
  let byProject = claims.get(monitor);
  if (!byProject) claims.set(monitor, (byProject = new Map()));
  const first = byProject.get(project);
  if (first !== undefined)
    throw new pulumi.RunError(
      `CallGraph "${name}": project ${project} already has CallGraph "${first}" in this program, and one project holds one: ` +
        `both would create the build account ${ids.account} and the image repository ${ids.repository}. ` +
        `Declare every function of ${project} in one CallGraph, or give this one another project`,
    );
  byProject.set(project, name);
}
