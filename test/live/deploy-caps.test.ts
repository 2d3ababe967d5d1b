// ibsr-collect.service's capability set is exactly enough, and every part of it is needed. The collector
// runs as an unprivileged user (nobody) through setpriv with EXACTLY the capabilities parsed from
// deploy/ibsr-collect.service (ambient + bounding, all others gone), on a veth in namespaces created
// here: it attaches, counts real TCP traffic, writes snapshots and exits 0 on SIGTERM, leaving nothing
// attached. With any one capability taken away it exits 3 with an error naming the failing step, the
// errno and a hint, and nothing is attached or written.
import assert from "node:assert/strict";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  type NetnsPair,
  NetnsPair as Pair,
  parquetFilesIn as parquetFiles,
  parseLogs,
  REPO_ROOT,
  type Tracked,
  waitFor,
  xdpOnServer,
} from "../../lab/netns.js";
import { ExitCode } from "../../packages/collector/src/exit-codes.js";
import { requireLive } from "../harness/live.js";

const NOBODY = 65534;
const PORT = 8443;

/** The capabilities the unit grants, e.g. ["CAP_BPF", "CAP_NET_ADMIN"]; ambient and bounding must agree. */
export function unitCapabilities(): string[] {
  const text = readFileSync(join(REPO_ROOT, "deploy", "ibsr-collect.service"), "utf8");
  const get = (key: string) => {
    const m = new RegExp(`^${key}=(.*)$`, "m").exec(text);
    if (!m?.[1]) throw new Error(`deploy/ibsr-collect.service has no ${key}=`);
    return m[1].trim().split(/\s+/).sort();
  };
  const ambient = get("AmbientCapabilities");
  assert.deepEqual(ambient, get("CapabilityBoundingSet"), "unit: ambient and bounding sets differ");
  return ambient;
}

