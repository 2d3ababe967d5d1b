// What the run loop must not load (perf_hooks and node:v8: see below). ICU: V8's Date.prototype.toISOString,
// toJSON and toUTCString resolve the local time zone through ICU even though their text is UTC, and a
// long-running collector would keep ICU's time-zone tables (about 1.1 MB of the node binary) mapped for that
// (bench/notes/collector-memory.md, session 9). This walks every module `ibsr-collect run` loads (from
// cli.ts, @ibsr/contract included) and looks for those calls and the other ways into ICU (locale-aware
// strings, Intl, normalize).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CONTRACT = resolve(SRC, "..", "..", "contract", "src", "index.ts");
const ICU_CALL = /\.(?:toISOString|toJSON|toUTCString|toLocale\w*|localeCompare|normalize)\(|\bIntl\./;

/** The collector's and the contract's modules reachable from `entries` by static and dynamic imports. */
function moduleGraph(entries: string[]): string[] {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(import type [^;]*|.*)(?:\bfrom|\bimport)\s*\(?\s*"([^"]+)"/gm)) {
      // `import type` is erased at compile time: nothing is loaded.
      if (m[1]?.startsWith("import type")) continue;
      const spec = m[2] as string;
      if (spec === "@ibsr/contract") todo.push(CONTRACT);
      else if (spec.startsWith(".")) {
        const ts = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
        if (existsSync(ts)) todo.push(ts);
      }
    }
  }
  return [...seen];
}

test("no module the run command loads calls into ICU, uses performance or imports node:v8", () => {
  // main.ts imports the command through a variable specifier, so run.ts is named here too.
  const files = moduleGraph([join(SRC, "cli.ts"), join(SRC, "commands", "run.ts")]);
  assert.ok(files.length > 50, `only ${files.length} modules found from cli.ts`);
  assert.ok(files.includes(join(SRC, "log", "logger.ts")), "the logger is part of the run loop");
  assert.ok(
    files.some((f) => f.endsWith(join("contract", "src", "hive.ts"))),
    "so are the contract's names",
  );
  const offenders = files.flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .map((line, i) => ({ line, at: `${relative(SRC, f)}:${i + 1}` }))
      .filter(({ line }) => !/^\s*(?:\/\/|\*)/.test(line) && ICU_CALL.test(line))
      .map(({ at, line }) => `${at}: ${line.trim()}`),
  );
  assert.deepEqual(offenders, []);
  // Nor the global `performance` (perf_hooks: 1.4 MB; system/clock.ts has the loop's clocks), nor node:v8
  // (0.3 MB with the modules it loads: process.memoryUsage() has the heap figures the loop uses).
  const perf = files.flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .map((line, i) => ({ line, at: `${relative(SRC, f)}:${i + 1}` }))
      .filter(({ line }) => !/^\s*(?:\/\/|\*|\/\*)/.test(line) && /\bperformance\./.test(line))
      .map(({ at }) => at),
  );
  assert.deepEqual(perf, []);
  assert.deepEqual(
    files
      .filter((f) => /(?:from|import)\s*\(?\s*"(?:node:)?v8"/.test(readFileSync(f, "utf8")))
      .map((f) => relative(SRC, f)),
    [],
  );
});

test("a log line and a run id leave ICU's time-zone data unloaded", () => {
  // In a fresh node: the logger's time stamp, a run id and a snapshot path, then whether ICU opened its
  // time-zone names (V8 creates them on the first local-zone lookup; a toISOString() call shows the probe works).
  const probe = (extra: string) =>
    execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { createLogger } from ${JSON.stringify(join(SRC, "log", "logger.ts"))};
         import { formatRunId, snapshotRelativePath } from ${JSON.stringify(CONTRACT)};
         import { readFileSync } from "node:fs";
         const before = Number(/RssFile:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
         createLogger({ json: true, stream: { write() {} } }).info("probe", { n: 1 });
         formatRunId(1_796_469_830_487_940n, 1);
         snapshotRelativePath({ host: "h", iface: "i", runId: "r", seq: 1, ts: 1_796_469_830_487_940n });
         ${extra}
         const after = Number(/RssFile:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
         process.stdout.write(String(after - before));`,
      ],
      { encoding: "utf8" },
    );
  const without = Number(probe(""));
  const withIcu = Number(probe("new Date(0).toISOString();"));
  // ICU's zone tables are about 1 MB of file pages; the probe without them grows by far less.
  assert.ok(
    withIcu - without > 500,
    `toISOString() added only ${withIcu - without} kB: the probe cannot tell`,
  );
  assert.ok(without < withIcu - 500, `the collector's own time stamps mapped ${without} kB`);
});
