// `ibsr-collect run`: the collector as one straight line. Verify the object bytes, open those same bytes,
// size the map, load, check what the kernel loaded, fill the port set, attach through a bpf_link, write a
// seq-0 snapshot, then drain -> deltas -> write -> heartbeat -> retention every interval until a signal or
// --duration-sec, then one final snapshot, detach, exit 0. The link is the fail-open guarantee: whatever
// happens to this process (even SIGKILL), the kernel removes the program with the link's last fd.
import { readFileSync } from "node:fs";
import { release } from "node:os";
import type { GlobalTotals, SnapshotMeta } from "@ibsr/contract";
import { formatRunId, isoUtc, MAP_FLOWS4, MAP_FLOWS6, mapSizes } from "@ibsr/contract";
import { EnvironmentError, exitCodeFor, hintOf } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import {
  BpfObjectFileError,
  KernelLoadError,
  type KernelObject,
  KernelSpec,
  KernelUnsafeError,
  readObject,
  UnverifiedObjectError,
} from "../kernel/index.js";
import {
  type BpfLink,
  progIdsOfInterface,
  progInfoById,
  setLibbpfLogger,
  xdpQuery,
} from "../libbpf/index.js";
import type { Logger } from "../log/logger.js";
import type { FlowDrainer } from "../maps/drain.js";
import type { SnapshotBuilder } from "../maps/snapshot-rows.js";
import { writeMetricsTextfile } from "../metrics/textfile.js";
import type { RunOptions } from "../options.js";
import { UnreadableObjectError } from "../safety/index.js";
import { SignalState } from "../signals.js";
import type { DeltaEngine, DeltaResult } from "../snapshot/deltas.js";
import { EvictionLossTracker } from "../snapshot/eviction-loss.js";
import { type Heartbeat, HeartbeatWriter, peakRssBytes, rssBytes } from "../snapshot/heartbeat.js";
import { prepareOutDir, removeCreatedDirs } from "../snapshot/out-dir.js";
import { applyRetention } from "../snapshot/retention.js";
import { type SnapshotEngines, startSnapshotEngines } from "../snapshot/warm-up.js";
import { type WriteResult, writeFailureHint, writeSnapshot } from "../snapshot/writer.js";
import { monotonicMs, wallUs } from "../system/clock.js";
import { interfaceInfo } from "../system/iface.js";
import {
  collectGarbageIfGrown,
  exitNow,
  MMAP_THRESHOLD_BYTES,
  trimMalloc,
  tuneMalloc,
} from "../system/memory.js";
import { ServiceNotifier } from "../system/sd-notify.js";
import { watchCycle } from "./cycle-watch.js";

export const PROCESS_TITLE = "ibsr-collect";
/** Consecutive failed map drains after which the run gives up (a map read failing is a bug, not a disk). */
const MAX_CONSECUTIVE_DRAIN_FAILURES = 10;
/** Lines of the kernel verifier log quoted when a load fails (all of it at -v). */
const VERIFIER_LOG_TAIL = 8;

/**
 * A cycle that has kept the loop waiting this long after a stop request (or the end of --duration-sec) is
 * given up: the run ends without its final snapshot, exit 1. At least STUCK_FLOOR_MS, and
 * STUCK_SLOWEST_FACTOR times the slowest cycle of the run so far. Only waiting counts, not computing
 * (cycle-watch.ts): a final snapshot of 2 M entries that takes 12 s on a loaded host is slow but working,
 * and must not be cut short because the run's only earlier cycle was empty; a file operation that never
 * returns (a hung mount, a FIFO in place of the heartbeat file) does not keep the collector, and the XDP
 * program, there for ever.
 */
export const STUCK_FLOOR_MS = 10_000;
export const STUCK_SLOWEST_FACTOR = 5;

/**
 * Runs the collector until SIGINT/SIGTERM or --duration-sec; returns the process exit code. `signals`:
 * the handlers cli.ts installed at start-up (a stop or SIGHUP received before this point counts).
 */
