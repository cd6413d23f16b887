import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BASE_CONFIG } from "../fixtures";
import { CALLGRAPH_BIN, REPO_ROOT, tempProject, writeStackFile } from "./temp-project";

// `npm start` is `callgraph local`. Two local runs in one checkout, as issue 12 asks: the second serving stack is
// refused, a `--once` beside the first leaves it serving, a killed stack's lock blocks nobody. One process each
// (node bin/callgraph.js), so the pid in the lock is the process the test kills.
const STACK = "fixture";
const dir = tempProject("runs");
writeStackFile(dir, STACK, BASE_CONFIG);

function cli(args: string[]): ChildProcess & { text(): string } {
  const child = spawn(process.execPath, [CALLGRAPH_BIN, ...args, "--dir", dir, "--stack", STACK], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (d) => (text += String(d)));
  child.stderr?.on("data", (d) => (text += String(d)));
  return Object.assign(child, { text: () => text });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code)),
  );

async function serving(child: ChildProcess & { text(): string }): Promise<void> {
  for (let i = 0; i < 600 && !child.text().includes("Serving until Ctrl-C"); i++) {
    if (child.exitCode !== null) throw new Error(`callgraph local exited: ${child.text()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const invoke = (...args: string[]) =>
  spawnSync(process.execPath, [CALLGRAPH_BIN, "invoke", ...args, "--local", "--dir", dir, "--stack", STACK], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });

const manifest = path.join(dir, ".callgraph", "local", `${STACK}.json`);
const runs = () => fs.readdirSync(path.join(dir, ".callgraph", "runs"));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("a second serving stack is refused naming the first; --once beside it leaves it serving; a killed stack blocks nobody", async () => {
  const first = cli(["local", "--quiet"]);
  try {
    await serving(first);
    const description = fs.readFileSync(manifest, "utf8");
    expect(JSON.parse(description)).toMatchObject({ stack: STACK, pid: first.pid });
    expect(first.text()).toMatch(/edge coverage: 1 of 2 edges exercised; not exercised: gamma -> beta/);

    const second = cli(["local"]);
    expect(await exited(second)).toBe(2);
    expect(second.text().trim()).toBe(
      `callgraph: local --stack ${STACK}: stack ${STACK} is already served from this checkout by process ${first.pid} ` +
        `(${path.relative(REPO_ROOT, path.join(dir, ".callgraph", "local", `${STACK}.lock`))}). ` +
        `Use it (npx callgraph invoke <function> --local), stop it (Ctrl-C in its terminal, or kill ${first.pid}), ` +
        "or run the scenario beside it with npm start -- --once",
    );

    const once = cli(["local", "--once", "--quiet"]);
    expect(await exited(once)).toBe(0);
    expect(once.text()).toMatch(/All \d+ expectations held\./);
    expect(fs.readFileSync(manifest, "utf8")).toBe(description);
    expect(runs()).toEqual([expect.stringMatching(new RegExp(`^${STACK}-${first.pid}-`))]);
    const answer = invoke("alpha", "--as", "group:developers@example.com");
    expect([answer.status, answer.stdout.split("\n")[0]]).toEqual([0, "HTTP 200"]);
    // invoke is a probe: the serving stack logs it as one (--quiet shows only refusals, so ask for one).
    const refused = invoke("alpha", "--as", "beta");
    expect(refused.stdout.split("\n")[0]).toBe("HTTP 403");
    for (let i = 0; i < 50 && !/beta -> alpha {2}GET {2}403 .*\(probe\)/.test(first.text()); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(first.text()).toMatch(
      /beta -> alpha {2}GET {2}403 .* may not invoke alpha {2}403 {2}\d+ ms {2}\(probe\)/,
    );
  } finally {
    first.kill("SIGKILL");
    await exited(first);
  }

  const gone = invoke("alpha");
  expect([gone.status, gone.stderr.trim()]).toEqual([
    2,
    `callgraph: invoke --local: the local stack of stack ${STACK} (process ${first.pid}) is gone: it stopped or crashed without removing .callgraph/local/${STACK}.json. Start it again with npm start`,
  ]);

  const next = cli(["local", "--quiet", "--no-watch"]);
  await serving(next);
  expect(JSON.parse(fs.readFileSync(manifest, "utf8"))).toMatchObject({ pid: next.pid });
  expect(runs()).toEqual([expect.stringMatching(new RegExp(`^${STACK}-${next.pid}-`))]);
  next.kill("SIGINT");
  expect(await exited(next)).toBe(0);
  expect(next.text()).toMatch(
    /Stopping\.\.\.\n\n {2}alpha -> beta {2}\d+ calls?\n {2}gamma -> beta {2}not exercised\nedge coverage: 1 of 2/,
  );
  expect([
    fs.existsSync(manifest),
    fs.existsSync(path.join(dir, ".callgraph", "local", `${STACK}.lock`)),
    runs(),
  ]).toEqual([false, false, []]);
}, 120_000);
