import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { UsageError } from "./errors.js";
import { type Invocation, jsonLogsRequested, parseCommandLine } from "./main.js";
import { NODE_FLAGS } from "./node-flags.js";
import { parseRunOptions } from "./options.js";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "cli.ts");
const HELP_GOLDEN = join(here, "cli.help.txt");

function runCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, IBSR_BPF_OBJECT: CLI }, // any existing file: these runs never load it
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("command line -> invocation", () => {
  const cases: { argv: string[]; expect: Invocation }[] = [
    { argv: ["-p", "443"], expect: { command: "run", raw: { dstPort: ["443"] } } as Invocation },
    {
      argv: ["run", "-p", "443", "-p", "22"],
      expect: { command: "run", raw: { dstPort: ["443", "22"] } } as Invocation,
    },
    {
      argv: [
        "-i",
        "eth1",
        "--dst-ports",
        "22,80",
        "-o",
        "/srv/x",
        "--map-size",
        "5000",
        "--xdp-mode",
        "generic",
        "-q",
      ],
      expect: {
        command: "run",
        raw: {
          iface: "eth1",
          dstPorts: "22,80",
          outDir: "/srv/x",
          mapSize: "5000",
          xdpMode: "generic",
          quiet: true,
        },
      } as Invocation,
    },
    { argv: ["verify"], expect: { command: "verify", object: undefined, source: undefined, json: false } },
    {
      argv: ["verify", "x.o", "--source", "x.c", "--json"],
      expect: { command: "verify", object: "x.o", source: "x.c", json: true },
    },
    { argv: ["status"], expect: { command: "status", outDir: "/var/lib/ibsr/snapshots", format: "text" } },
    {
      argv: ["status", "/srv/snaps", "--json"],
      expect: { command: "status", outDir: "/srv/snaps", format: "json" },
    },
  ];
  for (const c of cases) {
    test(c.argv.join(" ") || "(none)", async () => {
      const inv = await parseCommandLine(c.argv);
      assert.equal(inv.command, c.expect.command);
      if (inv.command === "run" && c.expect.command === "run") {
        for (const [k, v] of Object.entries(c.expect.raw))
          assert.deepEqual(inv.raw[k as keyof typeof inv.raw], v, k);
      } else {
        assert.deepEqual(inv, c.expect);
      }
    });
  }

  test("argv through the parser into validated options", async () => {
    const inv = await parseCommandLine([
      "-p",
      "443",
      "--dst-ports",
      "22",
      "--max-age",
      "2h",
      "--snapshot-interval-sec",
      "30",
      "-i",
      "lo",
      "--host",
      "h1",
    ]);
    assert.equal(inv.command, "run");
    if (inv.command !== "run") return;
    const opts = parseRunOptions(inv.raw, { defaultObjectPath: () => CLI });
    assert.deepEqual(
      {
        ports: opts.dstPorts,
        age: opts.maxAgeSec,
        iv: opts.snapshotIntervalSec,
        iface: opts.iface,
        ifindex: opts.ifindex,
        host: opts.host,
      },
      { ports: [22, 443], age: 7200, iv: 30, iface: "lo", ifindex: 1, host: "h1" },
    );
  });

  const argvErrors: { argv: string[]; flag: string; match: RegExp }[] = [
    { argv: ["-p", "80,443"], flag: "-p/--dst-port", match: /"80,443"/ },
    { argv: ["--dst-ports", "80", "-p", "80"], flag: "--dst-ports", match: /duplicate destination port 80/ },
    { argv: ["-p", "80", "--map-size", "1.5"], flag: "--map-size", match: /integer/ },
    { argv: ["-p", "80", "--max-age", "1w"], flag: "--max-age", match: /s, m, h or d/ },
    { argv: ["-p", "80", "--xdp-mode", "hw"], flag: "--xdp-mode", match: /one of auto, native, generic/ },
    { argv: ["-p", "80", "-v", "-q"], flag: "-v/--verbose", match: /contradict/ },
  ];
  for (const c of argvErrors) {
    test(`argv error: ${c.argv.join(" ")}`, async () => {
      const inv = await parseCommandLine(c.argv);
      assert.equal(inv.command, "run");
      if (inv.command !== "run") return;
      assert.throws(
        () =>
          parseRunOptions(inv.raw, {
            defaultObjectPath: () => CLI,
            requireIface: () => 1,
            resolveDefaultIface: () => ({ iface: "lo", family: 4 }),
          }),
        (e: unknown) => e instanceof UsageError && e.flag === c.flag && c.match.test(e.message),
      );
    });
  }

  test("a comma list given to -p points at --dst-ports", async () => {
    assert.throws(
      () => parseRunOptions({ dstPort: "80,443" }, { defaultObjectPath: () => CLI, requireIface: () => 1 }),
      (e: unknown) => e instanceof UsageError && /--dst-ports 80,443/.test(e.hint ?? ""),
    );
  });

  test("a flag without its value names the flag and the value it needs", async () => {
    await assert.rejects(
      parseCommandLine(["-p"]),
      (e: unknown) =>
        e instanceof UsageError && e.flag === "-p/--dst-port" && /needs a value: -p <port>/.test(e.message),
    );
  });

  test("unknown flags and commands are usage errors", async () => {
    await assert.rejects(
      parseCommandLine(["--bogus"]),
      (e: unknown) => e instanceof UsageError && e.flag === "--bogus",
    );
    await assert.rejects(parseCommandLine(["status", "a", "b"]), UsageError);
  });
});

