// The deploy/ artefacts as systemd and cron will read them: every unit and timer passes
// `systemd-analyze verify` (silently), the collector unit's ExecStart parses with the real CLI, its
// restart/stop/capability/file-mode settings match exit-codes.ts and the rules of issue 7, the timer's
// calendar parses, the cron line has 5 valid time fields and a user, and ibsr-daily-report asks the
// reporter for exactly one UTC day. No root needed (systemd-analyze verify runs as any user).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { collectorArgv, REPO_ROOT } from "../lab/netns.js";
import { ExitCode } from "../packages/collector/src/exit-codes.js";

const DEPLOY = join(REPO_ROOT, "deploy");
const UNITS = readdirSync(DEPLOY).filter((f) => /\.(service|timer)$/.test(f));

/** `Key=value` settings of one section, in order (a key may repeat). */
export function unitSettings(text: string, section: string): [string, string][] {
  const out: [string, string][] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      current = sec[1] ?? "";
      continue;
    }
    const eq = line.indexOf("=");
    if (current === section && eq > 0) out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

function setting(text: string, section: string, key: string): string {
  const all = unitSettings(text, section).filter(([k]) => k === key);
  const last = all.at(-1);
  assert.ok(last, `${key}= missing from [${section}]`);
  return last[1];
}

/** Copies every unit into a temp dir with /opt/ibsr/ pointing at a fake install whose bin/ has executables. */
function stageUnits(mutate?: (name: string, text: string) => string): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), `ibsr-units-${process.pid}-`));
  const opt = join(dir, "opt-ibsr");
  mkdirSync(join(opt, "bin"), { recursive: true });
  for (const b of ["ibsr-collect", "ibsr-report", "ibsr-daily-report"]) {
    writeFileSync(join(opt, "bin", b), "#!/bin/sh\nexit 0\n");
    chmodSync(join(opt, "bin", b), 0o755);
  }
  const files: string[] = [];
  for (const u of UNITS) {
    let text = readFileSync(join(DEPLOY, u), "utf8").replaceAll("/opt/ibsr/", `${opt}/`);
    if (mutate) text = mutate(u, text);
    writeFileSync(join(dir, u), text);
    files.push(join(dir, u));
  }
  return { dir, files };
}