export async function runCollector(
  opts: RunOptions,
  log: Logger,
  signals: SignalState = new SignalState().install(),
): Promise<number> {
  process.title = PROCESS_TITLE;
  signals.useLogger(log);
  try {
    return await run(opts, log, signals);
  } catch (err) {
    log.error("run.failed", { err, hint: hintOf(err) });
    return exitCodeFor(err);
  } finally {
    signals.finish();
  }
}

async function run(opts: RunOptions, log: Logger, signals: SignalState): Promise<number> {
  // libbpf's own messages (the kernel verifier log among them) only at -v; they are kept for errors anyway.
  setLibbpfLogger(log.enabled("debug") ? (level, message) => log.debug("libbpf", { level, message }) : null);
  // Before the big buffers exist: freed blocks must go back to the kernel, not stay in malloc's heap.
  if (!tuneMalloc()) log.debug("malloc.tune_refused", { mmap_threshold: MMAP_THRESHOLD_BYTES });
  // libc is loaded now: exits from here on need not wait for a file operation stuck in the thread pool.
  signals.useExit(exitNow);

  // 1. The exact bytes that will be loaded are the bytes that are verified: no gap between check and load.
  const spec = openSpec(opts, log);
  let kobj: KernelObject | null = null;
  let link: BpfLink | null = null;
  let createdDirs: string[] = [];
  try {
    // 2. Parameters before load (map capacity, the IPv6 prefix the verifier sees as a constant), then load:
    //    the object's layout is checked against this build's, and what the kernel holds against the rules.
    spec.configure({ mapSize: opts.mapSize, ipv6PrefixLen: opts.ipv6PrefixLen, ports: opts.dstPorts });
    kobj = loadKernel(spec, opts, log);

    // 3. The output directory, then attach (only once everything that can fail without side effects
    //    has passed).
    refuseIfInterfaceBusy(opts);
    createdDirs = await prepareOutDir(opts.outDir, opts.host);
    // Nothing waits yet: the snapshot engines, and the snapshot path compiled on synthetic rows, so that the
    // first snapshots are as fast as later ones (snapshot/warm-up.ts).
    const engines = await startSnapshotEngines(kobj.flows, opts.mapSize, wallUs());
    log.debug("run.warmed_up", { ms: round(engines.warmUp.ms), rounds: engines.warmUp.rounds });
    if (signals.stopRequested) {
      // Stopped during start-up: nothing to snapshot yet, so nothing is attached.
      log.info("run.end", { reason: signals.stopRequested, snapshots: 0, note: "stopped before attaching" });
      return ExitCode.OK;
    }
    link = kobj.attach(opts.ifindex, opts.xdpMode, (err) =>
      log.warn("xdp.native_unavailable", {
        iface: opts.iface,
        errno: err.errnoName,
        reason: err.message,
        fallback: "generic",
        note: "generic XDP runs after the driver (slower) and turns LRO/GRO-HW off on the device",
      }),
    );
    const mode = attachedMode(opts);
    const attachTsUs = wallUs();
    // The first snapshot's deltas are the counts since attach.
    engines.deltas.reset(attachTsUs);

    const iface = interfaceInfo(opts.iface);
    log.info("run.attached", {
      iface: opts.iface,
      ifindex: opts.ifindex,
      xdp_mode: mode,
      mtu: iface.mtu,
      driver: iface.driver,
      ports: opts.dstPorts,
      map_size: opts.mapSize,
      kernel_mem_estimate: opts.kernelMemEstimate,
      interval_sec: opts.snapshotIntervalSec,
      out_dir: opts.outDir,
    });

    const notify = ServiceNotifier.fromEnv(process.env, log);
    if (notify.enabled)
      log.debug("sd_notify.enabled", {
        watchdog_sec: notify.watchdogMs === null ? null : notify.watchdogMs / 1000,
      });
    const loop = new CollectLoop(kobj, opts, log, notify, engines, {
      xdpMode: mode,
      mtu: iface.mtu,
      offload: { ...iface.offloads },
      attachTsUs,
    });
    const code = await loop.run(signals);
    return code;
  } finally {
    // Detach first: from here on the interface is exactly as before the run.
    link?.destroy();
    if (kobj) kobj.close();
    else spec.close();
    if (link) log.info("run.detached", { iface: opts.iface });
    // Ended before the first snapshot (refused at attach, or stopped during start-up): leave no folder.
    else await removeCreatedDirs(createdDirs);
  }
}

