import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  MAX_STACK_FILE_BYTES,
  MAX_YAML_ALIAS_COUNT,
  readStackConfig,
  StackConfigError,
  toProgramConfig,
} from "../../engine/stack-config";
import { BILLION_LAUGHS } from "./hostile-yaml";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-stack-config-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: callgraph\nruntime: nodejs\n");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const stackFile = () => path.join(dir, "Pulumi.dev.yaml");

/** The error reading the dev stack fails with. */
function refusal(): StackConfigError {
  let thrown: unknown;
  try {
    readStackConfig(dir, "dev");
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(StackConfigError);
  return thrown as StackConfigError;
}

test("a YAML alias bomb (billion laughs) in a stack file is a user error naming the file, refused at once", () => {
  fs.writeFileSync(stackFile(), BILLION_LAUGHS);
  const started = Date.now();
  const error = refusal();
  expect(Date.now() - started).toBeLessThan(1000);
  expect(error.message).toBe(
    `${stackFile()}: its aliases expand to more than ${MAX_YAML_ALIAS_COUNT} copies of an anchored value (a YAML alias bomb?). Write the values out, or reuse each anchor less`,
  );
});

test("a stack file that reuses an anchor as declarations do is read, aliases expanded", () => {
  const functions = Array.from({ length: 40 }, (_, i) => `    fn${i}: {invokers: *devs}`);
  fs.writeFileSync(
    stackFile(),
    [
      "config:",
      "  callgraph:principals:",
      '    developers: &devs ["group:developers@example.com"]',
      "  callgraph:functions:",
      ...functions,
      "",
    ].join("\n"),
  );
  const { config } = readStackConfig(dir, "dev");
  const declared = config["callgraph:functions"] as Record<string, { invokers: string[] }>;
  expect(Object.keys(declared)).toHaveLength(40);
  expect(declared.fn39.invokers).toEqual(["group:developers@example.com"]);
  expect(toProgramConfig(config)["callgraph:functions"]).toContain(
    '"fn0":{"invokers":["group:developers@example.com"]}',
  );
});

test("an alias without its anchor is a user error at its line, not an internal error", () => {
  fs.writeFileSync(stackFile(), "config:\n  gcp:project: p\n  callgraph:functions: *functions\n");
  const error = refusal();
  expect(error.message).toBe(
    `${stackFile()}:3:24: alias *functions has no anchor &functions before it. Define the anchor first, or write the value out`,
  );
  expect(error.position).toEqual({ line: 3, column: 24 });
});

test("a stack file over 1 MiB is refused before parsing", () => {
  // Broken YAML past the cap: the size is refused, the syntax never looked at.
  fs.writeFileSync(stackFile(), `config:\n  a: "${"x".repeat(MAX_STACK_FILE_BYTES)}\n  b: [\n`);
  const size = fs.statSync(stackFile()).size;
  expect(refusal().message).toBe(
    `${stackFile()}: ${size} bytes, over the ${MAX_STACK_FILE_BYTES} bytes (1 MiB) a stack file may have: it is refused before parsing. Keep the declaration in it, and large data elsewhere`,
  );
});

test("a stack file of exactly 1 MiB is read", () => {
  const head = "config:\n  a: ";
  fs.writeFileSync(stackFile(), `${head}${"x".repeat(MAX_STACK_FILE_BYTES - head.length - 1)}\n`);
  expect(fs.statSync(stackFile()).size).toBe(MAX_STACK_FILE_BYTES);
  const value = String(readStackConfig(dir, "dev").config["callgraph:a"]);
  expect(value.length).toBe(MAX_STACK_FILE_BYTES - head.length - 1);
});

test("a project file over 1 MiB is refused the same way", () => {
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: callgraph\n#${"x".repeat(MAX_STACK_FILE_BYTES)}\n`);
  expect(refusal().message).toMatch(/Pulumi\.yaml: \d+ bytes, over the 1048576 bytes \(1 MiB\) /);
});

test("a stack file that is a FIFO is refused, never read (it would never end)", () => {
  const made = spawnSync("mkfifo", [stackFile()]);
  if (made.status !== 0) return; // no mkfifo on this system: nothing to prove
  expect(refusal().message).toBe(`${stackFile()}: not a regular file. Point it at a YAML file, or remove it`);
});

test("a syntax error still names the file, line and column", () => {
  fs.writeFileSync(
    stackFile(),
    "config:\n  gcp:project: p\n  callgraph:functions:\n    alpha: {calls: [beta\n",
  );
  expect(refusal().message).toMatch(
    new RegExp(
      `^${stackFile().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5:1: .*\\. Fix the YAML syntax there$`,
    ),
  );
});

test("merge keys apply, as the Pulumi CLI's YAML reader applies them: a function reuses another's settings", () => {
  fs.writeFileSync(
    stackFile(),
    [
      "config:",
      "  callgraph:functions:",
      "    alpha: &base {calls: [beta], memory: 512}",
      "    beta:",
      "      <<: *base",
      "      calls: []",
      "",
    ].join("\n"),
  );
  expect(readStackConfig(dir, "dev").config["callgraph:functions"]).toEqual({
    alpha: { calls: ["beta"], memory: 512 },
    beta: { calls: [], memory: 512 },
  });
});

test("aliases are sized as they expand, not as written: a value shared a hundred times counts a hundred times", () => {
  const value = "x".repeat(50_000);
  fs.writeFileSync(
    stackFile(),
    `config:\n  a:pad: &p "${value}"\n  a:more: [${Array(99).fill("*p").join(", ")}]\n`,
  );
  expect(refusal().reason).toMatch(/^its aliases expand it past 4 MiB of values/);
  // A large file without aliases is sized as what it is: 300,000 list items of about 590 KiB.
  fs.writeFileSync(stackFile(), `config:\n  a:x: [${Array(300_000).fill("1").join(",")}]\n`);
  expect(readStackConfig(dir, "dev").config["a:x"]).toHaveLength(300_000);
  // The same aliases of a small value are fine.
  fs.writeFileSync(stackFile(), `config:\n  a:pad: &p "x"\n  a:more: [${Array(99).fill("*p").join(", ")}]\n`);
  expect(readStackConfig(dir, "dev").config["a:more"]).toHaveLength(99);
});
