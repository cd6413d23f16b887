import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT, UsageError } from "../../cli/errors";
import { main } from "../../cli/main";
import { reportError } from "../../cli/report-error";
import { BASE_CONFIG, FIXTURE_TARGET } from "../fixtures";
import { CALLGRAPH_BIN, tempProject, writeStackFile } from "../local/temp-project";

const REPO_ROOT = path.resolve(__dirname, "../..");

/** `callgraph: <what>: <why>. <how to fix>`, on one line. */
const ONE_LINE_ERROR = /^callgraph: [^\n]+?: [^\n]+\. [^\n]+$/;
const STACK_TRACE = /\n\s+at /;

/** A port nothing listens on: what a stopped local stack leaves in its local.json. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The base fixture's caller: the function the local.json of `stale` names. */
const FN = "alpha";
const ACCOUNT = `fn-${FN}@${FIXTURE_TARGET["gcp:project"]}.iam.gserviceaccount.com`;

/**
 * Program folders outside the repository, so no case depends on the root's stack files or functions: `stale`, a
 * temporary project (this repository's program) whose dev stack is the base fixture and whose local.json is that
 * of a local stack no longer running, and `broken`, a Pulumi.yaml and a dev stack file of broken YAML.
 */
async function fixtures(): Promise<{ stale: string; broken: string; noProgram: string; mainJs: string }> {
  const stale = tempProject("bad-args");
  writeStackFile(stale, "dev", BASE_CONFIG);
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-bad-args-broken-"));
  fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(broken, "Pulumi.yaml"));
  fs.writeFileSync(
    path.join(broken, "Pulumi.dev.yaml"),
    "config:\n  gcp:project: p\n  callgraph:functions:\n    alpha: {calls: [beta\n    beta: {}\n",
  );
  // A Pulumi project folder whose program is missing: the user's to fix, not a bug.
  const noProgram = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-bad-args-no-program-"));
  fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(noProgram, "Pulumi.yaml"));
  writeStackFile(noProgram, "dev", BASE_CONFIG);
  // Its program is index.ts, but package.json names index.js, as `npm init -y` writes it: Pulumi runs that.
  const mainJs = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-bad-args-main-js-"));
  fs.writeFileSync(path.join(mainJs, "Pulumi.yaml"), "name: team\nruntime: nodejs\n");
  writeStackFile(mainJs, "dev", BASE_CONFIG);
  fs.writeFileSync(path.join(mainJs, "index.ts"), "export {};\n");
  fs.writeFileSync(path.join(mainJs, "package.json"), JSON.stringify({ name: "team", main: "index.js" }));
  const port = await closedPort();
  fs.mkdirSync(path.join(stale, ".callgraph", "local"), { recursive: true });
  fs.writeFileSync(
    path.join(stale, ".callgraph", "local", "dev.json"),
    JSON.stringify({
      stack: "dev",
      // A process that runs (this one) but serves nothing on the ports below: a stack that does not answer.
      pid: process.pid,
      functions: { [FN]: { url: `http://127.0.0.1:${port}/${FN}`, serviceAccount: ACCOUNT } },
      identities: {
        [`serviceAccount:${ACCOUNT}`]: { metadataHost: `127.0.0.1:${port}` },
        "group:developers@example.com": { metadataHost: `127.0.0.1:${port}` },
      },
      jwks: `http://127.0.0.1:${port}/oauth2/v3/certs`,
    }),
  );
  return { stale, broken, noProgram, mainJs };
}

