import * as pulumi from "@pulumi/pulumi";

/**
 * The first Pulumi CLI whose engine honours the `replaceWith` resource option, which re-creates a function's
 * invoker grant whenever the function is replaced (terraform-provider-google #18308): 3.207.0, released
 * 2025-11-12 with "[engine] Add `ReplaceWith` resource option" (pulumi/pulumi#20693; release PR
 * pulumi/pulumi#20919).
 */
export const MIN_PULUMI_CLI_VERSION = "3.207.0";

/** How the SDK asks the engine for a version: `pulumi.runtime.requirePulumiVersion`, injectable for tests. */
export type RequirePulumiVersion = (range: string) => Promise<void>;

/**
 * Fails, before anything is registered, when the Pulumi CLI running the program is older than
 * {@link MIN_PULUMI_CLI_VERSION}. The SDK would otherwise find out only at the first registration that uses
 * `replaceWith`, after other resources were registered, and say "Please update the Pulumi CLI" without a
 * version. The engine answers `requirePulumiVersion`; under mocks there is no engine and the check passes.
 */
export async function requireCliVersion(
  requireVersion: RequirePulumiVersion = pulumi.runtime.requirePulumiVersion,
): Promise<void> {
  try {
    await requireVersion(`>=${MIN_PULUMI_CLI_VERSION}`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `callgraph needs Pulumi CLI ${MIN_PULUMI_CLI_VERSION} or newer (the first that honours the replaceWith ` +
        `resource option, which re-grants invokers when a function is replaced): ${why}. Update the CLI ` +
        `(https://www.pulumi.com/docs/install/) and run again.`,
    );
  }
}