/**
 * Reads and verifies the object and opens the verified bytes. Each safety finding is logged; an
 * unreadable file or a non-BPF file is an environment problem.
 */
function openSpec(opts: RunOptions, log: Logger): KernelSpec {
  let bytes: Buffer;
  try {
    bytes = readObject(opts.object);
  } catch (err) {
    if (!(err instanceof BpfObjectFileError)) throw err;
    throw new EnvironmentError("object.read", err.message, { errnoName: err.code, hint: err.hint });
  }
  let spec: KernelSpec;
  try {
    spec = KernelSpec.fromBytes(bytes, { label: opts.object });
  } catch (err) {
    if (err instanceof UnreadableObjectError) {
      throw new EnvironmentError("object.read", `${opts.object}: ${err.message}`, {
        errnoName: "ENOEXEC",
        hint: "is it a BPF object built by `make -C bpf`? Rebuild it, or pass the right file with --object",
      });
    }
    if (err instanceof UnverifiedObjectError) {
      for (const f of err.findings) {
        log.error("object.unsafe", {
          object: opts.object,
          rule: f.rule,
          section: f.section,
          insn: f.insn,
          message: f.message,
        });
      }
    }
    throw err;
  }
  log.debug("object.verified", {
    object: opts.object,
    bytes: bytes.length,
    insns: spec.verification.program?.insns,
  });
  return spec;
}

/** Loads; a kernel verifier rejection is summarised (its last lines) with the whole log at -v. */
function loadKernel(spec: KernelSpec, opts: RunOptions, log: Logger): KernelObject {
  try {
    return spec.load();
  } catch (err) {
    if (err instanceof KernelLoadError && err.libbpfLog.length > 0) {
      log.error("bpf.load_rejected", {
        object: opts.object,
        errno: err.errnoName,
        log_tail: err.libbpfLog.slice(-VERIFIER_LOG_TAIL).join(" | "),
        hint: log.enabled("debug") ? undefined : "run with -v for the whole verifier log",
      });
    }
    if (err instanceof KernelUnsafeError) {
      for (const f of err.findings)
        log.error("bpf.loaded_unsafe", { rule: f.rule, section: f.section, message: f.message });
    }
    throw err;
  }
}

/** Refuses (before attaching) when any XDP program holds the interface; names it and how to look. */
function refuseIfInterfaceBusy(opts: RunOptions): void {
  const ids = progIdsOfInterface(opts.ifindex);
  if (ids.length === 0) return;
  const q = xdpQuery(opts.ifindex);
  const names = ids.map((id) => {
    try {
      return `${progInfoById(id)?.name || "(unnamed)"} (id ${id})`;
    } catch {
      // Opening another program by id needs CAP_SYS_ADMIN, which the service lacks: the id names it.
      return `a program (id ${id}; its name needs CAP_SYS_ADMIN to read)`;
    }
  });
  throw new EnvironmentError(
    "xdp.busy",
    `interface ${opts.iface} already has an XDP program attached in ${q.attachMode} mode: ${names.join(", ")}; IBSR does not share an interface`,
    {
      errnoName: "EBUSY",
      hint: `see it with \`ip link show dev ${opts.iface}\` and \`bpftool net show dev ${opts.iface}\`; remove it (or put both behind an XDP dispatcher) or monitor another interface`,
    },
  );
}

function attachedMode(opts: RunOptions): string {
  const q = xdpQuery(opts.ifindex);
  return q.attachMode;
}

function isoTime(tsUs: bigint): string {
  return isoUtc(Number(tsUs / 1000n));
}

interface RunFacts {
  xdpMode: string;
  mtu: number;
  offload: Record<string, string>;
  attachTsUs: bigint;
}