let dirs: { stale: string; broken: string; noProgram: string; mainJs: string };
beforeAll(async () => {
  dirs = await fixtures();
});
afterAll(() => {
  for (const dir of [dirs.stale, dirs.broken, dirs.noProgram, dirs.mainJs])
    fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `callgraph ARGS` in this process, as bin/callgraph.js does; stdout is swallowed. */
async function inProcess(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    const code = await main(["node", "callgraph", ...args], {
      writeErr: (text) => (stderr += text),
      env: {},
    });
    return { code, stderr };
  } finally {
    stdout.mockRestore();
    process.exitCode = undefined;
  }
}

/** Each case: arguments (`STALE`/`BROKEN`/`NOPROGRAM`/`MAINJS` stand for the fixture folders), exit code, what the line must name. */
const CASES: ReadonlyArray<readonly [string, readonly string[], number, RegExp]> = [
  [
    "no command",
    [],
    EXIT.usage,
    /^callgraph: missing command: give one of graph, diff, check, invoke, local(, [a-z-]+)*\. /,
  ],
  ["an unknown command", ["deploy"], EXIT.usage, /unknown command 'deploy'/],
  [
    "an unknown option",
    ["graph", "--fromat", "dot"],
    EXIT.usage,
    /^callgraph: graph: unknown option '--fromat' \(Did you mean --format\?\)/,
  ],
  [
    "an unknown option of invoke",
    ["invoke", FN, "--bogus"],
    EXIT.usage,
    /^callgraph: invoke: unknown option '--bogus'/,
  ],
  ["a missing argument", ["invoke"], EXIT.usage, /^callgraph: invoke: missing required argument 'function'/],
  ["a missing option value", ["invoke", FN, "--as"], EXIT.usage, /option '--as <who>' argument missing/],
  ["too many arguments", ["invoke", FN, "search"], EXIT.usage, /too many arguments/],
  [
    "a missing required option",
    ["diff"],
    EXIT.usage,
    /^callgraph: diff: required option '--base <ref>' not specified/,
  ],
  [
    "a bad graph --format",
    ["graph", "-f", "svg"],
    EXIT.usage,
    /argument 'svg' is invalid\. Allowed choices are table/,
  ],
  ["a bad diff --format", ["diff", "--base", "HEAD", "-f", "html"], EXIT.usage, /argument 'html' is invalid/],
  [
    "a bad check --format",
    ["check", "--format", "yaml"],
    EXIT.usage,
    /^callgraph: check: --format must be one of text, json, sarif, not "yaml"\. /,
  ],
  [
    "an unknown --fail-on class",
    ["diff", "--base", "HEAD", "--fail-on", "all"],
    EXIT.usage,
    /^callgraph: diff: --fail-on: unknown class "all"\. Use one or more of high, medium, low, public, /,
  ],
  [
    "--dir pointing nowhere",
    ["graph", "--dir", "/no/such/folder"],
    EXIT.usage,
    /^callgraph: graph: --dir \/no\/such\/folder: no such folder\. /,
  ],
  [
    "--dir pointing at a file",
    ["check", "--dir", path.join(REPO_ROOT, "package.json")],
    EXIT.usage,
    /: not a folder\. /,
  ],
  [
    "--dir without a Pulumi.yaml",
    ["graph", "--dir", os.tmpdir()],
    EXIT.usage,
    /has no Pulumi\.yaml\. Pass the folder of the Pulumi program$/,
  ],
  [
    "--stack naming no stack file",
    ["check", "--stack", "prod", "--dir", "STALE"],
    EXIT.usage,
    /^callgraph: check: --stack prod: .*Pulumi\.prod\.yaml does not exist \(stacks there: dev\)\. Pass --stack dev/,
  ],
  [
    "--to with a function, which is its own target (ignored before)",
    ["invoke", FN, "--to", "other", "--dir", "STALE"],
    EXIT.usage,
    /--to needs --local: callers that are not functions are delivered by the local stack only, and a function is called directly\. Add --local, or drop --to$/,
  ],
  [
    "--stack nosuch with --local (ignored before)",
    ["invoke", FN, "--local", "--stack", "nosuch", "--dir", "STALE"],
    EXIT.usage,
    /Pulumi\.nosuch\.yaml does not exist/,
  ],
  [
    "--stack that is no stack name",
    ["graph", "--stack", "prod;rm", "--dir", "STALE"],
    EXIT.usage,
    /^callgraph: graph: --stack "prod;rm": not a stack name\. /,
  ],
  [
    "a YAML syntax error in the stack file",
    ["graph", "--dir", "BROKEN"],
    EXIT.usage,
    /^callgraph: graph: .*Pulumi\.dev\.yaml:5:5: Flow sequence .*\. Fix the YAML syntax there$/,
  ],
  ["the same through check", ["check", "--dir", "BROKEN"], EXIT.usage, /Pulumi\.dev\.yaml:5:5: /],
  [
    "package.json names a main that is not there (npm init -y): that setting is named",
    ["graph", "--dir", "MAINJS"],
    EXIT.usage,
    /index\.js: no such file: package\.json main names it as the program, as Pulumi reads it\. Point package\.json main at the program, or remove it to run index\.ts$/,
  ],
  [
    "--dir at a Pulumi project without its program",
    ["graph", "--dir", "NOPROGRAM"],
    EXIT.usage,
    /index\.ts: no such file: .* has a Pulumi\.yaml but no program\. Run from the project root, or pass its folder with --dir$/,
  ],
  [
    "invoke constructor --local",
    ["invoke", "constructor", "--local", "--dir", "STALE"],
    EXIT.usage,
    /^callgraph: invoke constructor: the local stack has no function "constructor" \(functions: alpha\)\. /,
  ],
  [
    "invoke __proto__ --local",
    ["invoke", "__proto__", "--local", "--dir", "STALE"],
    EXIT.usage,
    /has no function "__proto__"/,
  ],
  [
    "invoke toString --local",
    ["invoke", "toString", "--local", "--dir", "STALE"],
    EXIT.usage,
    /has no function "toString"/,
  ],
  [
    "--as hasOwnProperty --local",
    ["invoke", FN, "--local", "--as", "hasOwnProperty", "--dir", "STALE"],
    EXIT.usage,
    /--as hasOwnProperty: not a function of this stack/,
  ],
  [
    "--as an identity the local stack lacks",
    ["invoke", FN, "--local", "--as", "user:x@example.com", "--dir", "STALE"],
    EXIT.usage,
    /has no identity user:x@example\.com/,
  ],
  [
    "a stale local.json, no --as",
    ["invoke", FN, "--local", "--dir", "STALE"],
    EXIT.usage,
    /no answer from http:\/\/127\.0\.0\.1:\d+\/alpha \(ECONNREFUSED\): the local stack is not running any more\. Start it with npm start$/,
  ],
  [
    "a stale local.json, with --as",
    ["invoke", FN, "--local", "--as", "group:developers@example.com", "--dir", "STALE"],
    EXIT.usage,
    /could not get a token for group:developers@example\.com .*\(ECONNREFUSED\): the local stack is not running any more/,
  ],
  [
    "no local.json",
    ["invoke", FN, "--local", "--dir", "BROKEN"],
    EXIT.usage,
    /no local stack serves stack dev in .* \(\.callgraph\/local\/dev\.json does not exist\)\. Start it with npm start$/,
  ],
  [
    "-X an invalid method",
    ["invoke", FN, "-X", "TRACE", "--local", "--dir", "STALE"],
    EXIT.usage,
    /-X "TRACE" is not an HTTP method a function serves\. Use one of GET, HEAD/,
  ],
  [
    "-X GET with --data",
    ["invoke", FN, "-X", "get", "--data", "{}", "--local", "--dir", "STALE"],
    EXIT.usage,
    /a GET request has no body, so --data cannot be sent\. /,
  ],
  [
    "-X HEAD with --data",
    ["invoke", FN, "-X", "HEAD", "-d", "{}", "--local", "--dir", "STALE"],
    EXIT.usage,
    /a HEAD request has no body/,
  ],
  [
    "--data that is not JSON",
    ["invoke", FN, "--data", "{user: a}", "--local", "--dir", "STALE"],
    EXIT.usage,
    /--data is not JSON \(.*\)\. Quote it for the shell/,
  ],
  [
    "--path not starting with / or ?",
    ["invoke", FN, "--path", "@evil.example.com", "--local", "--dir", "STALE"],
    EXIT.usage,
    /--path "@evil\.example\.com" must start with "\/" or "\?"/,
  ],
  [
    "--policy-config naming no file",
    ["check", "--dir", "STALE", "--policy-config", "/no/such.json"],
    EXIT.usage,
    /^callgraph: check: --policy-config \/no\/such\.json: ENOENT/,
  ],
];

/** `callgraph: <command>[ :]`: the command that ran, or what stood for it on a bad command line. */
function namesItsCommand(args: readonly string[]): RegExp {
  const command = args[0];
  if (command === undefined) return /^callgraph: missing command: /;
  if (!COMMANDS.includes(command)) return /^callgraph: command line: /;
  return new RegExp(`^callgraph: ${command}[ :]`);
}

const COMMANDS = ["graph", "diff", "check", "invoke", "local", "preflight", "audit", "types"];

describe("every command's error line names the command", () => {
  // One bad input per command, past the command line's own checks, so the error comes from the command's code.
  test.each(COMMANDS)("%s", async (command) => {
    const args =
      command === "invoke"
        ? ["invoke", FN, "--dir", "/no/such/folder"]
        : command === "diff"
          ? ["diff", "--base", "HEAD", "--dir", "/no/such/folder"]
          : [command, "--dir", "/no/such/folder"];
    const { code, stderr } = await inProcess(args);
    expect([code, stderr.trimEnd()]).toEqual([
      EXIT.usage,
      `callgraph: ${command}: --dir /no/such/folder: no such folder. Pass the folder that holds Pulumi.yaml`,
    ]);
  });

  test("a bug names the command too", () => {
    expect(
      reportError(new Error("boom"), { debug: false, version: "9.9.9", command: "graph" }).lines,
    ).toEqual([
      "callgraph: graph: internal error: boom. This is a bug in callgraph 9.9.9: please report it with the command you ran (CALLGRAPH_DEBUG=1 prints the stack trace)",
    ]);
  });

  test("a message that already starts with the command keeps its words; others get the command", () => {
    const lines = (message: string) =>
      reportError(new UsageError(message), { debug: false, version: "9.9.9", command: "diff" }).lines;
    expect(lines("diff --fail-on: unknown class. Fix it")).toEqual([
      "callgraph: diff --fail-on: unknown class. Fix it",
    ]);
    expect(lines("diff: bad. Fix it")).toEqual(["callgraph: diff: bad. Fix it"]);
    expect(lines("differ: x. y")).toEqual(["callgraph: diff: differ: x. y"]);
  });
});

describe("bad invocations, in process: the exit code and one line, never a stack trace", () => {
  test.each(CASES)("%s", async (_name, args, exitCode, names) => {
    const resolved = args.map(
      (a) =>
        new Map([
          ["STALE", dirs.stale],
          ["BROKEN", dirs.broken],
          ["NOPROGRAM", dirs.noProgram],
          ["MAINJS", dirs.mainJs],
        ]).get(a) ?? a,
    );
    const { code, stderr } = await inProcess(resolved);
    expect(stderr).not.toMatch(STACK_TRACE);
    const lines = stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(ONE_LINE_ERROR);
    expect(lines[0]).toMatch(names);
    expect(lines[0]).toMatch(namesItsCommand(args));
    expect(code).toBe(exitCode);
  });

  test("help asked for by the help command is no mistake: exit 0, nothing on stderr", async () => {
    for (const args of [["help"], ["help", "graph"], ["help", "diff"]]) {
      let out = "";
      let err = "";
      const stdout = jest
        .spyOn(process.stdout, "write")
        .mockImplementation((chunk) => ((out += String(chunk)), true));
      try {
        expect(await main(["node", "callgraph", ...args], { writeErr: (t) => (err += t), env: {} })).toBe(0);
      } finally {
        stdout.mockRestore();
      }
      expect(err).toBe("");
      expect(out).toMatch(args[1] ? new RegExp(`^Usage: callgraph ${args[1]} `) : /^Usage: callgraph /);
    }
    // No command at all is a mistake still: one line, exit 2.
    const { code, stderr } = await inProcess([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^callgraph: missing command: give one of graph, diff, check, /);
  });

  test("--help of every command ends with the exit codes", async () => {
    for (const command of [[], ["graph"], ["diff"], ["check"], ["invoke"], ["local"]]) {
      let out = "";
      const stdout = jest
        .spyOn(process.stdout, "write")
        .mockImplementation((chunk) => ((out += String(chunk)), true));
      try {
        expect(
          await main(["node", "callgraph", ...command, "--help"], { writeErr: () => undefined, env: {} }),
        ).toBe(0);
      } finally {
        stdout.mockRestore();
      }
      expect(out).toMatch(
        /\nExit codes:\n {2}0 {2}success\n {2}1 {2}a finding: .*\n {2}2 {2}a usage or input error.*\n {2}3 {2}an internal error/,
      );
    }
  });
});

describe("reportError: the one error path", () => {
  const context = { debug: false, version: "9.9.9" };

  test("a bug is one line saying so, exit 3; its stack only with CALLGRAPH_DEBUG=1", () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'url')");
    const quiet = reportError(bug, context);
    expect(quiet.exitCode).toBe(EXIT.internal);
    expect(quiet.lines).toEqual([
      "callgraph: internal error: Cannot read properties of undefined (reading 'url'). This is a bug in callgraph 9.9.9: please report it with the command you ran (CALLGRAPH_DEBUG=1 prints the stack trace)",
    ]);
    const loud = reportError(bug, { ...context, debug: true, bugsUrl: "https://example.com/issues" });
    expect(loud.lines[0]).toMatch(
      /please report it at https:\/\/example\.com\/issues with the command you ran$/,
    );
    expect(loud.lines.join("\n")).toMatch(STACK_TRACE);
  });

  test("a thrown non-Error is a bug too", () => {
    expect(reportError("boom", context)).toMatchObject({
      exitCode: EXIT.internal,
      lines: [expect.stringMatching(/^callgraph: internal error: boom\. /)],
    });
  });

  test("a user mistake of several lines keeps the first as the headline and indents the rest", () => {
    const report = reportError(new UsageError("what: two problems:\n  a: bad\nb: worse"), context);
    expect(report).toEqual({
      exitCode: EXIT.usage,
      lines: ["callgraph: what: two problems:", "  a: bad", "  b: worse"],
    });
  });
});

