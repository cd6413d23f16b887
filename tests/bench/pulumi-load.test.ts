import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  loadEnv,
  loadOnce,
  measurePulumiLoad,
  readRuntimeOptions,
  type Load,
  type LoadSide,
} from "../../bench/pulumi-load";

// The harness of bench row 7 on a tiny program: Pulumi's own cmd/run loads it in child processes, so these
// tests also pin what the row relies on in @pulumi/pulumi 3.248 (node_modules/@pulumi/pulumi/cmd/run/run.js):
// a tsconfig with `noCheck` (named by Pulumi.yaml's runtime.options.tsconfig) makes the load transpile-only,
// and without it Pulumi type-checks.

const REPO = path.resolve(__dirname, "../..");
jest.setTimeout(60_000);

/**
 * A Pulumi program whose helper has a type error that only a type-checking load reports. As in this repository,
 * package.json's `main` is a package's entry, not the program: Pulumi.yaml's `main` names the program, and a load
 * that ran the package's entry instead would run to its end without reading config.
 */
const FIXTURE: Record<string, string> = {
  "package.json": JSON.stringify({ name: "pulumi-load-fixture", main: "lib.js" }),
  "lib.js": "module.exports = {};\n",
  "Pulumi.yaml": [
    "name: pulumi-load-fixture",
    "main: index.ts",
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    tsconfig: tsconfig.pulumi.json",
    "",
  ].join("\n"),
  "tsconfig.json": JSON.stringify({
    compilerOptions: { target: "ES2022", lib: ["ES2022"], module: "nodenext", strict: true, types: [] },
  }),
  "tsconfig.pulumi.json": JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noCheck: true } }),
  // `require` rather than `import`, so a type-checking load checks these two files, not the SDK's typings too.
  "index.ts": [
    "declare function require(id: string): any;",
    'const pulumi = require("@pulumi/pulumi");',
    'import { answer } from "./helper";',
    'export = async () => ({ answer, region: new pulumi.Config("fixture").require("region") });',
    "",
  ].join("\n"),
  "helper.ts": 'export const answer: number = "forty-two";\n',
};

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-pulumi-load-"));
  for (const [name, text] of Object.entries(FIXTURE)) fs.writeFileSync(path.join(dir, name), text);
  // The program resolves @pulumi/pulumi and TypeScript as the repository does.
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("loads through Pulumi's cmd/run", () => {
  // Two loads of a few seconds each; the floor (PULUMI_NODEJS_TRANSPILE_ONLY=true) differs from them only by the
  // variable that loadEnv's test pins.
  test("as configured (a tsconfig with noCheck), the type error does not stop the load", async () => {
    const load = await loadOnce(dir, "configured");
    expect(load.stoppedAt).toBe("fixture:region");
    expect(load.ms).toBeGreaterThan(0);
    expect(load.cpuMs).toBeGreaterThan(0);
    expect(load.maxRssMb).toBeGreaterThan(0);
  });

  test("type-checked (tsconfig.json, Pulumi's default), the same load fails on the type error", async () => {
    await expect(loadOnce(dir, "typeChecked")).rejects.toThrow(
      /helper\.ts\(1,14\): error TS2322: Type 'string' is not assignable to type 'number'/,
    );
  });
});

describe("readRuntimeOptions", () => {
  const withProject = (yaml: string) => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-pulumi-yaml-"));
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), yaml);
    try {
      return readRuntimeOptions(project);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  };

  test.each<[string, string, ReturnType<typeof readRuntimeOptions>]>([
    ["a runtime by name only", "name: p\nruntime: nodejs\n", { typescript: true }],
    ["a main", "name: p\nmain: src/index.ts\nruntime: nodejs\n", { typescript: true, main: "src/index.ts" }],
    [
      "options without tsconfig",
      "runtime:\n  name: nodejs\n  options:\n    packagemanager: npm\n",
      { typescript: true },
    ],
    [
      "a tsconfig and typescript off",
      "runtime:\n  name: nodejs\n  options:\n    tsconfig: t.json\n    typescript: false\n",
      { typescript: false, tsconfig: "t.json" },
    ],
  ])("%s", (_name, yaml, expected) => {
    expect(withProject(yaml)).toEqual(expected);
  });

  test("a wrong type is an error naming the option", () => {
    expect(() => withProject("runtime:\n  name: nodejs\n  options:\n    tsconfig: 3\n")).toThrow(
      "runtime.options.tsconfig must be a path, got 3",
    );
    expect(() => withProject("runtime:\n  name: nodejs\n  options:\n    typescript: yes\n")).toThrow(
      'runtime.options.typescript must be true or false, got "yes"',
    );
  });

  test("this repository's Pulumi.yaml names a tsconfig", () => {
    expect(readRuntimeOptions(REPO).tsconfig).toBe("tsconfig.pulumi.json");
  });
});