const ZERO_GLOBALS = (): GlobalTotals => ({
  packets_seen: 0n,
  tcp_seen: 0n,
  matched_packets: 0n,
  matched_bytes: 0n,
  matched_syn: 0n,
  inserts: 0n,
});

/** The per-interval cycle and its schedule. One per run, with the engines startSnapshotEngines made. */
class CollectLoop {
  private readonly drainer: FlowDrainer;
  private readonly deltas: DeltaEngine;
  private readonly builder: SnapshotBuilder;
  private readonly heartbeat: HeartbeatWriter;
  private readonly runId: string;
  private readonly monoOffsetNs: bigint;
  private readonly collectorVersion: string;
  /** Globals at the last snapshot that reached the disk (the deltas' baseline). */
  private baseGlobals: GlobalTotals = ZERO_GLOBALS();
  private seq = 0;
  private cycle = 0;
  private writeErrorsTotal = 0;
  private writeErrorsConsecutive = 0;
  private lastErrno: string | null = null;
  private lastError: string | null = null;
  private lastSnapshotPath: string | null = null;
  private lastSnapshotTime: string | null = null;
  private metricsFailing = false;
  private drainFailures = 0;
  private overruns = 0;
  private lateWakeups = 0;
  /** Entries drained by the last cycle (for the status line). */
  private lastEntries = 0;
  /** What the current cycle is doing (named when it is stuck). */
  private step = "idle";
  /** Of the last completed cycle: how late the loop woke for it, drain + write, the whole cycle. */
  private lastWakeLateMs = 0;
  private lastWorkMs = 0;
  private lastCycleMs = 0;
  private slowestCycleMs = 0;
  private readonly loss = new EvictionLossTracker();
  private heartbeatFailing = false;

  constructor(
    private readonly kobj: KernelObject,
    private readonly opts: RunOptions,
    private readonly log: Logger,
    private readonly notify: ServiceNotifier,
    engines: SnapshotEngines,
    private readonly facts: RunFacts,
  ) {
    this.drainer = engines.drainer;
    this.deltas = engines.deltas;
    this.builder = engines.builder;
    this.heartbeat = new HeartbeatWriter(opts.outDir, opts.host, opts.iface);
    this.runId = newRunId(facts.attachTsUs);
    // bpf_ktime_get_ns() is CLOCK_MONOTONIC, like process.hrtime: one offset per run, for display only.
    this.monoOffsetNs = wallUs() * 1000n - process.hrtime.bigint();
    this.collectorVersion = collectorVersion();
  }

  async run(signals: SignalState): Promise<number> {
    const intervalMs = this.opts.snapshotIntervalSec * 1000;
    const start = monotonicMs();
    const deadline =
      this.opts.durationSec === null ? Number.POSITIVE_INFINITY : start + this.opts.durationSec * 1000;
    // The Node flags in effect (NODE_FLAGS when started by the shebang or the bundle's wrapper).
    this.log.info("run.start", {
      run_id: this.runId,
      heartbeat: this.heartbeat.path,
      node_flags: process.execArgv,
    });

    // seq 0 right after attach: the run's start is on disk even if it ends within the first interval.
    // It also answers a SIGHUP received during start-up.
    signals.snapshotRequested = false;
    let r = await this.guardedCycle(false, signals, deadline, 0);
    if (r !== "ok" && r !== "skipped") return ExitCode.RUNTIME;
    this.afterCycle(r);
    let slot = 1;
    for (;;) {
      // Slots are fixed offsets from a monotonic start: no drift, and an overrun skips slots, never stacks.
      const next = nextSlot(start, intervalMs, slot, monotonicMs());
      if (next.skipped > 0) this.reportSkip(next.skipped);
      slot = next.slot;
      const due = next.dueMs;
      // The loop also comes round for systemd's watchdog, which it alone pings: a stuck cycle stops them.
      const wakeAt = Math.min(due, deadline, this.notify.nextPingAtMs());
      await signals.sleep(wakeAt - monotonicMs());
      this.notify.watchdog(monotonicMs());
      if (signals.stopRequested || monotonicMs() >= deadline) break;
      if (signals.snapshotRequested) {
        signals.snapshotRequested = false;
        r = await this.guardedCycle(false, signals, deadline, 0);
      } else {
        const now = monotonicMs();
        if (now < due) continue;
        slot++;
        r = await this.guardedCycle(false, signals, deadline, now - due);
      }
      if (r !== "ok" && r !== "skipped") return ExitCode.RUNTIME;
      this.afterCycle(r);
    }
    const reason = signals.stopRequested ?? "duration";
    this.notify.stopping(`stopping (${reason}): writing the final snapshot`);
    const final = await this.guardedCycle(true, signals, deadline, 0);
    if (final === "stuck") return ExitCode.RUNTIME;
    this.log.info("run.end", {
      reason,
      snapshots: this.seq,
      write_errors: this.writeErrorsTotal,
      overruns: this.overruns,
      late_wakeups: this.lateWakeups,
      eviction_loss_packets: Number(this.loss.exact),
    });
    return final === "fatal" ? ExitCode.RUNTIME : ExitCode.OK;
  }

