// A pair of network namespaces joined by one veth pair, for live XDP tests, benchmarks, the demo and the
// deploy measurements. Both ends live in namespaces created here, so spoofed sources are never answered
// through the host's default route, and no interface outside them is touched. Only 198.18.0.0/15 and
// 2001:2::/48 are used. Every process started here is recorded and ended by PID; close() removes
// everything, and is safe to call twice.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { heartbeatRelativePath, SNAPSHOT_GLOB } from "@ibsr/contract";
import { NODE_FLAGS } from "../packages/collector/src/node-flags.js";

/** Result of a finished command. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command (by its PID) after this long; the result then has signal SIGKILL. Default 30 s. */
  timeoutMs?: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A process started in a namespace and still tracked by the pair. */
export interface Tracked {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<RunResult>;
  /** Sends a signal to this PID only (no-op once exited). */
  kill(signal?: NodeJS.Signals): void;
}

const IP = "/usr/sbin/ip";
const PYTHON = "/usr/bin/python3";

let sequence = 0;

/** Runs a command outside any namespace (for `ip netns add` and the like), bounded in time. */
export function runHost(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return collect(startProcess(argv, opts), opts.timeoutMs ?? 30_000);
}

function startProcess(argv: string[], opts: RunOptions): ChildProcess {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error("startProcess: empty argv");
  const child = spawn(cmd, args, {
    stdio: ["pipe", "pipe", "pipe"],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  else child.stdin?.end();
  return child;
}

function collect(child: ChildProcess, timeoutMs: number): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, "SIGKILL");
      }
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function must(p: Promise<RunResult>, what: string): Promise<RunResult> {
  const r = await p;
  if (r.code !== 0) {
    throw new Error(`${what} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r;
}

export type Family = 4 | 6;

export interface TcpServer {
  port: number;
  proc: Tracked;
  /** One line per finished connection, as the server reported it. */
  connections(): { remote: string; bytes: number; sha256: string }[];
  stop(): Promise<void>;
}

/** A parsed summary of `/proc/net/snmp` "Tcp:" counters of a namespace (shared by IPv4 and IPv6). */
export type TcpSnmp = Record<string, number>;

export class NetnsPair {
  readonly id: string;
  /** The namespace that sends (clients, spoofed sources). */
  readonly client: string;
  /** The namespace with the listener and the monitored interface. */
  readonly server: string;
  readonly clientIf: string;
  readonly serverIf: string;
  readonly clientV4 = "198.18.0.2";
  readonly serverV4 = "198.18.0.1";
  readonly clientV6 = "2001:2::2";
  readonly serverV6 = "2001:2::1";
  clientMac = "";
  serverMac = "";
  private readonly procs = new Map<number, Tracked>();
  private created: string[] = [];
  private closed = false;

  private constructor(n: number) {
    const pid = process.pid;
    this.id = `${pid}-${n}`;
    this.client = `ibsr-${pid}-${2 * n}`;
    this.server = `ibsr-${pid}-${2 * n + 1}`;
    // Interface names are at most 15 characters.
    this.clientIf = `ic${pid}x${n}`.slice(0, 15);
    this.serverIf = `is${pid}x${n}`.slice(0, 15);
  }

  /**
   * Creates both namespaces, the veth pair between them, addresses, static neighbours (no ARP/NDP
   * traffic, so packet counts are exact) and, by default, turns segmentation offloads off on the client
   * side so every TCP segment crosses the veth as one packet, as on a wire.
   */
  static async create(opts: { offloads?: boolean } = {}): Promise<NetnsPair> {
    if (process.getuid?.() !== 0) {
      throw new Error("NetnsPair.create: needs root (ip netns add, veth, XDP); call requireLive(t) first");
    }
    const pair = new NetnsPair(sequence++);
    try {
      await pair.setup(opts.offloads ?? false);
    } catch (err) {
      await pair.close();
      throw err;
    }
    return pair;
  }

  private async setup(offloads: boolean): Promise<void> {
    for (const ns of [this.client, this.server]) {
      await must(runHost([IP, "netns", "add", ns]), `ip netns add ${ns}`);
      this.created.push(ns);
    }
    // Created directly inside the namespaces: the host's own namespace never sees these links.
    await must(
      runHost([
        IP,
        "link",
        "add",
        this.clientIf,
        "netns",
        this.client,
        "type",
        "veth",
        "peer",
        "name",
        this.serverIf,
        "netns",
        this.server,
      ]),
      "ip link add veth",
    );
    const side = [
      { ns: this.client, dev: this.clientIf, v4: this.clientV4, v6: this.clientV6 },
      { ns: this.server, dev: this.serverIf, v4: this.serverV4, v6: this.serverV6 },
    ];
    for (const s of side) {
      await must(this.run(s.ns, [IP, "link", "set", "lo", "up"]), "lo up");
      await must(this.run(s.ns, [IP, "addr", "add", `${s.v4}/24`, "dev", s.dev]), "addr v4");
      await must(this.run(s.ns, [IP, "-6", "addr", "add", `${s.v6}/64`, "dev", s.dev, "nodad"]), "addr v6");
      await must(this.run(s.ns, [IP, "link", "set", s.dev, "up"]), "link up");
    }
    this.clientMac = await this.mac(this.client, this.clientIf);
    this.serverMac = await this.mac(this.server, this.serverIf);
    const neigh = (ns: string, dev: string, addr: string, mac: string) =>
      must(
        this.run(ns, [IP, "neigh", "replace", addr, "lladdr", mac, "dev", dev, "nud", "permanent"]),
        "ip neigh",
      );
    await neigh(this.client, this.clientIf, this.serverV4, this.serverMac);
    await neigh(this.client, this.clientIf, this.serverV6, this.serverMac);
    await neigh(this.server, this.serverIf, this.clientV4, this.clientMac);
    await neigh(this.server, this.serverIf, this.clientV6, this.clientMac);
    // IPv6 link-local traffic (router solicitations, MLD) would also cross the veth; none of it is TCP,
    // but keep the link quiet anyway.
    for (const s of side) {
      await this.run(s.ns, ["/usr/sbin/sysctl", "-qw", `net.ipv6.conf.${s.dev}.router_solicitations=0`]);
    }
    if (!offloads) {
      await this.run(this.client, ["/usr/sbin/ethtool", "-K", this.clientIf, "tso", "off", "gso", "off"]);
      await this.run(this.server, ["/usr/sbin/ethtool", "-K", this.serverIf, "tso", "off", "gso", "off"]);
    }
  }

  private async mac(ns: string, dev: string): Promise<string> {
    const r = await must(this.run(ns, [IP, "-j", "link", "show", "dev", dev]), "ip link show");
    const info = JSON.parse(r.stdout) as { address: string }[];
    const addr = info[0]?.address;
    if (!addr) throw new Error(`no MAC address for ${dev} in ${ns}`);
    return addr;
  }

  /** Runs a command inside a namespace, bounded in time. */
  run(ns: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    const p = this.spawn(ns, argv, opts);
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    return p.exited.finally(() => clearTimeout(timer));
  }

  /** Starts a long-running command inside a namespace; tracked until it exits or close() ends it. */
  spawn(ns: string, argv: string[], opts: RunOptions = {}): Tracked {
    // `ip netns exec` execs the command in place, so this PID is the command's own PID.
    const child = startProcess([IP, "netns", "exec", ns, ...argv], opts);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${argv.join(" ")} in ${ns}`);
    let out = "";
    let err = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    const exited = new Promise<RunResult>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => {
        this.procs.delete(pid);
        resolve({ code, signal, stdout: out, stderr: err });
      });
    });
    const tracked: Tracked = {
      child,
      pid,
      stdout: () => out,
      stderr: () => err,
      exited,
      kill: (signal = "SIGTERM") => {
        if (child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(pid, signal);
          } catch {
            // already gone
          }
        }
      },
    };
    this.procs.set(pid, tracked);
    return tracked;
  }

  /** A TCP listener on `::` (IPv4 and IPv6) in the server namespace: hashes what each connection sends. */
  async startTcpServer(port: number): Promise<TcpServer> {
    const proc = this.spawn(this.server, [process.execPath, "-e", SERVER_JS, String(port)]);
    await waitFor(
      () => proc.stdout().includes("listening\n"),
      10_000,
      () => `tcp server: ${proc.stderr()}`,
    );
    return {
      port,
      proc,
      connections: () =>
        proc
          .stdout()
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as { remote: string; bytes: number; sha256: string }),
      stop: async () => {
        proc.kill("SIGTERM");
        await proc.exited;
      },
    };
  }

  /**
   * Opens `connections` real TCP connections one after another from the client namespace, each sending
   * `bytes` bytes of a deterministic pattern, half-closing and reading the server's digest back.
   * Returns the sha256 of what each connection sent and what the server said it received.
   */
  async tcpConnections(
    family: Family,
    port: number,
    connections: number,
    bytes: number,
  ): Promise<{ sent: string; received: string }[]> {
    if (connections > 10_000) throw new Error("tcpConnections: bounded at 10 000");
    const host = family === 4 ? this.serverV4 : this.serverV6;
    const r = await this.run(
      this.client,
      [process.execPath, "-e", CLIENT_JS, host, String(port), String(connections), String(bytes)],
      { timeoutMs: 120_000 },
    );
    if (r.code !== 0) throw new Error(`tcp client failed (${r.code ?? r.signal}): ${r.stderr}`);
    return r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { sent: string; received: string });
  }

  /**
   * Sends `perSource` raw TCP segments (SYN by default) from each given spoofed source address to the
   * server's address and `port`, as Ethernet frames on the client veth (AF_PACKET), so no routing or
   * neighbour lookup is involved. Sources must be in 198.18.0.0/15 or 2001:2::/48; the total is bounded.
   * Every IPv4 frame's IP total length is 40, every IPv6 frame's 60 (payload 20 + 40).
   */
  async sendRawSegments(opts: {
    sources: string[];
    port: number;
    perSource: number;
    flags?: "S" | "SA" | "A" | "R" | "F";
  }): Promise<void> {
    const total = opts.sources.length * opts.perSource;
    if (total > 500_000) throw new Error(`sendRawSegments: ${total} frames is over the 500 000 bound`);
    for (const s of opts.sources) {
      if (!inTestRanges(s)) throw new Error(`sendRawSegments: ${s} is outside 198.18.0.0/15 and 2001:2::/48`);
    }
    const spec = JSON.stringify({
      dev: this.clientIf,
      src_mac: this.clientMac,
      dst_mac: this.serverMac,
      dst4: this.serverV4,
      dst6: this.serverV6,
      port: opts.port,
      per_source: opts.perSource,
      flags: opts.flags ?? "S",
      sources: opts.sources,
    });
    const r = await this.run(this.client, [PYTHON, "-c", RAW_SENDER_PY], {
      input: spec,
      timeoutMs: 120_000,
    });
    if (r.code !== 0) throw new Error(`raw sender failed (${r.code ?? r.signal}): ${r.stderr}`);
    const sent = Number(r.stdout.trim());
    if (sent !== total) throw new Error(`raw sender sent ${sent} frames, expected ${total}`);
  }

  /**
   * TCP counters of a namespace: `Tcp:` of /proc/net/snmp (IPv4 and IPv6 together; OutSegs excludes
   * retransmissions, RetransSegs counts them) merged with `TcpExt:` of /proc/net/netstat (TCPSynRetrans...).
   */
  async tcpSnmp(ns: string): Promise<TcpSnmp> {
    const r = await must(this.run(ns, ["/usr/bin/cat", "/proc/net/snmp", "/proc/net/netstat"]), "read snmp");
    const out: TcpSnmp = {};
    for (const prefix of ["Tcp:", "TcpExt:"]) {
      const lines = r.stdout.split("\n").filter((l) => l.startsWith(prefix));
      const names = (lines[0] ?? "").split(/\s+/).slice(1);
      const values = (lines[1] ?? "").split(/\s+/).slice(1);
      names.forEach((n, i) => {
        out[n] = Number(values[i]);
      });
    }
    return out;
  }

  /** `ip -j -d link show dev <serverIf>` in the server namespace: the `xdp` attribute tells what is attached. */
  async serverLink(): Promise<
    { xdp?: { mode: number; prog?: { id: number; name: string } } } & Record<string, unknown>
  > {
    const r = await must(
      this.run(this.server, [IP, "-j", "-d", "link", "show", "dev", this.serverIf]),
      "ip link",
    );
    const arr = JSON.parse(r.stdout) as Record<string, unknown>[];
    return (arr[0] ?? {}) as { xdp?: { mode: number; prog?: { id: number; name: string } } };
  }

  /** Ends every still-running process this pair started (by PID), then deletes both namespaces. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const running = [...this.procs.values()];
    for (const p of running) p.kill("SIGKILL");
    await Promise.all(running.map((p) => Promise.race([p.exited.catch(() => undefined), delay(5000)])));
    // Deleting a namespace deletes the veth pair with it.
    for (const ns of this.created.reverse()) {
      await runHost([IP, "netns", "del", ns]).catch(() => undefined);
    }
    this.created = [];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 20 ms until it holds or `timeoutMs` passes (then throws, with `why()` if given). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, why?: () => string) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms${why ? `: ${why()}` : ""}`);
    await delay(20);
  }
}

/** True when `addr` lies in 198.18.0.0/15 or 2001:2::/48, the only ranges tests may use. */
export function inTestRanges(addr: string): boolean {
  if (isIP(addr) === 6) {
    const [head = "", tail = ""] = addr.toLowerCase().split("::");
    const h = head === "" ? [] : head.split(":");
    const t = addr.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t].map((g) =>
      Number.parseInt(g, 16),
    );
    return groups[0] === 0x2001 && groups[1] === 2 && groups[2] === 0;
  }
  if (isIP(addr) !== 4) return false;
  const parts = addr.split(".").map(Number);
  return parts[0] === 198 && (parts[1] === 18 || parts[1] === 19);
}

