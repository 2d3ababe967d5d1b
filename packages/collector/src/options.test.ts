import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { EnvironmentError, UsageError } from "./errors.js";
import {
  DEFAULTS,
  estimateKernelMemory,
  formatBytes,
  type OptionDeps,
  parseBytes,
  parseDuration,
  parseRunOptions,
  type RawRunArgs,
} from "./options.js";

// The machine-facing parts pinned, so each case is about the flag rules alone.
const deps: OptionDeps = {
  resolveDefaultIface: () => ({ iface: "eth9", family: 4 }),
  requireIface: (name) => {
    if (name === "eth9" || name === "veth-a") return 7;
    throw new EnvironmentError("iface.lookup", `network interface "${name}" does not exist`);
  },
  hostname: () => "host-a",
  defaultObjectPath: () => "/opt/ibsr/ibsr.bpf.o",
  fileExists: (p) => p === "/opt/ibsr/ibsr.bpf.o" || p === "/tmp/other.o",
};

describe("parseRunOptions: argv values to options", () => {
  const cases: { name: string; raw: RawRunArgs; expect: Partial<ReturnType<typeof parseRunOptions>> }[] = [
    {
      name: "defaults with one port",
      raw: { dstPort: "443" },
      expect: {
        iface: "eth9",
        ifindex: 7,
        ifaceSource: "default-route-ipv4",
        dstPorts: [443],
        outDir: DEFAULTS.outDir,
        snapshotIntervalSec: 60,
        mapSize: 100_000,
        maxKernelMem: 512 * 1024 * 1024,
        kernelMemEstimate: estimateKernelMemory(100_000),
        ipv6PrefixLen: 64,
        maxFiles: 10_080,
        maxAgeSec: 7 * 86_400,
        durationSec: null,
        xdpMode: "auto",
        host: "host-a",
        logLevel: "info",
        jsonLogs: false,
        object: "/opt/ibsr/ibsr.bpf.o",
      },
    },
    {
      name: "-p repeated and --dst-ports merged, sorted",
      raw: { dstPort: ["8899", "22"], dstPorts: ["443,80", "1"] },
      expect: { dstPorts: [1, 22, 80, 443, 8899] },
    },
    {
      name: "many ports (no limit of 8)",
      raw: { dstPorts: "1,2,3,4,5,6,7,8,9,10,11,12" },
      expect: { dstPorts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
    },
    { name: "spaces around list items", raw: { dstPorts: " 80 , 443" }, expect: { dstPorts: [80, 443] } },
    { name: "port 65535", raw: { dstPort: 65535 }, expect: { dstPorts: [65535] } },
    {
      name: "named iface",
      raw: { dstPort: "1", iface: "veth-a" },
      expect: { iface: "veth-a", ifaceSource: "flag" },
    },
    {
      name: "fractional interval",
      raw: { dstPort: "1", snapshotIntervalSec: "0.5", maxAge: "1h" },
      expect: { snapshotIntervalSec: 0.5, maxAgeSec: 3600 },
    },
    {
      name: "map size and memory",
      raw: { dstPort: "1", mapSize: "2000000", maxKernelMem: "1G" },
      expect: { mapSize: 2_000_000, maxKernelMem: 1024 ** 3 },
    },
    { name: "prefix len", raw: { dstPort: "1", ipv6PrefixLen: "128" }, expect: { ipv6PrefixLen: 128 } },
    {
      name: "retention",
      raw: { dstPort: "1", maxFiles: "5", maxAge: "2d" },
      expect: { maxFiles: 5, maxAgeSec: 172_800 },
    },
    { name: "duration 0", raw: { dstPort: "1", durationSec: "0" }, expect: { durationSec: 0 } },
    { name: "duration 2.5", raw: { dstPort: "1", durationSec: "2.5" }, expect: { durationSec: 2.5 } },
    { name: "xdp generic", raw: { dstPort: "1", xdpMode: "generic" }, expect: { xdpMode: "generic" } },
    {
      name: "host flag",
      raw: { dstPort: "1", host: "edge-01.example" },
      expect: { host: "edge-01.example" },
    },
    { name: "verbose", raw: { dstPort: "1", verbose: true }, expect: { logLevel: "debug" } },
    {
      name: "quiet + json",
      raw: { dstPort: "1", quiet: true, jsonLogs: true },
      expect: { logLevel: "warn", jsonLogs: true },
    },
    {
      name: "object flag",
      raw: { dstPort: "1", object: "/tmp/other.o" },
      expect: { object: "/tmp/other.o" },
    },
    { name: "no metrics textfile by default", raw: { dstPort: "1" }, expect: { metricsTextfile: null } },
    {
      name: "metrics textfile",
      raw: { dstPort: "1", metricsTextfile: "/var/lib/prometheus/node-exporter/ibsr.prom" },
      expect: { metricsTextfile: "/var/lib/prometheus/node-exporter/ibsr.prom" },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const opts = parseRunOptions(c.raw, deps);
      for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(opts[k as keyof typeof opts], v, k);
    });
  }

  test("IPv6 default route is named as the source", () => {
    const opts = parseRunOptions(
      { dstPort: "1" },
      { ...deps, resolveDefaultIface: () => ({ iface: "eth9", family: 6 }) },
    );
    assert.equal(opts.ifaceSource, "default-route-ipv6");
  });

  test("out dir becomes absolute", () => {
    const opts = parseRunOptions({ dstPort: "1", outDir: "rel/snaps" }, deps);
    assert.equal(opts.outDir, join(process.cwd(), "rel/snaps"));
  });
});