  /**
   * One cycle, given up when it has kept the loop waiting STUCK time after a stop request or the deadline
   * (see STUCK_FLOOR_MS). `lateMs`: how late the loop woke for it (what tells a paused process from an overrun).
   */
  private async guardedCycle(
    final: boolean,
    signals: SignalState,
    deadline: number,
    lateMs: number,
  ): Promise<"ok" | "skipped" | "fatal" | "stuck"> {
    const started = monotonicMs();
    this.lastWakeLateMs = lateMs;
    const graceMs = Math.max(STUCK_FLOOR_MS, STUCK_SLOWEST_FACTOR * this.slowestCycleMs);
    const r = await watchCycle(this.cycleOnce(final), {
      graceMs,
      armed: () => final || signals.stopRequested !== null || monotonicMs() >= deadline,
      now: monotonicMs,
    });
    if (r === "stuck") {
      this.log.error("cycle.stuck", {
        step: this.step,
        waited_sec: round(graceMs / 1000),
        final,
        note: "a file operation under --out-dir has not returned (a hung mount? a FIFO or device in place of a file?); the run ends without its final snapshot, and the XDP program is detached",
        out_dir: this.opts.outDir,
      });
      return "stuck";
    }
    this.lastCycleMs = monotonicMs() - started;
    this.slowestCycleMs = Math.max(this.slowestCycleMs, this.lastCycleMs);
    return r;
  }

  /** Tells systemd: ready after the first cycle whose map read worked, the state, a watchdog ping. */
  private afterCycle(r: "ok" | "skipped"): void {
    const text = this.statusText();
    if (r === "ok") this.notify.ready(text);
    this.notify.status(text);
    this.notify.watchdog(monotonicMs());
  }

  /** systemctl status' one line: what is attached, how full, the last snapshot, and failing writes. */
  private statusText(): string {
    const entries = this.lastEntries;
    const pct = ((entries / this.opts.mapSize) * 100).toFixed(1);
    let text = `attached ${this.opts.iface} ${this.facts.xdpMode}, ${entries} entries (${pct}% of ${this.opts.mapSize})`;
    text += `, last snapshot ${this.lastSnapshotTime ?? "none yet"}`;
    if (this.writeErrorsConsecutive > 0)
      text += `; snapshot writes failing: ${this.lastErrno ?? "error"} (${this.writeErrorsConsecutive} in a row)`;
    return text;
  }

  /** Slots were skipped: say whether the work overran the interval or the loop itself ran late. */
  /** Capacity and live entries per family's flow map, for the snapshot metadata (the drain reads
   * ibsr_flows4, then ibsr_flows6). */
  private families(perMap: readonly number[]): SnapshotMeta["families"] {
    const sizes = mapSizes(this.opts.mapSize);
    return {
      ipv4: { capacity: sizes[MAP_FLOWS4], liveEntries: perMap[0] ?? 0 },
      ipv6: { capacity: sizes[MAP_FLOWS6], liveEntries: perMap[1] ?? 0 },
    };
  }

