import * as fs from "node:fs";
import * as path from "node:path";
import { MIN_PULUMI_CLI_VERSION, requireCliVersion } from "../../components";

// replaceWith reached the engine in Pulumi 3.207.0 (pulumi/pulumi#20693, released with #20919 on 2025-11-12).
describe("the program refuses a Pulumi CLI older than the first that honours replaceWith", () => {
  test("the minimum is 3.207.0", () => {
    expect(MIN_PULUMI_CLI_VERSION).toBe("3.207.0");
  });

  test("it asks the engine for exactly that range, and passes when the engine agrees", async () => {
    const asked: string[] = [];
    await requireCliVersion(async (range) => {
      asked.push(range);
    });
    expect(asked).toEqual([">=3.207.0"]);
  });

  test("an older engine's refusal becomes a message naming the minimum version and the fix", async () => {
    // The engine's own words, passed on: the range it could not satisfy.
    const refuse = () =>
      Promise.reject(new Error('Pulumi CLI version 3.190.0 does not satisfy the version range ">=3.207.0"'));
    await expect(requireCliVersion(refuse)).rejects.toThrow(
      'callgraph needs Pulumi CLI 3.207.0 or newer (the first that honours the replaceWith resource option, which re-grants invokers when a function is replaced): Pulumi CLI version 3.190.0 does not satisfy the version range ">=3.207.0". Update the CLI (https://www.pulumi.com/docs/install/) and run again.',
    );
  });

  test("the SDK the program runs with asks the engine for its version, and whether it supports replaceWith", () => {
    // Pinned so that an SDK upgrade that drops either question is noticed: the check above relies on the first,
    // and the SDK's own refusal at registration on the second.
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const settings = fs.readFileSync(path.join(sdk, "runtime", "settings.js"), "utf8");
    expect(settings).toContain("engineRef.requirePulumiVersion(req");
    expect(settings).toMatch(/"replaceWith",\s*"aliasSpecs"/);
    const resource = fs.readFileSync(path.join(sdk, "runtime", "resource.js"), "utf8");
    expect(resource).toContain("The Pulumi CLI does not support the ReplaceWith option");
  });
});