/** setpriv argv: uid/gid nobody, no groups, exactly `caps` (inheritable, ambient, bounding). */
function setprivArgv(caps: string[]): string[] {
  const list = caps.map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`).join(",");
  return [
    "/usr/bin/setpriv",
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    "--clear-groups",
    `--inh-caps=-all${list ? `,${list}` : ""}`,
    `--ambient-caps=-all${list ? `,${list}` : ""}`,
    `--bounding-set=-all${list ? `,${list}` : ""}`,
  ];
}

/** Effective capability bits of a running process (from /proc/<pid>/status). */
function capEff(pid: number): bigint {
  const m = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return BigInt(`0x${m?.[1] ?? "0"}`);
}

const CAP_BITS: Record<string, number> = {
  CAP_NET_ADMIN: 12,
  CAP_SYS_ADMIN: 21,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
};

function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), `ibsr-caps-${process.pid}-`));
  chownSync(d, NOBODY, NOBODY);
  return d;
}

// nobody must reach the checkout, but a CI clone may sit below a 0700 folder. So the collector runs from a
// bind mount of the checkout under /tmp, made in a private mount namespace of that one process (unshare
// and sh exec in place, so the tracked PID is the collector's).
const MNT = join(tmpdir(), `ibsr-caps-repo-${process.pid}`);
const MOUNT_AND_EXEC = 'mount --bind "$1" "$2" && cd "$2" && shift 2 && exec "$@"';

function spawnRestricted(pair: NetnsPair, caps: string[], out: string, extra: string[]): Tracked {
  const args = [
    "run",
    "-i",
    pair.serverIf,
    "-o",
    out,
    "--host",
    "test",
    "--json-logs",
    "-p",
    String(PORT),
    ...extra,
  ];
  const cli = join(MNT, "packages", "collector", "src", "cli.ts");
  const mountThenExec = [
    "/usr/bin/unshare",
    "--mount",
    "--propagation",
    "private",
    "/bin/sh",
    "-c",
    MOUNT_AND_EXEC,
  ];
  const argv = [
    ...mountThenExec,
    "sh",
    REPO_ROOT,
    MNT,
    ...setprivArgv(caps),
    process.execPath,
    "--import",
    "tsx",
    cli,
  ];
  return pair.spawn(pair.server, [...argv, ...args], { cwd: REPO_ROOT });
}

before(() => mkdirSync(MNT, { recursive: true, mode: 0o755 }));
after(() => rmSync(MNT, { recursive: true, force: true }));

test("the unit's capabilities alone: attach, count, snapshot, exit 0 on SIGTERM, nothing left", async (t) => {
  if (!requireLive(t)) return;
  const caps = unitCapabilities();
  assert.ok(caps.includes("CAP_BPF") && caps.includes("CAP_NET_ADMIN"), `unit grants ${caps.join(" ")}`);
  const pair = await Pair.create();
  const out = outDir();
  try {
    const server = await pair.startTcpServer(PORT);
    const proc = spawnRestricted(pair, caps, out, ["--snapshot-interval-sec", "0.5"]);
    const logs = () => parseLogs(proc.stderr());
    await waitFor(
      () => {
        if (proc.child.exitCode !== null)
          throw new Error(`collector exited ${proc.child.exitCode}: ${proc.stderr()}`);
        return logs().some((l) => l.event === "run.start");
      },
      30_000,
      () => proc.stderr(),
    );
    // Really unprivileged: uid nobody, and the effective set is exactly the unit's.
    const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
    assert.match(status, new RegExp(`^Uid:\\s+${NOBODY}\\s+${NOBODY}\\s+${NOBODY}\\s+${NOBODY}$`, "m"));
    const want = caps.reduce((acc, c) => {
      const bit = CAP_BITS[c];
      assert.ok(bit !== undefined, `no bit known for ${c}`);
      return acc | (1n << BigInt(bit));
    }, 0n);
    assert.equal(capEff(proc.pid).toString(16), want.toString(16), "CapEff is exactly the unit's set");
    assert.equal(readlinkSync(`/proc/${proc.pid}/cwd`), MNT, "runs from the bind mount");

    const xdp = (await xdpOnServer(pair)) as { prog?: { name: string } }[];
    assert.equal(xdp.length, 1, "one XDP program attached");
    assert.equal(xdp[0]?.prog?.name, "ibsr_xdp");

    const conns = await pair.tcpConnections(4, PORT, 5, 2000);
    assert.ok(
      conns.every((c) => c.sent === c.received),
      "traffic passes unchanged",
    );
    const hb = join(out, "host=test", `status-${pair.serverIf}.jsonl`);
    const matched = () =>
      (existsSync(hb) ? readFileSync(hb, "utf8") : "")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => Number((JSON.parse(l) as { matchedPackets?: number }).matchedPackets ?? 0))
        .reduce((a, b) => Math.max(a, b), 0);
    await waitFor(
      () => matched() >= 5 * 3,
      20_000,
      () => `matched ${matched()} packets`,
    );

    proc.kill("SIGTERM");
    const r = await proc.exited;
    assert.equal(r.code, 0, `exit after SIGTERM: ${r.code ?? r.signal}\n${r.stderr}`);
    assert.ok(logs().some((l) => l.event === "run.detached"));
    assert.deepEqual(await xdpOnServer(pair), [], "nothing attached after exit");
    const files = parquetFiles(out);
    assert.ok(files.length >= 2, `snapshots written: ${files.join(", ")}`);
    assert.ok(
      logs().every((l) => l.level !== "error"),
      `no error lines: ${proc.stderr()}`,
    );
    await server.stop();
  } finally {
    await pair.close();
    rmSync(out, { recursive: true, force: true });
  }
});

test("one capability fewer: a clear error, exit 3, nothing attached, nothing written", async (t) => {
  if (!requireLive(t)) return;
  const caps = unitCapabilities();
  const pair = await Pair.create();
  try {
    for (const missing of caps) {
      const out = outDir();
      try {
        const fewer = caps.filter((c) => c !== missing);
        const proc = spawnRestricted(pair, fewer, out, ["--duration-sec", "0"]);
        // Bounded: a run that hangs is ended by PID and fails the assertion on its exit code.
        const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
        const r = await proc.exited.finally(() => clearTimeout(timer));
        const logs = parseLogs(r.stderr);
        assert.equal(r.code, ExitCode.ENVIRONMENT, `without ${missing}: exit ${r.code}\n${r.stderr}`);
        const failed = logs.find((l) => l.event === "run.failed");
        assert.ok(failed, `without ${missing}: no run.failed line\n${r.stderr}`);
        assert.match(String(failed.errno), /^(EPERM|EACCES)$/, `without ${missing}: errno ${failed.errno}`);
        assert.ok(typeof failed.op === "string" && failed.op.length > 0, "names the failing step");
        assert.ok(
          String(failed.hint).includes(missing),
          `without ${missing}: the hint should name it: ${failed.hint}`,
        );
        assert.deepEqual(await xdpOnServer(pair), [], `without ${missing}: nothing may be attached`);
        assert.deepEqual(parquetFiles(out), [], `without ${missing}: nothing may be written`);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  } finally {
    await pair.close();
  }
});

test("XDP busy under the unit's capabilities: exit 3 with op xdp.busy naming the holder, not an EPERM", async (t) => {
  if (!requireLive(t)) return;
  const caps = unitCapabilities();
  const pair = await Pair.create();
  const out = outDir();
  try {
    // Another XDP program (a pass-only one, attached by ip as root) already holds the interface.
    const passOnly = join(REPO_ROOT, "bpf", "build", "passonly.bpf.o");
    assert.ok(existsSync(passOnly), `${passOnly} missing: run make -C bpf`);
    const ip = await pair.run(pair.server, [
      "/usr/sbin/ip",
      "link",
      "set",
      "dev",
      pair.serverIf,
      "xdp",
      "obj",
      passOnly,
      "sec",
      "xdp",
    ]);
    assert.equal(ip.code, 0, ip.stderr);
    const holder = (await xdpOnServer(pair)) as { prog?: { id: number } }[];
    const id = holder[0]?.prog?.id;
    assert.ok(id, "the pass-only program is attached");

    const proc = spawnRestricted(pair, caps, out, ["--duration-sec", "0"]);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
    const r = await proc.exited.finally(() => clearTimeout(timer));
    assert.equal(r.code, ExitCode.ENVIRONMENT, r.stderr);
    const failed = parseLogs(r.stderr).find((l) => l.event === "run.failed");
    assert.equal(failed?.op, "xdp.busy", r.stderr);
    assert.equal(failed?.errno, "EBUSY");
    assert.match(String(failed?.error), new RegExp(`\\(id ${id}\\b`), "names the holder by id");
    const after = (await xdpOnServer(pair)) as { prog?: { id: number } }[];
    assert.equal(after[0]?.prog?.id, id, "the other program is left alone");
    assert.deepEqual(parquetFiles(out), []);
  } finally {
    await pair.close();
    rmSync(out, { recursive: true, force: true });
  }
});
