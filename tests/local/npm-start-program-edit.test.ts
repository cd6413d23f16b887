import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { stringify } from "yaml";
import { PROJECT, ProgramRepo } from "../cli/support/program-repo";
import { CALLGRAPH_BIN, REPO_ROOT } from "./temp-project";

// `npm start` (callgraph local) follows a call graph declared in code, as it follows a stack file, in the CLI's one
// process (the program, which exports a function, is loaded again only because its modules changed on disk): the
// declaration moved from index.ts into a module of its own is followed there, and an edit to it restarts the stack
// on the new grants.
const TEAM = "group:team@example.com";
const declaration = (backInvokers: string[]) =>
  `export const declaration = ${JSON.stringify({
    functions: {
      front: { source: "fn/hello", entryPoint: "hello", invokers: ["team"] },
      back: { source: "fn/echo", entryPoint: "echo", invokers: backInvokers },
    },
    principals: { team: [TEAM] },
  })};\n`;

const repo = ProgramRepo.create();
repo.write(
  "Pulumi.dev.yaml",
  stringify({ config: { "gcp:project": PROJECT, "gcp:region": "europe-west1", "callgraph:generation": 1 } }),
);
// At first the declaration is written in index.ts itself.
repo.declareInCode(declaration([]).replace("export const declaration = ", "").replace(/;\n$/, ""));
afterAll(() => repo.dispose());

const invoke = (fn: string) =>
  spawnSync(process.execPath, [CALLGRAPH_BIN, "invoke", fn, "--as", TEAM, "--local", "--dir", repo.dir], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });

test("an edit to the module that declares the graph in code restarts the stack on the new grants", async () => {
  const child: ChildProcess = spawn(process.execPath, [CALLGRAPH_BIN, "local", "--dir", repo.dir], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (d) => (text += String(d)));
  child.stderr?.on("data", (d) => (text += String(d)));
  const until = async (what: string) => {
    for (let i = 0; i < 600 && !text.includes(what) && child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 100));
    if (!text.includes(what)) throw new Error(`never saw ${what}:\n${text}`);
  };
  try {
    await until("Serving until Ctrl-C");
    expect(invoke("back").stdout.split("\n")[0]).toBe("HTTP 403");

    // The same declaration moved into a module of its own: nothing to restart, and the new module is followed.
    repo.write("declaration.ts", declaration([]));
    repo.declareInCode("declaration", 'import { declaration } from "./declaration";\n');
    await until("[watch] the declaration runs as before: nothing restarted");

    repo.write("declaration.ts", declaration(["team"]));
    await until("[watch] the local stack restarted on the new declaration");
    expect(text).toMatch(/\[watch\] \S*declaration\.ts changed: evaluating the program again\n/);
    expect(text).toMatch(
      /\[watch\] the declaration changed \(back: [^)]*invokers\): restarting the local stack/,
    );
    const allowed = invoke("back");
    expect([allowed.status, allowed.stdout.split("\n")[0]]).toEqual([0, "HTTP 200"]);

    // A broken edit is reported and the stack serves on, as for a stack file.
    repo.write("declaration.ts", "export const declaration = {;\n");
    await until("[watch] build failed");
    expect(invoke("back").status).toBe(0);
    // Mended, it runs as the stack serves: nothing to restart.
    const runsAsBefore = text.split("the declaration runs as before").length;
    repo.write("declaration.ts", declaration(["team"]));
    for (let i = 0; i < 300 && text.split("the declaration runs as before").length === runsAsBefore; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(text.split("the declaration runs as before").length).toBe(runsAsBefore + 1);
  } finally {
    child.kill("SIGINT");
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
  }
  expect(child.exitCode).toBe(0);
}, 150_000);
