import { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCheck, type CheckResult } from "../../cli/commands/check";
import { registerCheck } from "../../cli/options/check";
import { CheckFailed, UsageError } from "../../cli/errors";
import { RULES } from "../../policy/rules";
import {
  FIXTURE_STACK_YAML,
  ROGUES,
  writeCleanProgram,
  writeRogueProgram,
  type RogueProgram,
} from "./rogue-program";

/** Runs `callgraph check ARGS` through commander, as the CLI does, capturing stdout. */
async function callgraph(...args: string[]): Promise<{ stdout: string; error?: unknown }> {
  const program = new Command("callgraph").exitOverride();
  registerCheck(program);
  let stdout = "";
  const write = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  try {
    await program.parseAsync(args, { from: "user" });
    return { stdout };
  } catch (error) {
    return { stdout, error };
  } finally {
    write.mockRestore();
  }
}

describe("callgraph check", () => {
  let rogue: RogueProgram;
  let clean: RogueProgram;
  beforeAll(() => {
    rogue = writeRogueProgram({
      // A stack whose config turns every policy off but the keys one: exactly one mandatory violation.
      keys: `${FIXTURE_STACK_YAML}  callgraph:policy:\n    all: disabled\n    no-service-account-keys: mandatory\n`,
    });
    clean = writeCleanProgram();
  });
  afterAll(() => {
    rogue.remove();
    clean.remove();
  });

  test("says clearly that the default stack is clean, and succeeds", async () => {
    const { stdout, error } = await callgraph("check", "--dir", clean.dir);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(
      new RegExp(
        `^callgraph check: stack dev \\(update\\), \\d+ resources, ${RULES.length} policies; policy config: defaults \\(each policy at its default level\\)\n`,
      ),
    );
    expect(stdout).toMatch(
      new RegExp(
        `No policy violations: the \\d+ resources of stack dev pass all ${RULES.length} policies\\.\n$`,
      ),
    );
  });

  test("prints each violation (policy, resource, why, how to fix) and fails on the mandatory ones", async () => {
    const { stdout, error } = await callgraph("check", "--dir", rogue.dir);
    expect(error).toBeInstanceOf(CheckFailed);
    expect((error as Error).message).toMatch(/^check: 10 mandatory policy violations in stack dev\. /);
    for (const { policy } of Object.values(ROGUES)) expect(stdout).toContain(`FAIL ${policy} [mandatory]\n`);
    expect(stdout).toContain(
      'FAIL no-service-account-keys [mandatory]\n  resource: gcp.serviceaccount.Key "alpha-key"\n  urn:      urn:pulumi:dev::callgraph::gcp:serviceaccount/key:Key::alpha-key\n' +
        '  why:      gcp.serviceaccount.Key "alpha-key" creates a long-lived private key for fn-alpha@callgraph-dev.iam.gserviceaccount.com',
    );
    expect(stdout).toMatch(/\n  fix:      remove the key; code on Google Cloud gets short-lived tokens/);
    expect(stdout).toMatch(/13 violations: 10 mandatory, 3 advisory\.\n$/);
  });

  test("--preview lists what cannot be decided before deployment, without failing on it", async () => {
    const { stdout } = await callgraph("check", "--dir", rogue.dir, "--preview");
    expect(stdout).toContain("(preview)");
    expect(stdout).toContain(
      "Not decided (a value unknown in preview, decided at `pulumi up`; or a function whose call sites were not recorded):\n" +
        '  storage-bucket-no-public-access: gcp.storage.BucketIAMMember "reporting-reader": whether it grants to a public member is not known until deployment (unknown: member)\n',
    );
  });

  test("--format json prints the whole result", async () => {
    const { stdout, error } = await callgraph("check", "--dir", rogue.dir, "--format", "json");
    expect(error).toBeInstanceOf(CheckFailed);
    const result = JSON.parse(stdout) as CheckResult;
    expect(result).toMatchObject({ stack: "dev", preview: false, passed: false, undecided: [] });
    expect(result.violations).toHaveLength(13);
    expect(result.violations[0]).toEqual({
      policy: expect.any(String),
      urn: expect.stringMatching(/^urn:pulumi:dev::callgraph::/),
      message: expect.stringContaining("\nTo fix: "),
      why: expect.any(String),
      fix: expect.any(String),
      enforcementLevel: "mandatory",
      resourceType: expect.stringMatching(/^gcp:/),
      resourceName: expect.any(String),
    });
  });

  test("reads the policy config from the stack's callgraph:policy", async () => {
    const { stdout, error } = await callgraph("check", "--dir", rogue.dir, "--stack", "keys");
    expect((error as Error).message).toMatch(/^check: 1 mandatory policy violation in stack keys\. /);
    expect(stdout).toContain(
      "policy config: Pulumi.keys.yaml callgraph:policy; disabled: function-explicit-service-account,",
    );
    expect(stdout).toMatch(/1 violation: 1 mandatory, 0 advisory\.\n$/);
  });

  test("--policy-config FILE (the --policy-pack-config format) can make violations advisory: reported, not failing", async () => {
    const file = path.join(rogue.dir, "advisory.json");
    fs.writeFileSync(file, JSON.stringify({ all: "advisory" }));
    const result = await runCheck({ dir: rogue.dir, policyConfig: file }, () => undefined);
    expect(result.passed).toBe(true);
    expect(result.violations.map((v) => v.enforcementLevel)).toEqual(Array(13).fill("advisory"));
  });

  test.each([
    [["--format", "yaml"], '--format must be one of text, json, sarif, not "yaml"'],
    [["--policy-config", "missing.json"], "--policy-config missing.json: ENOENT: no such file or directory"],
  ])("rejects %j with a usage error", async (args, message) => {
    const { error } = await callgraph("check", "--dir", clean.dir, ...args);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
  });

  test("a policy config with a typo is a usage error naming the file and the setting", async () => {
    const file = path.join(rogue.dir, "typo.json");
    fs.writeFileSync(file, JSON.stringify({ "function-no-public-invoker": { forbidPublc: true } }));
    const failure = runCheck({ dir: clean.dir, policyConfig: file }, () => undefined);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow(
      `${file}: policy "function-no-public-invoker" has no setting "forbidPublc" (its settings: forbidPublic, allowedPublicFunctions, scope)`,
    );
  });
});