/** Runs bin/callgraph.js as a user would: real exit codes, real stderr. */
function spawnCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CALLGRAPH_BIN, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe("bin/callgraph.js: real process exit codes", () => {
  test("a representative subset, in parallel", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-no-adc-"));
    // A metadata host that answers 500: gcp-metadata's probe fails with a code it does not expect and emits its
    // MetadataLookupWarning, as it does off GCP when the probes of the IP and the name both fail.
    const metadata = http.createServer((_req, res) => res.writeHead(500).end("no"));
    await new Promise<void>((resolve) => metadata.listen(0, "127.0.0.1", resolve));
    const metadataHost = `127.0.0.1:${(metadata.address() as net.AddressInfo).port}`;
    const [version, unknown, broken, stale, adc, probed] = await Promise.all([
      spawnCli(["--version"]),
      spawnCli(["check", "--formt", "json"]),
      spawnCli(["graph", "--dir", dirs.broken]),
      spawnCli(["invoke", FN, "--local", "--dir", dirs.stale]),
      // No Application Default Credentials anywhere: no key file, no gcloud login, not on GCE.
      spawnCli(["invoke", FN, "--dir", dirs.stale], {
        HOME: home,
        CLOUDSDK_CONFIG: home,
        GOOGLE_APPLICATION_CREDENTIALS: "",
        METADATA_SERVER_DETECTION: "none",
      }),
      spawnCli(["invoke", FN, "--dir", dirs.stale], {
        HOME: home,
        CLOUDSDK_CONFIG: home,
        GOOGLE_APPLICATION_CREDENTIALS: "",
        GCE_METADATA_HOST: metadataHost,
      }),
    ]);
    metadata.close();
    fs.rmSync(home, { recursive: true, force: true });
    const packageVersion = (
      JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }
    ).version;
    expect([version.code, version.stdout.trim()]).toEqual([0, packageVersion]);
    for (const run of [unknown, broken, stale, adc, probed]) {
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(run.stderr.trimEnd()).toMatch(ONE_LINE_ERROR);
      expect(run.code).toBe(EXIT.usage);
    }
    expect(unknown.stderr).toContain("unknown option '--formt'");
    expect(broken.stderr).toContain("Pulumi.dev.yaml:5:5:");
    expect(stale.stderr).toContain("the local stack is not running any more");
    expect(adc.stderr).toMatch(
      /^callgraph: invoke alpha: no Application Default Credentials \(.*\)\. Log in with gcloud auth application-default login, or pass --local/,
    );
    // The one line, and no MetadataLookupWarning after it (cli/metadata-warning.ts).
    expect(probed.stderr).toMatch(/^callgraph: invoke alpha: no Application Default Credentials/);
  }, 60_000);
});