function verify(files: string[]): { code: number | null; output: string } {
  const r = spawnSync("systemd-analyze", ["verify", ...files], { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

test("deploy/ holds the collector unit, the report unit and its timer", () => {
  for (const u of ["ibsr-collect.service", "ibsr-report.service", "ibsr-report.timer"])
    assert.ok(UNITS.includes(u), `deploy/${u} missing`);
});

test("systemd-analyze verify accepts every unit and timer without a single warning", () => {
  const { dir, files } = stageUnits();
  try {
    const r = verify(files);
    assert.equal(r.output, "", `systemd-analyze verify printed:\n${r.output}`);
    assert.equal(r.code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the verify check can fail: a misplaced key and a missing executable are reported", () => {
  const { dir, files } = stageUnits((name, text) =>
    name === "ibsr-collect.service"
      ? text
          .replace("[Service]", "[Service]\nStartLimitIntervalSec=0")
          .replace(/ExecStart=\S+/, "ExecStart=/nonexistent/x")
      : text,
  );
  try {
    const r = verify(files);
    assert.match(r.output, /Unknown key 'StartLimitIntervalSec' in section \[Service\]/);
    assert.match(r.output, /nonexistent\/x/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const collect = readFileSync(join(DEPLOY, "ibsr-collect.service"), "utf8");
const defaults = readFileSync(join(DEPLOY, "ibsr-collect.default"), "utf8");

test("collector unit: stop, restart and exit codes agree with exit-codes.ts", () => {
  assert.equal(setting(collect, "Service", "KillSignal"), "SIGTERM");
  // Measured worst case (2 000 000 entries, every one new): 14.2 s from SIGTERM to exit. Keep 4x margin.
  const stop = Number(/^(\d+)s?$/.exec(setting(collect, "Service", "TimeoutStopSec"))?.[1]);
  assert.ok(stop >= 60, `TimeoutStopSec=${stop} is too short for a final snapshot at 2 000 000 entries`);
  assert.equal(setting(collect, "Service", "Restart"), "on-failure");
  const prevent: number[] = setting(collect, "Service", "RestartPreventExitStatus")
    .split(/\s+/)
    .map(Number)
    .sort();
  assert.deepEqual(prevent, [ExitCode.USAGE, ExitCode.ENVIRONMENT, ExitCode.UNSAFE_OBJECT].sort());
  const runtime: number = ExitCode.RUNTIME;
  assert.ok(!prevent.some((c) => c === runtime), "a runtime failure must restart");
});

test("collector unit: readiness, watchdog and journald priorities", () => {
  assert.equal(setting(collect, "Service", "Type"), "notify");
  assert.equal(setting(collect, "Service", "NotifyAccess"), "main");
  // Pings come every WatchdogSec/2 from the loop; the slowest working cycle measured is 7 s.
  const wd = Number(/^(\d+)s?$/.exec(setting(collect, "Service", "WatchdogSec"))?.[1]);
  assert.ok(wd >= 60 && wd <= 600, `WatchdogSec=${wd}`);
  assert.equal(setting(collect, "Service", "WatchdogSignal"), "SIGKILL");
  assert.equal(setting(collect, "Service", "SyslogLevelPrefix"), "yes");
  // A watchdog kill must restart: on-failure covers it, and nothing turns it off.
  assert.equal(setting(collect, "Service", "Restart"), "on-failure");
  // The socket is AF_UNIX: the sandbox must allow it.
  assert.match(setting(collect, "Service", "RestrictAddressFamilies"), /\bAF_UNIX\b/);
});

test("collector unit: least privilege, file modes and memory", () => {
  const ambient = setting(collect, "Service", "AmbientCapabilities").split(/\s+/).sort();
  const bounding = setting(collect, "Service", "CapabilityBoundingSet").split(/\s+/).sort();
  assert.deepEqual(ambient, bounding, "ambient and bounding sets must be the same set");
  assert.ok(ambient.includes("CAP_BPF") && ambient.includes("CAP_NET_ADMIN"));
  assert.ok(!ambient.includes("CAP_SYS_ADMIN"), "CAP_SYS_ADMIN is not needed");
  assert.equal(setting(collect, "Service", "DynamicUser"), "yes");
  assert.equal(setting(collect, "Service", "NoNewPrivileges"), "yes");
  assert.equal(setting(collect, "Service", "UMask"), "0027");
  assert.equal(setting(collect, "Service", "StateDirectoryMode"), "0750");
  assert.match(setting(collect, "Service", "StateDirectory"), /\bibsr\/snapshots\b/);
  assert.match(setting(collect, "Service", "ExecStart"), /--out-dir \/var\/lib\/ibsr\/snapshots\b/);
  // MemoryMax must hold the map (charged to the cgroup) plus the process at the default map size:
  // 15 MiB + a measured 103 MiB peak RSS (docs/install.md); 300 MiB leaves room for a slow snapshot.
  const mem = /^(\d+)([MG])$/.exec(setting(collect, "Service", "MemoryMax"));
  assert.ok(mem, "MemoryMax in M or G");
  const mib = Number(mem[1]) * (mem[2] === "G" ? 1024 : 1);
  assert.ok(
    mib >= 300,
    `MemoryMax=${mib}M leaves too little room above the measured 118 MiB at the default map size`,
  );
});

/** The unit's Environment= and the defaults file's variables, as systemd hands them to the collector. */
function unitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, v] of unitSettings(collect, "Service").filter(([k]) => k === "Environment")) {
    for (const kv of v.split(/\s+/)) {
      const i = kv.indexOf("=");
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  for (const line of defaults.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) env[m[1]] = m[2] ?? "";
  }
  return env;
}

/** ExecStart of the collector unit with the variables substituted, as systemd would. */
function execStartArgs(): string[] {
  const env = unitEnv();
  const words = setting(collect, "Service", "ExecStart").split(/\s+/);
  const out: string[] = [];
  for (const w of words.slice(1)) {
    const braced = /^\$\{(\w+)\}$/.exec(w);
    const bare = /^\$(\w+)$/.exec(w);
    if (braced?.[1]) out.push(env[braced[1]] ?? "");
    else if (bare?.[1]) out.push(...(env[bare[1]] ?? "").split(/\s+/).filter(Boolean));
    else out.push(w);
  }
  return out;
}

test("collector unit: ExecStart (with the defaults file) parses with the real CLI", () => {
  const args = execStartArgs();
  assert.equal(args[0], "run");
  const out = mkdtempSync(join(tmpdir(), `ibsr-units-out-${process.pid}-`));
  try {
    // Point the output at a temp dir and the interface at one that cannot exist: the options must
    // all parse (a usage error would be exit 2), so the run gets as far as the interface check (exit 3).
    const i = args.indexOf("--out-dir");
    args[i + 1] = out;
    const iface = `ibsrno${process.pid}`.slice(0, 15);
    const [node, ...rest] = collectorArgv([...args, "--iface", iface]);
    // The collector reads IBSR_PORTS, IBSR_ARGS and the per-flag variables from its environment.
    const r = spawnSync(node ?? process.execPath, rest, {
      encoding: "utf8",
      timeout: 60_000,
      cwd: REPO_ROOT,
      env: { ...process.env, ...unitEnv() },
    });
    assert.equal(
      r.status,
      ExitCode.ENVIRONMENT,
      `expected exit 3 (no such interface), got ${r.status}: ${r.stderr}`,
    );
    assert.match(r.stderr, new RegExp(iface));
    assert.doesNotMatch(r.stderr, /unknown flag|Unknown argument/i);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("every flag named in the unit and the defaults file exists in `ibsr-collect --help`", () => {
  const [node, ...rest] = collectorArgv(["--help"]);
  const help = spawnSync(node ?? process.execPath, rest, { encoding: "utf8", timeout: 60_000 }).stdout;
  const flags = new Set(
    [
      ...`${setting(collect, "Service", "ExecStart")}\n${defaults}`.matchAll(/(?<![\w-])--[a-z][a-z0-9-]+/g),
    ].map((m) => m[0]),
  );
  assert.ok(flags.size >= 6, `found only ${[...flags].join(" ")}`);
  for (const f of flags)
    assert.ok(help.includes(f), `${f} (deploy/) is not a flag of ibsr-collect: see --help`);
  // Variables set or shown (commented) in the defaults file: each is a flag's [env: NAME] or IBSR_ARGS.
  const vars = new Set([...defaults.matchAll(/^#?\s*(IBSR_[A-Z0-9_]+)=/gm)].map((m) => m[1]!));
  assert.ok(vars.has("IBSR_PORTS") && vars.has("IBSR_ARGS"));
  for (const v of vars)
    assert.ok(
      help.includes(`[env: ${v}]`) || help.includes(`${v} holds`),
      `${v} (deploy/) is not read by ibsr-collect`,
    );
});

test("the timer's calendar expression parses and it starts the report service", () => {
  const timer = readFileSync(join(DEPLOY, "ibsr-report.timer"), "utf8");
  const cal = setting(timer, "Timer", "OnCalendar");
  const r = spawnSync("systemd-analyze", ["calendar", cal], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Next elapse:/);
  assert.equal(setting(timer, "Timer", "Unit"), "ibsr-report.service");
  const svc = readFileSync(join(DEPLOY, "ibsr-report.service"), "utf8");
  assert.equal(
    setting(svc, "Service", "User"),
    setting(collect, "Service", "User"),
    "same dynamic user as the collector",
  );
  assert.equal(setting(svc, "Service", "CapabilityBoundingSet"), "");
});

/** Checks one cron time field against its range: *, n, a-b, lists and /step. */
function cronFieldOk(field: string, min: number, max: number): boolean {
  return field.split(",").every((part) => {
    const [range = "", step] = part.split("/");
    if (step !== undefined && !/^\d+$/.test(step)) return false;
    if (range === "*") return true;
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!m) return false;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    return a >= min && b <= max && a <= b;
  });
}

test("cron line: 5 valid time fields, a user and a command the bundle installs", () => {
  const cron = readFileSync(join(DEPLOY, "ibsr-report.cron"), "utf8");
  const jobs = cron
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#") && !/^[A-Z_]+=/.test(l));
  assert.equal(jobs.length, 1, `expected one job line, got ${jobs.length}`);
  const f = (jobs[0] ?? "").split(/\s+/);
  const ranges: [number, number][] = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
  ];
  for (const [i, [lo, hi]] of ranges.entries()) {
    assert.ok(cronFieldOk(f[i] ?? "", lo, hi), `field ${i + 1} "${f[i]}" invalid`);
  }
  assert.match(f[5] ?? "", /^[a-z_][a-z0-9_-]*$/, "6th field must be a user name (/etc/cron.d format)");
  assert.ok(!(jobs[0] ?? "").includes("%"), "a bare % in a cron command is a newline");
  assert.match(jobs[0] ?? "", /\/opt\/ibsr\/bin\/ibsr-daily-report\b/);
  assert.ok(cronFieldOk("*/5", 0, 59) && !cronFieldOk("60", 0, 59), "the field checker itself");
});

test("ibsr-daily-report asks the reporter for exactly one UTC day, into a dated folder", () => {
  const dir = mkdtempSync(join(tmpdir(), `ibsr-daily-${process.pid}-`));
  try {
    const stub = join(dir, "fake-report");
    writeFileSync(stub, '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
    chmodSync(stub, 0o755);
    const run = (args: string[]) =>
      spawnSync(join(DEPLOY, "ibsr-daily-report"), args, {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          IBSR_REPORT: stub,
          IBSR_SNAPSHOTS: "/s",
          IBSR_REPORTS: "/r",
          IBSR_REPORT_ARGS: "--memory-limit=2GB",
        },
      });
    const r = run(["2026-02-28"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      "/s",
      "--since",
      "2026-02-28T00:00:00Z",
      "--until",
      "2026-03-01T00:00:00Z",
      "--quiet",
      "--out",
      "/r/2026-02-28",
      "--memory-limit=2GB",
    ]);
    const y = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    assert.ok(run([]).stdout.includes(`/r/${y}`), "default day is yesterday (UTC)");
    // Retention: day folders older than IBSR_REPORT_KEEP_DAYS before the reported day go, others stay.
    const reports = join(dir, "reports");
    for (const d of ["2026-01-01", "2026-02-17", "2026-02-18", "2026-02-27", "notes"])
      mkdirSync(join(reports, d), { recursive: true });
    const kept = spawnSync(join(DEPLOY, "ibsr-daily-report"), ["2026-02-28"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, IBSR_REPORT: stub, IBSR_REPORTS: reports, IBSR_REPORT_KEEP_DAYS: "10" },
    });
    assert.equal(kept.status, 0, kept.stderr);
    assert.deepEqual(readdirSync(reports).sort(), ["2026-02-18", "2026-02-27", "notes"]);
    const failing = join(dir, "failing-report");
    writeFileSync(failing, "#!/bin/sh\nexit 2\n");
    chmodSync(failing, 0o755);
    const f = spawnSync(join(DEPLOY, "ibsr-daily-report"), ["2026-02-28"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, IBSR_REPORT: failing, IBSR_REPORTS: reports },
    });
    assert.equal(f.status, 2, "the reporter's exit code is passed on");
    const bad = run(["yesterday; rm -rf /"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /is not a day/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
