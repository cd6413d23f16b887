// Where `npm test`'s time goes, per test file (issue 19): the CPU jest's own process spent on the file and the CPU of
// the processes it started and reaped meanwhile (the CLI, local stacks, function hosts, npm, git), beside its wall
// time. Run in band, so the process is the one that ran the file and nothing else's children are counted:
//
//   npx jest --runInBand --reporters=default --reporters=./tests/jest/cpu-reporter.js
//
// and read the JSON it writes to $CALLGRAPH_CPU_REPORT (default: .callgraph/test-cpu.json), one row per file:
// `{ file, self, children, wall }`, seconds, most CPU first. Linux only (/proc/self/stat); elsewhere it says so once.
// Test paths go before `--reporters`, which takes every value after it.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

// proc(5): after the command's closing parenthesis, utime, stime, cutime and cstime are fields 14-17, in clock ticks.
const TICKS_PER_SECOND = 100;

function cpu() {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const seconds = (i) => Number(fields[i]) / TICKS_PER_SECOND;
  return { self: seconds(11) + seconds(12), children: seconds(13) + seconds(14) };
}

class CpuReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.output = process.env.CALLGRAPH_CPU_REPORT ?? path.join(this.rootDir, ".callgraph", "test-cpu.json");
    this.available = os.platform() === "linux" && fs.existsSync("/proc/self/stat");
    this.started = new Map();
    this.rows = [];
    if (!this.available)
      process.stderr.write("cpu-reporter: /proc/self/stat is Linux only; nothing measured\n");
  }

  onTestFileStart(test) {
    if (this.available) this.started.set(test.path, { ...cpu(), at: Date.now() });
  }

  onTestFileResult(test) {
    const start = this.started.get(test.path);
    if (!start) return;
    const end = cpu();
    const round = (s) => Math.round(s * 100) / 100;
    this.rows.push({
      file: path.relative(this.rootDir, test.path),
      self: round(end.self - start.self),
      children: round(end.children - start.children),
      wall: round((Date.now() - start.at) / 1000),
    });
  }

  onRunComplete() {
    if (!this.available) return;
    this.rows.sort((a, b) => b.self + b.children - (a.self + a.children));
    fs.mkdirSync(path.dirname(this.output), { recursive: true });
    fs.writeFileSync(this.output, `${JSON.stringify(this.rows, null, 2)}\n`);
    const total = (key) => this.rows.reduce((sum, row) => sum + row[key], 0).toFixed(0);
    process.stderr.write(
      `cpu-reporter: ${this.rows.length} files, ${total("self")} s in jest, ${total("children")} s in processes it started, ${total("wall")} s wall; ${this.output}\n`,
    );
  }
}

module.exports = CpuReporter;