  private familyFill(perMap: readonly number[]): Heartbeat["families"] {
    const f = this.families(perMap)!;
    const fill = (x: { capacity: number; liveEntries: number }) => ({
      ...x,
      fill: x.liveEntries / x.capacity,
    });
    return { ipv4: fill(f.ipv4), ipv6: fill(f.ipv6) };
  }

  private reportSkip(skipped: number): void {
    // Time the slot passed without work: waking late, and the rest of the cycle beyond drain and write (a
    // SIGSTOP can land inside a cycle as well as in the sleep before it).
    const stalledMs = this.lastWakeLateMs + Math.max(0, this.lastCycleMs - this.lastWorkMs);
    const kind = classifySkip(stalledMs, this.lastWorkMs);
    if (kind === "overrun") {
      this.overruns++;
      // Loud once, then quietly: a map too big for the interval would otherwise log every cycle.
      this.log[this.overruns === 1 ? "warn" : "debug"]("cycle.overrun", {
        skipped_slots: skipped,
        interval_sec: this.opts.snapshotIntervalSec,
        work_ms: round(this.lastWorkMs),
        cycle_ms: round(this.lastCycleMs),
        hint: "draining and writing the snapshot took longer than the interval; raise --snapshot-interval-sec",
      });
      return;
    }
    this.lateWakeups++;
    this.log[this.lateWakeups === 1 ? "warn" : "debug"]("cycle.late", {
      skipped_slots: skipped,
      interval_sec: this.opts.snapshotIntervalSec,
      woke_late_sec: round(this.lastWakeLateMs / 1000),
      stalled_sec: round(stalledMs / 1000),
      work_ms: round(this.lastWorkMs),
      note:
        "the loop did not run on time: the process was paused (SIGSTOP, a debugger, a frozen cgroup) or " +
        "starved of CPU; drain and write themselves were fast. The next snapshot's deltas cover the gap",
    });
  }

  /** drain -> deltas -> write -> heartbeat -> retention. Never throws for I/O; "fatal" only if the map keeps failing. */
  private async cycleOnce(final: boolean): Promise<"ok" | "skipped" | "fatal"> {
    const cycle = this.cycle++;
    const tsUs = wallUs();
    let drain: ReturnType<FlowDrainer["drain"]>;
    let globals: GlobalTotals;
    this.step = "drain";
    try {
      drain = this.drainer.drain();
      globals = this.kobj.readGlobals();
      this.drainFailures = 0;
    } catch (err) {
      this.drainFailures++;
      // A drain that failed midway leaves nothing to keep.
      this.drainer.release();
      this.log.error("map.drain_failed", { err, consecutive: this.drainFailures });
      return this.drainFailures >= MAX_CONSECUTIVE_DRAIN_FAILURES ? "fatal" : "skipped";
    }
    if (drain.truncated) {
      this.log.warn("map.drain_truncated", {
        rows: drain.rows,
        note: "the map changed faster than it was read",
      });
    }
    this.lastEntries = drain.rows;
    const d = this.deltas.compute(this.drainer.rows, drain.rows, tsUs);
    const seq = this.seq++;
    const rows = this.builder.build(this.drainer.rows, drain.rows, d);
    const meta: SnapshotMeta = {
      collectorVersion: this.collectorVersion,
      host: this.opts.host,
      iface: this.opts.iface,
      runId: this.runId,
      seq,
      tsUs,
      baseTsUs: d.baseTsUs,
      intervalSec: this.opts.snapshotIntervalSec,
      xdpMode: this.facts.xdpMode,
      mtu: this.facts.mtu,
      offload: this.facts.offload,
      mapCapacity: this.opts.mapSize,
      liveEntries: drain.rows,
      families: this.families(drain.perMap),
      kernelRelease: release(),
      ports: this.opts.dstPorts,
      ipv6PrefixLen: this.opts.ipv6PrefixLen,
      // What the loaded object says, not this build's constant (load refused any other).
      layoutVersion: this.kobj.layoutVersion,
      globals,
      monoOffsetNs: this.monoOffsetNs,
    };
    this.step = "write snapshot";
    const writeStarted = monotonicMs();
    const w = await writeSnapshot(this.opts.outDir, { meta, rows });
    this.lastWorkMs = drain.ms + (monotonicMs() - writeStarted);
    const loss = this.loss.next(evictionLoss(globals, this.baseGlobals, d), w.ok);
    if (w.ok) {
      this.deltas.commit();
      this.baseGlobals = globals;
      this.lastSnapshotPath = w.path;
      this.lastSnapshotTime = isoTime(tsUs);
      if (this.writeErrorsConsecutive > 0) {
        this.log.info("snapshot.write_recovered", {
          path: w.path,
          after_failures: this.writeErrorsConsecutive,
        });
      }
      this.writeErrorsConsecutive = 0;
      this.log.debug("snapshot.written", {
        seq,
        path: w.path,
        rows: rows.length,
        live: drain.rows,
        bytes: w.bytes,
        drain_ms: round(drain.ms),
        write_ms: round(w.ms),
      });
    } else {
      this.recordWriteFailure(w);
    }
    // What only a snapshot needs (the drained rows, sort and match buffers: about 115 B per entry) is
    // dropped until the next cycle; the baseline alone stays. Those buffers are freed at once; the heap's
    // garbage is collected once it has grown (collectGarbageIfGrown), then freed pages go back before
    // the heartbeat reports RSS.
    this.builder.release();
    this.deltas.release();
    this.drainer.release();
    collectGarbageIfGrown();
    trimMalloc();
    this.step = "append heartbeat";
    await this.appendHeartbeat({
      cycle,
      seq,
      tsUs,
      drain,
      globals,
      loss,
      write: w,
      final,
    });
    this.step = "retention";
    if (w.ok) await this.retention(w.path);
    this.step = "idle";
    return "ok";
  }