describe("loadEnv", () => {
  const base = {
    PATH: "/bin",
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    PULUMI_NODEJS_TSCONFIG_PATH: "other.json",
    PULUMI_CONFIG: '{"a:b":"c"}',
    TS_NODE_TRANSPILE_ONLY: "true",
    NODE_OPTIONS: "--import tsx",
  };
  const options = { typescript: true, tsconfig: "tsconfig.pulumi.json" };

  test.each<[LoadSide, Record<string, string>]>([
    ["configured", { PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.pulumi.json" }],
    ["typeChecked", {}],
    ["transpileOnly", { PULUMI_NODEJS_TRANSPILE_ONLY: "true" }],
  ])("%s: only the variables of that side, none inherited", (side, own) => {
    expect(loadEnv(base, options, side, "/cache")).toEqual({
      PATH: "/bin",
      PULUMI_NODEJS_TYPESCRIPT: "true",
      PULUMI_CONFIG: "{}",
      TS_NODE_CACHE_DIRECTORY: "/cache",
      ...own,
    });
  });

  test("a program Pulumi does not compile is refused", () => {
    expect(() => loadEnv(base, { typescript: false }, "configured", "/cache")).toThrow(
      "runtime.options.typescript: false",
    );
  });
});

describe("measurePulumiLoad", () => {
  const fake = (ms: Record<LoadSide, number[]>, stoppedAt: (side: LoadSide) => string = () => "p:k") => {
    const order: LoadSide[] = [];
    const load = async (_dir: string, side: LoadSide): Promise<Load> => {
      order.push(side);
      const wall = ms[side][order.filter((s) => s === side).length - 1];
      return { ms: wall, cpuMs: wall / 2, maxRssMb: 100, stoppedAt: stoppedAt(side) };
    };
    return { order, load };
  };

  test("rotates which side goes first and takes paired ratios, so one slow round does not move them", async () => {
    const { order, load } = fake({
      configured: [11, 110, 11],
      typeChecked: [50, 500, 50],
      transpileOnly: [10, 100, 10],
    });
    const cost = await measurePulumiLoad(dir, 3, load);
    expect(order).toEqual([
      ...["configured", "typeChecked", "transpileOnly"],
      ...["typeChecked", "transpileOnly", "configured"],
      ...["transpileOnly", "configured", "typeChecked"],
    ]);
    expect(cost.sides.typeChecked).toEqual({ ms: 50, cpuMs: 25, maxRssMb: 100 });
    expect(cost.configuredOverFloor.wall).toBeCloseTo(1.1);
    expect(cost.checkedOverFloor).toEqual({ wall: 5, cpu: 5 });
    expect(cost.configuredOverChecked.cpu).toBeCloseTo(0.22);
    expect(cost.stoppedAt).toBe("p:k");
    expect(cost.runtimeOptions.tsconfig).toBe("tsconfig.pulumi.json");
  });

  test("loads that stopped at different config keys did not load the same program", async () => {
    const { load } = fake({ configured: [1], typeChecked: [1], transpileOnly: [1] }, (side) => `p:${side}`);
    await expect(measurePulumiLoad(dir, 1, load)).rejects.toThrow("stopped at different config keys");
  });

  test("no rounds is an error", async () => {
    await expect(measurePulumiLoad(dir, 0)).rejects.toThrow("rounds must be a positive integer, got 0");
  });
});