describe("parseRunOptions: every bad value names the flag, the value and the rule", () => {
  const cases: { name: string; raw: RawRunArgs; flag: string; match: RegExp }[] = [
    { name: "no port", raw: {}, flag: "-p/--dst-port", match: /at least one destination port/ },
    {
      name: "metrics textfile not *.prom",
      raw: { dstPort: "1", metricsTextfile: "/tmp/ibsr.txt" },
      flag: "--metrics-textfile",
      match: /must end in \.prom: node_exporter/,
    },
    {
      name: "metrics textfile given a directory",
      raw: { dstPort: "1", metricsTextfile: "/" },
      flag: "--metrics-textfile",
      match: /must end in \.prom/,
    },
    {
      name: "port 0",
      raw: { dstPort: "0" },
      flag: "-p/--dst-port",
      match: /"0": a port must be from 1 to 65535/,
    },
    { name: "port 65536", raw: { dstPort: "65536" }, flag: "-p/--dst-port", match: /65536/ },
    {
      name: "port text",
      raw: { dstPort: "http" },
      flag: "-p/--dst-port",
      match: /"http": a port must be an integer/,
    },
    { name: "negative port", raw: { dstPort: "-1" }, flag: "-p/--dst-port", match: /integer/ },
    { name: "fractional port", raw: { dstPort: "80.5" }, flag: "-p/--dst-port", match: /integer/ },
    {
      name: "duplicate in -p",
      raw: { dstPort: ["80", "80"] },
      flag: "-p/--dst-port",
      match: /duplicate destination port 80/,
    },
    {
      name: "duplicate across flags",
      raw: { dstPort: "443", dstPorts: "22,443" },
      flag: "--dst-ports",
      match: /duplicate destination port 443 \(already given by -p\/--dst-port\)/,
    },
    { name: "empty list item", raw: { dstPorts: "22,,80" }, flag: "--dst-ports", match: /empty item/ },
    { name: "empty list", raw: { dstPorts: "" }, flag: "--dst-ports", match: /comma-separated/ },
    {
      name: "interval 0",
      raw: { dstPort: "1", snapshotIntervalSec: "0" },
      flag: "--snapshot-interval-sec",
      match: /from 0.1 to 86400/,
    },
    {
      name: "interval text",
      raw: { dstPort: "1", snapshotIntervalSec: "1m" },
      flag: "--snapshot-interval-sec",
      match: /must be a number/,
    },
    {
      name: "map size 1 (each flow map needs an entry)",
      raw: { dstPort: "1", mapSize: "1" },
      flag: "--map-size",
      match: /from 2 to 2000000/,
    },
    {
      name: "map size too big",
      raw: { dstPort: "1", mapSize: "2000001" },
      flag: "--map-size",
      match: /2000001.*from 2 to 2000000/,
    },
    { name: "map size 1e5", raw: { dstPort: "1", mapSize: "1e5" }, flag: "--map-size", match: /integer/ },
    {
      name: "map over kernel memory",
      raw: { dstPort: "1", mapSize: "1000000", maxKernelMem: "64M" },
      flag: "--max-kernel-mem",
      match:
        /--map-size 1000000 needs about 149\.8 MiB of kernel memory \(157 B per entry\), more than the 64 MiB allowed/,
    },
    {
      name: "bad memory size",
      raw: { dstPort: "1", maxKernelMem: "lots" },
      flag: "--max-kernel-mem",
      match: /size in bytes/,
    },
    {
      name: "prefix 0",
      raw: { dstPort: "1", ipv6PrefixLen: "0" },
      flag: "--ipv6-prefix-len",
      match: /from 1 to 128/,
    },
    {
      name: "prefix 129",
      raw: { dstPort: "1", ipv6PrefixLen: "129" },
      flag: "--ipv6-prefix-len",
      match: /from 1 to 128/,
    },
    { name: "max files 0", raw: { dstPort: "1", maxFiles: "0" }, flag: "--max-files", match: /from 1 to/ },
    { name: "max age 0", raw: { dstPort: "1", maxAge: "0" }, flag: "--max-age", match: /at least 1 second/ },
    { name: "max age unit", raw: { dstPort: "1", maxAge: "7w" }, flag: "--max-age", match: /s, m, h or d/ },
    {
      name: "max age below interval",
      raw: { dstPort: "1", maxAge: "30s" },
      flag: "--max-age",
      match: /at least the snapshot interval \(60 s\)/,
    },
    {
      name: "negative duration",
      raw: { dstPort: "1", durationSec: "-5" },
      flag: "--duration-sec",
      match: /from 0/,
    },
    {
      name: "xdp mode",
      raw: { dstPort: "1", xdpMode: "offload" },
      flag: "--xdp-mode",
      match: /one of auto, native, generic/,
    },
    { name: "host with slash", raw: { dstPort: "1", host: "a/b" }, flag: "--host", match: /letters, digits/ },
    { name: "host dot-dot", raw: { dstPort: "1", host: ".." }, flag: "--host", match: /letters, digits/ },
    {
      name: "iface with slash",
      raw: { dstPort: "1", iface: "../eth0" },
      flag: "-i/--iface",
      match: /interface name/,
    },
    {
      name: "iface too long",
      raw: { dstPort: "1", iface: "a234567890123456" },
      flag: "-i/--iface",
      match: /1-15 characters/,
    },
    {
      name: "verbose and quiet",
      raw: { dstPort: "1", verbose: true, quiet: true },
      flag: "-v/--verbose",
      match: /contradict/,
    },
    {
      name: "object missing",
      raw: { dstPort: "1", object: "/nope.o" },
      flag: "--object",
      match: /no such file/,
    },
    {
      name: "interval twice",
      raw: { dstPort: "1", snapshotIntervalSec: ["5", "6"] },
      flag: "--snapshot-interval-sec",
      match: /only once/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      let requiredIface = false;
      assert.throws(
        () =>
          parseRunOptions(c.raw, {
            ...deps,
            requireIface: (n) => {
              requiredIface = true;
              return deps.requireIface!(n);
            },
          }),
        (err: unknown) => {
          assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
          assert.equal(err.flag, c.flag);
          assert.match(err.message, c.match);
          assert.equal(err.exitCode, 2);
          return true;
        },
      );
      // Usage errors come before anything touches the machine (interface lookup).
      assert.equal(requiredIface, false);
    });
  }

  test("--max-kernel-mem too small for any map: the hint never suggests a map size below 1", () => {
    for (const mem of ["1K", "64K", String(64 * 1024 + 156)]) {
      assert.throws(
        () => parseRunOptions({ dstPort: "1", maxKernelMem: mem }, deps),
        (err: unknown) => {
          assert.ok(err instanceof UsageError);
          assert.equal(err.flag, "--max-kernel-mem");
          assert.doesNotMatch(err.hint ?? "", /at most -|at most 0\b/, err.hint);
          assert.match(err.hint ?? "", /no --map-size fits/, err.hint);
          assert.match(err.hint ?? "", /raise --max-kernel-mem to at least \d/, err.hint);
          return true;
        },
      );
    }
    // Just enough for two entries (one per flow map, the least --map-size): the hint names 2.
    assert.throws(
      () => parseRunOptions({ dstPort: "1", mapSize: "3", maxKernelMem: String(64 * 1024 + 2 * 157) }, deps),
      (err: unknown) => err instanceof UsageError && /at most 2 or raise/.test(err.hint ?? ""),
    );
  });

  test("a missing interface is an environment error (exit 3)", () => {
    assert.throws(
      () => parseRunOptions({ dstPort: "1", iface: "nosuch0" }, deps),
      (err: unknown) => err instanceof EnvironmentError && err.exitCode === 3 && /nosuch0/.test(err.message),
    );
  });

  test("a missing default object is an environment error with a build hint", () => {
    assert.throws(
      () => parseRunOptions({ dstPort: "1" }, { ...deps, fileExists: () => false }),
      (err: unknown) =>
        err instanceof EnvironmentError &&
        /BPF object not found at \/opt\/ibsr\/ibsr\.bpf\.o/.test(err.message) &&
        /make -C bpf/.test(err.hint ?? ""),
    );
  });

  test("an out dir that is a file is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-opt-"));
    try {
      const file = join(dir, "f");
      writeFileSync(file, "x");
      assert.throws(() => parseRunOptions({ dstPort: "1", outDir: file }, deps), /not a directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("size and duration parsers", () => {
  test("bytes", () => {
    assert.equal(parseBytes("--x", "1024"), 1024);
    assert.equal(parseBytes("--x", "64k"), 65_536);
    assert.equal(parseBytes("--x", "512M"), 512 * 1024 ** 2);
    assert.equal(parseBytes("--x", "512MiB"), 512 * 1024 ** 2);
    assert.equal(parseBytes("--x", "1.5G"), 1.5 * 1024 ** 3);
    assert.throws(() => parseBytes("--x", "1X"), UsageError);
    assert.throws(() => parseBytes("--x", "0"), /at least 1 byte/);
  });
  test("durations", () => {
    assert.equal(parseDuration("--x", "90"), 90);
    assert.equal(parseDuration("--x", "90s"), 90);
    assert.equal(parseDuration("--x", "15m"), 900);
    assert.equal(parseDuration("--x", "12h"), 43_200);
    assert.equal(parseDuration("--x", "7d"), 604_800);
    assert.throws(() => parseDuration("--x", "7 days"), UsageError);
  });
  test("kernel memory figure", () => {
    assert.equal(estimateKernelMemory(1_000_000), 157_000_000 + 65_536);
    assert.equal(formatBytes(512 * 1024 * 1024), "512 MiB");
    assert.equal(formatBytes(1536), "1.5 KiB");
  });
});
