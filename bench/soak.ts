// Soak benchmark: does the collector's memory stay flat over a long run under a flood that overflows its
// map? The compiled ibsr-collect (plain node, NODE_FLAGS, as in production) runs on a veth in its own
// namespaces; a bounded sender keeps inserting SYNs from random spoofed sources (198.18.0.0/15 and
// 2001:2::/48 only) so the LRU map is full and evicting all the time and every snapshot is full of new
// rows. The RSS and private memory (RssAnon) are sampled every 10 s from /proc; the figures are the
// slope over the last half (least squares, MB per minute: the first half includes the warm-up) and the
// maxima. The load average is recorded beside them (the machine is shared).
//   node --import tsx bench/soak.ts [--minutes 30] [--map-size 20000] [--interval-sec 10]
//   pnpm bench --only soak            (IBSR_SOAK_MINUTES=N to shorten it)
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compiledCollectorBuilt, delay, startCollector, withPair } from "../lab/netns.js";
import type { BenchRow } from "./lib/stats.js";

export interface SoakOptions {
  /** Run length; default 30 minutes. */
  minutes?: number;
  /** --map-size of the collector; default 20 000 (the flood overflows it every few seconds). */
  mapSize?: number;
  /** --snapshot-interval-sec; default 10 (180 snapshots in 30 minutes). */
  intervalSec?: number;
  log?: (line: string) => void;
}

/** One /proc sample. */
export interface SoakSample {
  /** Minutes since the collector's first heartbeat. */
  min: number;
  rssMb: number;
  anonMb: number;
}

const PORT = 6200;
const SAMPLE_MS = 10_000;
/** Frames per sender call and the pause after it: ~5 000 new sources per second, bounded. */
const BURST = 10_000;
const BURST_PAUSE_MS = 1_000;