  private recordWriteFailure(w: Extract<WriteResult, { ok: false }>): void {
    this.writeErrorsTotal++;
    this.writeErrorsConsecutive++;
    this.lastErrno = w.code;
    this.lastError = w.message;
    // Loud on the first failure of a streak, then once per 10, so a full disk does not flood the journal.
    const level =
      this.writeErrorsConsecutive === 1 || this.writeErrorsConsecutive % 10 === 0 ? "error" : "debug";
    this.log[level]("snapshot.write_failed", {
      path: w.path,
      op: w.op,
      errno: w.code,
      message: w.message,
      consecutive: this.writeErrorsConsecutive,
      total: this.writeErrorsTotal,
      hint: writeFailureHint(w.code),
    });
  }

  private async appendHeartbeat(c: {
    cycle: number;
    seq: number;
    tsUs: bigint;
    drain: { rows: number; perMap: readonly number[]; ms: number };
    globals: GlobalTotals;
    loss: bigint;
    write: WriteResult;
    final: boolean;
  }): Promise<void> {
    const g = c.globals;
    const hb: Heartbeat = {
      time: isoTime(c.tsUs),
      host: this.opts.host,
      iface: this.opts.iface,
      runId: this.runId,
      cycle: c.cycle,
      seq: c.seq,
      intervalSec: this.opts.snapshotIntervalSec,
      capacity: this.opts.mapSize,
      liveEntries: c.drain.rows,
      fill: c.drain.rows / this.opts.mapSize,
      families: this.familyFill(c.drain.perMap),
      inserts: Number(g.inserts),
      estimatedEvictions: Math.max(0, Number(g.inserts) - c.drain.rows),
      matchedPackets: Number(g.matched_packets),
      matchedBytes: Number(g.matched_bytes),
      matchedSyn: Number(g.matched_syn),
      evictionLossPackets: Number(c.loss),
      evictionLossTotalPackets: Number(this.loss.exact),
      drainMs: round(c.drain.ms),
      writeMs: c.write.ok ? round(c.write.ms) : 0,
      rssBytes: rssBytes(),
      peakRssBytes: peakRssBytes(),
      writeOk: c.write.ok,
      writeErrorsTotal: this.writeErrorsTotal,
      writeErrorsConsecutive: this.writeErrorsConsecutive,
      lastErrno: this.lastErrno,
      lastError: this.lastError,
      lastSnapshotPath: this.lastSnapshotPath,
      lastSnapshotTime: this.lastSnapshotTime,
      xdpMode: this.facts.xdpMode,
    };
    if (c.final) hb.final = true;
    const r = await this.heartbeat.append(hb);
    if (this.opts.metricsTextfile !== null) await this.writeMetrics(this.opts.metricsTextfile, hb);
    if (!r.ok && !this.heartbeatFailing) {
      this.log.warn("heartbeat.append_failed", {
        path: this.heartbeat.path,
        errno: r.code,
        message: r.message,
      });
    }
    this.heartbeatFailing = !r.ok;
  }