/**
 * Runs `body` with a fresh NetnsPair and an empty temp dir (ibsr-live-<tag>-…), and removes both afterwards
 * whatever happens: the preamble of every live collector test.
 */
export async function withPair<T>(
  tag: string,
  body: (pair: NetnsPair, dir: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `ibsr-live-${tag}-`));
  try {
    const pair = await NetnsPair.create();
    try {
      return await body(pair, dir);
    } finally {
      await pair.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `count` distinct spoofed IPv4 sources: 198.19.0.0/16 first, then 198.18.1.0 - 198.18.255.255 (never the
 * veth's own 198.18.0.0/24), 130 816 in all.
 */
export function spoofedV4(count: number, offset = 0): string[] {
  if (count + offset > SPOOFED_V4_MAX) throw new Error(`spoofedV4: at most ${SPOOFED_V4_MAX} sources`);
  const out: string[] = [];
  for (let i = offset; i < offset + count; i++) {
    const j = i < 65_536 ? i : i - 65_536 + 256;
    out.push(`198.${i < 65_536 ? 19 : 18}.${(j >> 8) & 255}.${j & 255}`);
  }
  return out;
}

const SPOOFED_V4_MAX = 65_536 + 65_280;

/** `count` spoofed IPv6 sources, each in its own /64 of 2001:2:0:100::/56 and up. */
export function spoofedV6(count: number, offset = 0): string[] {
  if (count + offset > 60_000) throw new Error("spoofedV6: at most 60 000 sources");
  const out: string[] = [];
  for (let i = offset; i < offset + count; i++) out.push(`2001:2:0:${(0x100 + i).toString(16)}::1234`);
  return out;
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

// The listener: one line "listening", then one JSON line per connection once the peer half-closes.
const SERVER_JS = `
const net = require("node:net"); const crypto = require("node:crypto");
const port = Number(process.argv[1]);
const srv = net.createServer((s) => {
  const h = crypto.createHash("sha256"); let n = 0;
  s.on("data", (d) => { h.update(d); n += d.length; });
  s.on("end", () => { const d = h.digest("hex");
    process.stdout.write(JSON.stringify({ remote: s.remoteAddress, bytes: n, sha256: d }) + "\\n");
    s.end(d); });
  s.on("error", () => {});
});
srv.listen({ port, host: "::", ipv6Only: false, backlog: 4096 }, () => process.stdout.write("listening\\n"));
process.on("SIGTERM", () => process.exit(0));
`;

// The client: sequential connections; each sends a deterministic pattern, half-closes, reads the digest.
const CLIENT_JS = `
const net = require("node:net"); const crypto = require("node:crypto");
const [host, port, count, bytes] = process.argv.slice(1);
function pattern(i, n) { const b = Buffer.alloc(n); let x = (i * 2654435761) >>> 0;
  for (let k = 0; k < n; k++) { x = (x * 1103515245 + 12345) >>> 0; b[k] = x >>> 24; } return b; }
async function one(i) { return new Promise((resolve, reject) => {
  const data = pattern(i, Number(bytes)); const sent = crypto.createHash("sha256").update(data).digest("hex");
  const s = net.connect({ host, port: Number(port) }, () => { s.end(data); });
  let got = ""; s.setEncoding("utf8"); s.on("data", (d) => { got += d; });
  s.on("close", () => resolve({ sent, received: got })); s.on("error", reject);
  s.setTimeout(20000, () => { s.destroy(new Error("timeout")); }); }); }
(async () => { for (let i = 0; i < Number(count); i++) process.stdout.write(JSON.stringify(await one(i)) + "\\n"); })()
  .catch((e) => { console.error(String(e)); process.exit(1); });
`;

// Raw TCP segments as Ethernet frames (AF_PACKET), with valid IP and TCP checksums.
const RAW_SENDER_PY = `
import errno, json, socket, struct, sys, ipaddress, time
spec = json.load(sys.stdin)
def send(frame):
    # ENOBUFS: the receiving side's backlog was full (a busy machine) and the frame was dropped before XDP saw
    # it; send it again after a pause, a bounded number of times, so the counts stay exact.
    for attempt in range(2000):
        try:
            sock.send(frame); return
        except OSError as e:
            if e.errno != errno.ENOBUFS or attempt == 1999: raise
            time.sleep(0.002)
def csum(b):
    if len(b) % 2: b += b"\\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
flagbits = {"S": 0x02, "SA": 0x12, "A": 0x10, "R": 0x04, "F": 0x11}[spec["flags"]]
mac = lambda m: bytes.fromhex(m.replace(":", ""))
eth4 = mac(spec["dst_mac"]) + mac(spec["src_mac"]) + b"\\x08\\x00"
eth6 = mac(spec["dst_mac"]) + mac(spec["src_mac"]) + b"\\x86\\xdd"
d4 = ipaddress.IPv4Address(spec["dst4"]).packed; d6 = ipaddress.IPv6Address(spec["dst6"]).packed
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((spec["dev"], 0))
sent = 0; sport = 20000
for src in spec["sources"]:
    a = ipaddress.ip_address(src)
    for k in range(spec["per_source"]):
        sport = 20000 + (sent % 40000)
        tcp = struct.pack("!HHIIBBHHH", sport, spec["port"], 1000 + k, 0, 5 << 4, flagbits, 64240, 0, 0)
        if a.version == 4:
            ph = a.packed + d4 + struct.pack("!BBH", 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), sent & 0xffff, 0, 64, 6, 0, a.packed, d4)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            frame = eth4 + ip + tcp
        else:
            ph = a.packed + d6 + struct.pack("!I3xB", len(tcp), 6)
            tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
            ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, a.packed, d6)
            frame = eth6 + ip + tcp
        send(frame); sent += 1
print(sent)
`;

// --- the collector as a process, and reading what it wrote ----------------------------------------

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(REPO_ROOT, "packages", "collector", "src", "cli.ts");
/** The compiled CLI that `npx tsc -b` builds (with every other dist module), as production runs it. */
const COMPILED_CLI = join(REPO_ROOT, "packages", "collector", "dist", "cli.js");

/** True when the compiled collector has been built (`npx tsc -b`). */
export function compiledCollectorBuilt(): boolean {
  return existsSync(COMPILED_CLI);
}

/** argv that runs `ibsr-collect` from source (through tsx), so the tests never run a stale build. */
export function collectorArgv(args: string[]): string[] {
  return [process.execPath, "--import", "tsx", CLI, ...args];
}

/** One parsed --json-logs line. */
export type LogLine = { time: string; level: string; event: string } & Record<string, unknown>;

export interface CollectorProcess {
  proc: Tracked;
  outDir: string;
  /** Parsed JSON log lines so far (stderr). */
  logs(): LogLine[];
  /** Heartbeat lines so far (status-<iface>.jsonl under host=<host>). */
  heartbeats(): Record<string, unknown>[];
  /** Resolves once `n` heartbeats exist (or throws after timeoutMs, quoting the log). */
  waitForHeartbeats(n: number, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<RunResult>;
}

/**
 * Starts the collector in the server namespace on the server veth, JSON logs, host name "test". From the
 * sources through tsx, or with `compiled` as production runs it: packages/collector/dist under plain node
 * with NODE_FLAGS (the benchmark's memory figures need that; tsx alone adds ~36 MB). `wrapper` is a command
 * that runs it (timeout(1), say), whose process the returned `proc` then is.
 */
export function startCollector(
  pair: NetnsPair,
  outDir: string,
  args: string[],
  opts: { compiled?: boolean; wrapper?: string[]; env?: NodeJS.ProcessEnv } = {},
): CollectorProcess {
  const full = ["run", "-i", pair.serverIf, "-o", outDir, "--host", "test", "--json-logs", ...args];
  const argv = [
    ...(opts.wrapper ?? []),
    ...(opts.compiled ? [process.execPath, ...NODE_FLAGS, COMPILED_CLI, ...full] : collectorArgv(full)),
  ];
  const proc = pair.spawn(pair.server, argv, { cwd: REPO_ROOT, ...(opts.env ? { env: opts.env } : {}) });
  const hbPath = join(outDir, heartbeatRelativePath("test", pair.serverIf));
  const heartbeats = () => {
    try {
      // The collector cuts back a line torn by ENOSPC; should that fail too, the line does not parse: skip it.
      return readFileSync(hbPath, "utf8")
        .split("\n")
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
    } catch {
      return [];
    }
  };
  const logs = () => parseLogs(proc.stderr());
  return {
    proc,
    outDir,
    logs,
    heartbeats,
    waitForHeartbeats: async (n, timeoutMs = 20_000) => {
      await waitFor(
        () => {
          if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
            throw new Error(
              `collector exited early (${proc.child.exitCode ?? proc.child.signalCode}): ${proc.stderr()}`,
            );
          }
          return heartbeats().length >= n;
        },
        timeoutMs,
        () => `waiting for ${n} heartbeats, have ${heartbeats().length}; log: ${proc.stderr().slice(-2000)}`,
      );
    },
    stop: async (signal = "SIGTERM") => {
      proc.kill(signal);
      return proc.exited;
    },
  };
}

export function parseLogs(stderr: string): LogLine[] {
  return (
    stderr
      .split("\n")
      // A journald priority prefix (<N>, --log-priority-prefix) is not part of the JSON.
      .map((l) => l.replace(/^<\d>/, ""))
      .filter((l) => l.startsWith("{"))
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return { time: "", level: "?", event: "unparsable", line: l };
        }
      })
  );
}

let duck: Promise<DuckDBConnection> | null = null;

/** Rows of a DuckDB query as plain JSON objects (BIGINT as strings when large; use ::DOUBLE or ::INT). */
export async function duckdbRows(sql: string): Promise<Record<string, unknown>[]> {
  duck ??= DuckDBInstance.create(":memory:").then((db) => db.connect());
  const c = await duck;
  const r = await c.runAndReadAll(sql);
  return r.getRowObjectsJson() as Record<string, unknown>[];
}

/** Snapshot files under an output directory (relative paths, sorted). */
export function parquetFilesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".parquet"))
    .sort();
}

/** read_parquet over every snapshot under `outDir`, Hive partitioning off (as the reporter reads). */
export function snapshotsOf(outDir: string): string {
  return `read_parquet('${outDir.replace(/'/g, "''")}/${SNAPSHOT_GLOB}', hive_partitioning=false)`;
}

/** XDP programs attached to the server veth, as `ip -j link show` reports them (empty when none). */
export async function xdpOnServer(pair: NetnsPair): Promise<unknown[]> {
  const r = await must(
    pair.run(pair.server, [IP, "-j", "link", "show", "dev", pair.serverIf]),
    "ip -j link show",
  );
  const arr = JSON.parse(r.stdout) as { xdp?: unknown }[];
  return arr.filter((l) => l.xdp !== undefined).map((l) => l.xdp);
}
