import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT } from "../../cli/errors";
import { main } from "../../cli/main";
import { MAX_STACK_FILE_BYTES } from "../../engine/stack-config";
import { BILLION_LAUGHS } from "../engine/hostile-yaml";

// A stack file is input (a pull request can change it, `callgraph diff` reads it): whatever it holds, the CLI
// answers with the usage exit code and one line naming the file, never "internal error", a hang or a stack trace.
const ONE_LINE_ERROR = /^callgraph: [^\n]+?: [^\n]+\. [^\n]+$/;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-hostile-stack-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: callgraph\nruntime: nodejs\n");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(args: readonly string[]): Promise<{ code: number; lines: string[] }> {
  let stderr = "";
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    const code = await main(["node", "callgraph", ...args], {
      writeErr: (text) => (stderr += text),
      env: {},
    });
    return { code, lines: stderr.split("\n").filter(Boolean) };
  } finally {
    stdout.mockRestore();
    process.exitCode = undefined;
  }
}

test.each([
  [
    "a YAML alias bomb (billion laughs)",
    () => BILLION_LAUGHS,
    /: its aliases expand to more than 100 copies/,
  ],
  [
    "an alias without its anchor",
    () => "config:\n  callgraph:functions: *functions\n",
    /Pulumi\.dev\.yaml:2:24: alias \*functions has no anchor/,
  ],
  [
    "a stack file over 1 MiB",
    () => `config:\n  gcp:project: "${"p".repeat(MAX_STACK_FILE_BYTES)}"\n`,
    /Pulumi\.dev\.yaml: \d+ bytes, over the 1048576 bytes \(1 MiB\) a stack file may have: it is refused before parsing\./,
  ],
  [
    "aliases of one large value, under the alias count but a hundredfold the file",
    () =>
      `config:\n  callgraph:pad: &p "${"x".repeat(MAX_STACK_FILE_BYTES - 1000)}"\n  callgraph:more: [${Array(99).fill("*p").join(", ")}]\n`,
    /Pulumi\.dev\.yaml: its aliases expand it past 4 MiB of values \(a YAML alias bomb\?\)\./,
  ],
  [
    "bytes that are not UTF-8, on the line that holds them",
    () =>
      Buffer.concat([
        Buffer.from("config:\n  gcp:project: p\n  x: user:b"),
        Buffer.from([0xff, 0xfe]),
        Buffer.from("@a.dev\n"),
      ]),
    /Pulumi\.dev\.yaml:3:1: not UTF-8 text: this line holds bytes no UTF-8 character is made of\. Save the file as UTF-8$/,
  ],
])(
  "%s in the stack file is a usage error (exit 2) on one line naming the file",
  async (_label, text, names) => {
    const file = path.join(dir, "Pulumi.dev.yaml");
    fs.writeFileSync(file, text());
    for (const command of ["graph", "check"]) {
      const { code, lines } = await run([command, "--dir", dir]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(ONE_LINE_ERROR);
      expect(lines[0]).not.toContain("internal error");
      expect(lines[0]).toContain(file);
      expect(lines[0]).toMatch(names);
      expect(code).toBe(EXIT.usage);
    }
  },
);