/** Least-squares slope of y over x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** `count` random sources: IPv4 in 198.18.0.0/15 (never the veth's own 198.18.0.0/24) and IPv6 /64s in 2001:2::/48. */
export function randomSources(count: number, rnd: () => number = Math.random): string[] {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    if (rnd() < 0.8) {
      const i = 256 + Math.floor(rnd() * (131_072 - 256));
      out.push(`198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
    } else {
      out.push(
        `2001:2:0:${Math.floor(rnd() * 65_536).toString(16)}::${(1 + Math.floor(rnd() * 65_535)).toString(16)}`,
      );
    }
  }
  return out;
}

function procStatus(pid: number): { rssMb: number; anonMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb("VmRSS") / 1024, anonMb: kb("RssAnon") / 1024 };
}

export async function runSoakBench(opts: SoakOptions = {}): Promise<BenchRow[]> {
  const log = opts.log ?? (() => {});
  const minutes = opts.minutes ?? Number(process.env.IBSR_SOAK_MINUTES ?? 30);
  const mapSize = opts.mapSize ?? 20_000;
  const intervalSec = opts.intervalSec ?? 10;
  if (!(minutes > 0)) throw new Error(`soak: minutes must be positive, got ${minutes}`);
  if (!compiledCollectorBuilt())
    throw new Error("soak: build the collector first (npx tsc -b): it runs dist/");
  if (process.getuid?.() !== 0) throw new Error("soak: needs root (netns, veth, XDP)");
  const loadStart = loadavg();
  log(
    `soak: ${minutes} min, map ${mapSize}, snapshot every ${intervalSec} s, load ${loadStart.map((l) => l.toFixed(2)).join(" ")}`,
  );
  return withPair("soak", async (pair, out) => {
    const c = startCollector(
      pair,
      out,
      [
        "-p",
        String(PORT),
        "--snapshot-interval-sec",
        String(intervalSec),
        "--map-size",
        String(mapSize),
        "--quiet",
      ],
      { compiled: true },
    );
    let stopped = false;
    try {
      await c.waitForHeartbeats(1);
      const pid = c.proc.pid;
      if (pid === undefined) throw new Error("soak: the collector has no pid");
      const t0 = Date.now();
      const deadline = t0 + minutes * 60_000;
      const samples: SoakSample[] = [];
      const sample = () => samples.push({ min: (Date.now() - t0) / 60_000, ...procStatus(pid) });
      sample();
      const timer = setInterval(sample, SAMPLE_MS);
      let frames = 0;
      let logged = 0;
      try {
        // Bounded: one burst per iteration until the deadline, each burst itself bounded.
        while (Date.now() < deadline) {
          await pair.sendRawSegments({ sources: randomSources(BURST), port: PORT, perSource: 1 });
          frames += BURST;
          const now = samples.at(-1)!;
          if (now.min >= logged + 5) {
            logged = Math.floor(now.min);
            log(
              `soak: ${now.min.toFixed(1)} min, RSS ${now.rssMb.toFixed(1)} MB, private ${now.anonMb.toFixed(1)} MB`,
            );
          }
          await delay(BURST_PAUSE_MS);
        }
      } finally {
        clearInterval(timer);
      }
      sample();
      const loadEnd = loadavg();
      const hbs = c.heartbeats();
      const stop = await c.stop("SIGTERM");
      stopped = true;
      if (stop.code !== 0) throw new Error(`ibsr-collect exited ${stop.code}: ${stop.stderr.slice(-2000)}`);
      const last = hbs.at(-1) ?? {};
      const evicted = Number(last.estimatedEvictions ?? Number.NaN);
      const failed = hbs.filter((h) => h.writeOk === false).length;
      const fullest = Math.max(...hbs.map((h) => Number(h.liveEntries)));
      // The point of the soak: the map must have been full and evicting.
      if (!(evicted > mapSize))
        throw new Error(`soak: only ${evicted} evictions: the flood did not overflow the map`);
      const half = samples.filter((s) => s.min >= minutes / 2);
      const rssSlope = slope(half.map((s) => ({ x: s.min, y: s.rssMb })));
      const anonSlope = slope(half.map((s) => ({ x: s.min, y: s.anonMb })));
      const max = (f: (s: SoakSample) => number, of = samples) => Math.max(...of.map(f));
      const firstHalf = samples.filter((s) => s.min < minutes / 2);
      const load = `load average ${loadStart[0]!.toFixed(2)} at the start, ${loadEnd[0]!.toFixed(2)} at the end (2 cores, shared)`;
      const note = `compiled collector, ${minutes} min, --map-size ${mapSize}, snapshot every ${intervalSec} s, ${hbs.length} heartbeats, map up to ${fullest} entries, ${(frames / 1e6).toFixed(2)} M SYNs from random sources, ${Number.isNaN(evicted) ? "?" : evicted} evictions, ${failed} cycles with failed writes; ${load}`;
      const row = (name: string, unit: string, value: number, extra: Partial<BenchRow> = {}): BenchRow => ({
        suite: "soak",
        name,
        unit,
        median: value,
        min: value,
        max: value,
        runs: 1,
        ...extra,
      });
      log(
        `soak: samples ${JSON.stringify(samples.map((s) => [+s.min.toFixed(2), +s.rssMb.toFixed(1), +s.anonMb.toFixed(1)]))}`,
      );
      return [
        row("RSS slope over the last half", "MB/min", rssSlope, {
          target: "flat: within ±0.05 MB/min",
          note,
        }),
        row("private memory (RssAnon) slope over the last half", "MB/min", anonSlope, {
          target: "flat: within ±0.05 MB/min",
        }),
        row(
          "max RSS",
          "MB",
          max((s) => s.rssMb),
          {
            baseline: { name: "max RSS over the first half", median: max((s) => s.rssMb, firstHalf) },
          },
        ),
        row(
          "max private memory (RssAnon)",
          "MB",
          max((s) => s.anonMb),
          {
            baseline: { name: "max over the first half", median: max((s) => s.anonMb, firstHalf) },
          },
        ),
      ];
    } finally {
      // The collector is ours: stop it by its own PID (withPair then removes the namespaces).
      if (!stopped) await c.stop("SIGKILL").catch(() => {});
    }
  });
}

function isMain(): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  const args = process.argv.slice(2);
  const at = (flag: string) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : undefined);
  const minutes = at("--minutes");
  const mapSize = at("--map-size");
  const intervalSec = at("--interval-sec");
  const rows = await runSoakBench({
    ...(minutes ? { minutes } : {}),
    ...(mapSize ? { mapSize } : {}),
    ...(intervalSec ? { intervalSec } : {}),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  for (const r of rows) {
    const base = r.baseline ? `  [${r.baseline.name}: ${r.baseline.median.toFixed(2)}]` : "";
    process.stdout.write(`${r.name.padEnd(52)} ${r.median.toFixed(3).padStart(9)} ${r.unit}${base}\n`);
  }
  if (rows[0]?.note) process.stdout.write(`${rows[0].note}\n`);
}
