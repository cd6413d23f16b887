// Where `npm test`'s time goes, per test file (issue 19): the CPU jest's own process spent on the file and the CPU of
// the processes it started and reaped meanwhile (the CLI, local stacks, function hosts, npm, git), beside its wall
// time. Run in band, so the process is the one that ran the file and nothing else's children are counted:
//
//   npx jest --runInBand --reporters=default --reporters=./tests/jest/cpu-reporter.js
//
// and read the JSON it writes to $CALLGRAPH_CPU_REPORT (default: .callgraph/test-cpu.json), one row per file:
// `{ file, self, children, wall }`, seconds, most CPU first. Test paths go before `--reporters`, which takes every value
// after it. `children` is what the kernel adds when a child is reaped, so a process reaped after its file ended counts
// toward the next file, and one whose parent never waited for it counts nowhere. Linux only (/proc/self/stat), and in
// band only: with workers, this process runs no test. Otherwise it says why in one line and measures nothing.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

// proc(5): after the command's closing parenthesis, utime, stime, cutime and cstime are fields 14-17, in clock ticks
// (sysconf(_SC_CLK_TCK), which getconf prints).
function ticksPerSecond() {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

function cpu(ticks) {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const seconds = (i) => Number(fields[i]) / ticks;
  return { self: seconds(11) + seconds(12), children: seconds(13) + seconds(14) };
}

class CpuReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.output = process.env.CALLGRAPH_CPU_REPORT ?? path.join(this.rootDir, ".callgraph", "test-cpu.json");
    const why =
      os.platform() !== "linux" || !fs.existsSync("/proc/self/stat")
        ? "/proc/self/stat is Linux only"
        : globalConfig.runInBand
          ? undefined
          : "the tests run in workers, not in this process: pass --runInBand";
    this.available = why === undefined;
    this.ticks = this.available ? ticksPerSecond() : 100;
    this.started = new Map();
    this.rows = [];
    if (why) process.stderr.write(`cpu-reporter: ${why}; nothing measured\n`);
  }

  onTestFileStart(test) {
    if (this.available) this.started.set(test.path, { ...cpu(this.ticks), at: Date.now() });
  }

  onTestFileResult(test) {
    const start = this.started.get(test.path);
    if (!start) return;
    const end = cpu(this.ticks);
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
    const total = (key) => this.rows.reduce((sum, row) => sum + row[key], 0).toFixed(1);
    process.stderr.write(
      `cpu-reporter: ${this.rows.length} files, ${total("self")} s in jest, ${total("children")} s in processes it started, ${total("wall")} s wall; ${this.output}\n`,
    );
  }
}

module.exports = CpuReporter;