describe("ibsr-collect process (spawned)", () => {
  test("--help text is pinned", () => {
    const r = runCli(["--help"]);
    assert.equal(r.code, 0, r.stderr);
    if (process.env.UPDATE_GOLDEN) writeFileSync(HELP_GOLDEN, r.stdout);
    assert.equal(
      r.stdout,
      readFileSync(HELP_GOLDEN, "utf8"),
      "help changed: rerun with UPDATE_GOLDEN=1 and review the diff",
    );
    for (const flag of [
      "--iface",
      "--dst-port",
      "--dst-ports",
      "--out-dir",
      "--snapshot-interval-sec",
      "--map-size",
      "--max-kernel-mem",
      "--ipv6-prefix-len",
      "--max-files",
      "--max-age",
      "--duration-sec",
      "--xdp-mode",
      "--host",
      "--verbose",
      "--quiet",
      "--json-logs",
      "--object",
    ]) {
      assert.ok(r.stdout.includes(flag), `help mentions ${flag}`);
    }
  });

  test("exit codes: usage 2, environment 3, status no-data 2", () => {
    const usage = runCli(["-p", "0"]);
    assert.equal(usage.code, 2);
    assert.match(
      usage.stderr,
      /error usage\.error exit=2 error="-p\/--dst-port \\"0\\": a port must be from 1 to 65535"/,
    );
    assert.equal(usage.stdout, "");

    const unknown = runCli(["-p", "80", "--map-sizes", "5"]);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /error="--map-sizes: unknown flag; did you mean --map-size\?" hint="see ibsr-collect --help"/,
    );

    // A flag the parser itself rejects, with --json-logs: still one JSON line.
    const unknownJson = runCli(["--json-logs", "-p", "80", "--map-sizes", "5"]);
    assert.equal(unknownJson.code, 2);
    const unknownLine = JSON.parse(unknownJson.stderr.trim());
    assert.equal(unknownLine.event, "usage.error");
    assert.equal(unknownLine.exit, 2);
    assert.match(unknownLine.error, /--map-sizes: unknown flag/);

    const env = runCli(["-p", "80", "-i", "nosuch0", "--json-logs"]);
    assert.equal(env.code, 3);
    const line = JSON.parse(env.stderr.trim().split("\n").pop()!);
    assert.equal(line.level, "error");
    assert.equal(line.exit, 3);
    assert.equal(line.errno, "ENODEV");
    assert.match(line.hint, /available interfaces: .*lo/);

    const dir = mkdtempSync(join(tmpdir(), "ibsr-cli-"));
    try {
      const status = runCli(["status", dir]);
      assert.equal(status.code, 2);
      assert.match(status.stdout, /no collector data/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("journald: lines carry <N> when stderr is the journal stream or when asked, not otherwise", () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-cli-journal-"));
  // stderr is a file standing for the journal's stream: JOURNAL_STREAM names its device:inode, as systemd does.
  const run = (args: string[], journal: "match" | "other" | "unset"): string => {
    const path = join(dir, `stderr-${journal}-${args.length}`);
    const fd = openSync(path, "w");
    try {
      const st = fstatSync(fd, { bigint: true });
      const env: NodeJS.ProcessEnv = { ...process.env, IBSR_BPF_OBJECT: CLI };
      delete env.JOURNAL_STREAM;
      if (journal === "match") env.JOURNAL_STREAM = `${st.dev}:${st.ino}`;
      if (journal === "other") env.JOURNAL_STREAM = `${st.dev}:${st.ino + 1n}`;
      const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
        stdio: ["ignore", "pipe", fd],
        env,
        timeout: 30_000,
      });
      assert.notEqual(r.status, 0);
    } finally {
      closeSync(fd);
    }
    return readFileSync(path, "utf8");
  };
  try {
    // Each error path: a usage error, an unknown flag (rejected by the parser itself), an environment error.
    for (const args of [
      ["-p", "0"],
      ["-p", "80", "--map-sizes", "5"],
      ["-p", "80", "-i", "nosuch0"],
    ]) {
      const matched = run(args, "match").trim().split("\n");
      assert.ok(matched.length > 0);
      for (const line of matched) assert.match(line, /^<3>\S+ error /, `journal, ${args.join(" ")}`);
      assert.match(run(args, "other"), /^\S+ error /, "stderr redirected away from the journal: no prefix");
      assert.match(run(args, "unset"), /^\S+ error /);
      assert.match(run([...args, "--log-priority-prefix"], "unset"), /^<3>\S+ error /, "asked for");
      assert.match(run([...args, "--json-logs", "--log-priority-prefix"], "unset"), /^<3>\{"time"/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--json-logs is found in argv before the flags are parsed; the last setting wins, then IBSR_JSON_LOGS", () => {
  assert.equal(jsonLogsRequested(["-p", "1"], { IBSR_JSON_LOGS: "1" }), true);
  assert.equal(jsonLogsRequested(["--no-json-logs"], { IBSR_JSON_LOGS: "1" }), false);
  assert.equal(jsonLogsRequested(["-p", "1", "--json-logs"]), true);
  assert.equal(jsonLogsRequested(["--json-logs", "--no-json-logs"]), false);
  assert.equal(jsonLogsRequested(["--json-logs=false", "--json-logs=true"]), true);
  assert.equal(jsonLogsRequested(["--", "--json-logs"]), false);
  assert.equal(jsonLogsRequested(["--json-logsx"]), false);
});

test("node accepts every flag of NODE_FLAGS (an unknown or retired V8 flag stops it with exit 9)", () => {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, "-e", "process.stdout.write(String(typeof gc))"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "function");
});

test("the shebang and the bundle's wrapper start node with NODE_FLAGS", () => {
  const flags = NODE_FLAGS.join(" ");
  const shebang = readFileSync(CLI, "utf8").split("\n")[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${flags}`);
  const bundle = readFileSync(join(here, "..", "..", "..", "scripts", "bundle.sh"), "utf8");
  assert.ok(
    bundle.includes(`exec "\\$node" ${flags} "\\$root/collector/dist/cli.js" "\\$@"`),
    "scripts/bundle.sh: bin/ibsr-collect must exec node with NODE_FLAGS",
  );
});