  /** The heartbeat as Prometheus metrics; a failure is logged once per streak and never stops collection. */
  private async writeMetrics(path: string, hb: Heartbeat): Promise<void> {
    this.step = "write metrics textfile";
    const w = await writeMetricsTextfile(path, hb);
    if (!w.ok && !this.metricsFailing) {
      this.log.warn("metrics.write_failed", {
        path,
        op: w.op,
        errno: w.code,
        message: w.message,
        hint: writeFailureHint(w.code),
      });
    } else if (w.ok && this.metricsFailing) this.log.info("metrics.write_recovered", { path });
    this.metricsFailing = !w.ok;
  }

  private async retention(justWritten: string): Promise<void> {
    try {
      const r = await applyRetention(
        this.opts.outDir,
        { maxFiles: this.opts.maxFiles, maxAgeSec: this.opts.maxAgeSec },
        { protect: [justWritten] },
      );
      if (r.removed.length > 0)
        this.log.debug("retention.removed", { files: r.removed.length, kept: r.kept });
      for (const e of r.errors)
        this.log.warn("retention.remove_failed", { path: e.path, errno: e.code, message: e.message });
    } catch (err) {
      this.log.warn("retention.failed", { err });
    }
  }
}

/**
 * The first slot at or after `slot` that is not yet due at `nowMs`: slot k is due at startMs + k * intervalMs.
 * `skipped` counts the slots passed over because the previous cycle ran past them.
 */
export function nextSlot(
  startMs: number,
  intervalMs: number,
  slot: number,
  nowMs: number,
): { slot: number; dueMs: number; skipped: number } {
  const due = startMs + slot * intervalMs;
  if (due >= nowMs) return { slot, dueMs: due, skipped: 0 };
  const skipped = Math.floor((nowMs - due) / intervalMs) + 1;
  return { slot: slot + skipped, dueMs: startMs + (slot + skipped) * intervalMs, skipped };
}

/**
 * Why the schedule skipped slots after a cycle that spent `workMs` draining and writing and `stalledMs`
 * otherwise (woke late after its slot, or stood still inside the cycle). "overrun": the work is the larger
 * part (a map too big for the interval, a slow disk); raising --snapshot-interval-sec helps. "late": the loop
 * itself did not run on time (the process was stopped or starved of CPU) and the work was the smaller part; a
 * longer interval would not help.
 */
export function classifySkip(stalledMs: number, workMs: number): "overrun" | "late" {
  return workMs >= stalledMs ? "overrun" : "late";
}

/**
 * Matched packets the per-key deltas miss since the last written snapshot: the kernel's exact global
 * count minus the sum of per-key packet deltas. Non-zero only when the LRU evicted entries (or when
 * packets arrived between reading the map and reading the totals).
 */
function evictionLoss(globals: GlobalTotals, base: GlobalTotals, d: DeltaResult): bigint {
  return globals.matched_packets - base.matched_packets - d.sum("packets");
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Run id: UTC start time plus 4 random hex digits (no '-': it is a file-name component). */
function newRunId(tsUs: bigint): string {
  return formatRunId(tsUs, Math.floor(Math.random() * 0x10000));
}

function collectorVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
