// Run by tests/engine/deferred-modules.test.ts in a process of its own (jest's module registry bypasses Node's
// loader): an evaluation, what it loaded, then a closure serialized, which needs the deferred modules.
import * as path from "node:path";
import { evaluateFixture, REPO_ROOT } from "../../fixtures";

const loaded = (suffix: string) => Object.keys(require.cache).some((file) => file.endsWith(suffix));
const TYPESCRIPT = path.join("node_modules", "typescript", "lib", "typescript.js");
const ARBORIST = path.join("node_modules", "@npmcli", "arborist", "lib", "index.js");

async function main(): Promise<void> {
  const evaluation = await evaluateFixture();
  const afterEvaluation = { typescript: loaded(TYPESCRIPT), arborist: loaded(ARBORIST) };
  const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [REPO_ROOT] })) as {
    runtime: { serializeFunction(f: () => unknown): Promise<{ text: string }> };
  };
  const serialized = await pulumi.runtime.serializeFunction(() => 6 * 7);
  process.stdout.write(
    JSON.stringify({
      resources: evaluation.resources.length,
      afterEvaluation,
      serialized: /exports\.handler = [\s\S]*6\s*\*\s*7/.test(serialized.text),
      afterSerializing: { typescript: loaded(TYPESCRIPT) },
    }),
  );
}

void main();
