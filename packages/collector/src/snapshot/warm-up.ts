// Compiling the snapshot path before the first snapshot needs it. Without this the first three snapshots
// of a run took 20-140 % longer than the later ones: V8 optimises the delta, gather and sort loops while
// they first run on real rows (and throws some of that code away when a branch is first taken, e.g. the
// first continuing row), and parquet-wasm's hot functions tier up during the first encodes. The run
// command calls warmSnapshotPath() at start-up, before the XDP program is attached, when nothing waits:
// the same functions the run loop calls (the drain's key widening and value packing, DeltaEngine.compute
// and commit, SnapshotBuilder and its gather, the streamed Parquet encoder), on synthetic rows, into
// memory. Its own small instances are dropped at the end; no kernel map, no file, no clock is touched.
//
// The run's own engines must exist before the warm-up's die (startSnapshotEngines does both, in that
// order): V8's optimised code checks the hidden classes of the objects it was compiled for, and the hidden
// class of a class instance lives only as long as some instance of it. Warmed up alone, the code was
// thrown away at the next full garbage collection ("embedded weak objects cleared") and the first three
// snapshots were as slow as without a warm-up (bench/notes/collector-snapshot-speed.md, session 9).
import {
  FAMILY_IPV4,
  FAMILY_IPV6,
  GLOBAL_SIZE,
  KEY_OFFSETS,
  KEY_SIZE,
  KEY_SIZE_SHORT,
  KEY_SIZE_V4,
  perCpuSlotSize,
  type SnapshotMeta,
} from "@ibsr/contract";
import { type BatchMap, FlowDrainer, widenKeys } from "../maps/drain.js";
import {
  allocFlowRows,
  decodeGlobal,
  type FlowRows,
  HI,
  LO,
  VALUE_WORD,
  VALUE_WORDS,
} from "../maps/flow-rows.js";
import { SnapshotBuilder } from "../maps/snapshot-rows.js";
import { monotonicMs } from "../system/clock.js";
import { freeBuffers } from "../system/free-buffers.js";
import { collectGarbage, trimMalloc } from "../system/memory.js";
import { DeltaEngine } from "./deltas.js";
import { ENCODE_CHUNK_ROWS, encodeSnapshotParquetStreamed } from "./parquet.js";

/** Synthetic entries of the warm-up (a power of two: the drain order below is a bijection on them). */
export const WARM_UP_ENTRIES = 2048;
/**
 * Snapshots the warm-up makes: all new, then continuing, re-inserted, gone and back, escaped. Each of
 * the delta engine's passes runs once per snapshot, and V8 moves a function up one tier per call or so:
 * the rounds, more than the rows, get the code optimised.
 */
export const WARM_UP_ROUNDS = 8;
/**
 * Of the rounds, the last this many are encoded (the others gather their chunks only). WebAssembly
 * memory never shrinks and every page it touched stays resident: each encoded warm-up file left 0.4-1.5
 * MB more resident in it after the run's first full snapshots, and one is enough for the time.
 */
export const WARM_UP_ENCODED = 1;
/** Rows per batch, as the drain writes them (chunkFor() of a small map). */
const BATCH_ROWS = 1024;

export interface WarmUpOptions {
  entries?: number;
  rounds?: number;
  /** Of the rounds, the last this many are encoded (the others gather their chunks only). */
  encoded?: number;
}

export interface WarmUpResult {
  rounds: number;
  /** Rows written into the last synthetic snapshot. */
  lastRows: number;
  /** Its Parquet bytes (encoded into memory and dropped). */
  lastBytes: number;
  /** Wall time, milliseconds. */
  ms: number;
}

/** What a run snapshots with: one of each, for the whole run. */
export interface SnapshotEngines {
  drainer: FlowDrainer;
  deltas: DeltaEngine;
  builder: SnapshotBuilder;
  /** What the warm-up did. */
  warmUp: WarmUpResult;
}

/**
 * The run's drainer, delta engine (its first snapshot's base `startTsUs`; reset() it to the attach time)
 * and snapshot builder for `maps` of `mapSize` entries in all, created first, then the snapshot path
 * warmed up (warmSnapshotPath). The run command and the collector benchmark both start with this.
 */
export async function startSnapshotEngines(
  maps: readonly BatchMap[],
  mapSize: number,
  startTsUs: bigint,
  warm: WarmUpOptions = {},
): Promise<SnapshotEngines> {
  const drainer = new FlowDrainer(maps, mapSize);
  const deltas = new DeltaEngine(drainer.limit, startTsUs);
  const builder = new SnapshotBuilder(drainer.limit);
  const warmUp = await warmSnapshotPath(warm);
  return { drainer, deltas, builder, warmUp };
}

/**
 * Runs `rounds` synthetic snapshots of `entries` rows through the run loop's per-snapshot functions and
 * drops everything it made. Rows, like a drain's, arrive in hash order (not snapshot order), IPv4 keys
 * 8 bytes wide and IPv6 keys 12 bytes wide before widening; from the second round on most rows continue
 * with grown counters, some are unchanged, some re-inserted (same key, new first_seen), some gone and
 * back, and some have a counter above 2^32 (an escaped high word), so every branch the run loop takes on
 * real traffic has run once before it.
 */
export async function warmSnapshotPath(opts: WarmUpOptions = {}): Promise<WarmUpResult> {
  const entries = opts.entries ?? WARM_UP_ENTRIES;
  const rounds = opts.rounds ?? WARM_UP_ROUNDS;
  const encoded = opts.encoded ?? WARM_UP_ENCODED;
  if (!Number.isInteger(entries) || entries < BATCH_ROWS || (entries & (entries - 1)) !== 0)
    throw new RangeError(`warmSnapshotPath: entries must be a power of two >= ${BATCH_ROWS}, got ${entries}`);
  const started = monotonicMs();
  // A fixed, made-up clock: the warm-up's timestamps go nowhere.
  const t0 = 1_700_000_000_000_000n;
  let deltas: DeltaEngine | null = new DeltaEngine(entries, t0);
  let builder: SnapshotBuilder | null = new SnapshotBuilder(entries);
  const batch = new Uint32Array(BATCH_ROWS * VALUE_WORDS);
  const globals = decodeGlobal(new Uint8Array(perCpuSlotSize(GLOBAL_SIZE)), 1);
  let lastRows = 0;
  let lastBytes = 0;
  for (let round = 0; round < rounds; round++) {
    const rows = allocFlowRows(entries + BATCH_ROWS, entries);
    const count = fillRows(rows, batch, entries, round);
    const tsUs = t0 + BigInt(round + 1) * 60_000_000n;
    const d = deltas.compute(rows, count, tsUs);
    const source = builder.build(rows, count, d);
    const meta: SnapshotMeta = {
      collectorVersion: "warm-up",
      host: "warm-up",
      iface: "warm-up",
      runId: "warm-up",
      seq: round,
      tsUs,
      baseTsUs: d.baseTsUs,
      intervalSec: 60,
      xdpMode: "none",
      mtu: 1500,
      offload: {},
      mapCapacity: entries,
      liveEntries: count,
      kernelRelease: "warm-up",
      ports: [443],
      ipv6PrefixLen: 64,
      globals,
      monoOffsetNs: 0n,
      synthetic: "collector start-up warm-up",
    };
    lastRows = source.length;
    let bytes: Uint8Array;
    if (round >= rounds - encoded) {
      bytes = await encodeSnapshotParquetStreamed({ meta, rows: source });
    } else {
      for (let at = 0; at < source.length; at += ENCODE_CHUNK_ROWS)
        source.chunk(at, Math.min(ENCODE_CHUNK_ROWS, source.length - at));
      bytes = new Uint8Array(0);
    }
    lastBytes = bytes.byteLength;
    // As the run loop after a written snapshot.
    deltas.commit();
    builder.release();
    deltas.release();
    freeBuffers(bytes.buffer, rows.keys.buffer);
    rows.values.free();
  }
  freeBuffers(batch.buffer);
  // Nothing of the warm-up outlives it: the engines (their baselines) are garbage now, collected before
  // the run allocates its own; freed malloc pages go back to the kernel.
  deltas = null;
  builder = null;
  collectGarbage();
  trimMalloc();
  return { rounds, lastRows, lastBytes, ms: monotonicMs() - started };
}

/**
 * Writes round `round`'s rows as a drain would: batches of keys at the maps' short key sizes (widened in
 * place), values in the kernel's layout packed by CompactValues.pushRows. Returns the row count.
 */
function fillRows(rows: FlowRows, batch: Uint32Array, entries: number, round: number): number {
  const { keys, values } = rows;
  values.begin();
  let count = 0;
  // IPv4 map first, then IPv6, as the drainer reads them.
  for (const family of [FAMILY_IPV4, FAMILY_IPV6]) {
    const keySize = family === FAMILY_IPV4 ? KEY_SIZE_V4 : KEY_SIZE_SHORT;
    let inBatch = 0;
    let batchStart = count;
    const flush = () => {
      widenKeys(keys, batchStart, inBatch, keySize);
      values.pushRows(batch, inBatch);
      count += inBatch;
      batchStart = count;
      inBatch = 0;
    };
    for (let i = 0; i < entries; i++) {
      // Hash order: an odd multiplier is a bijection modulo a power of two.
      const e = (Math.imul(i, 0x9e3779b1) + round * 7919) & (entries - 1);
      const v6 = e % 4 === 3;
      if (v6 !== (family === FAMILY_IPV6)) continue;
      // Gone this round (every 32nd entry, a different set each round; back the round after).
      if (round > 0 && (e & 31) === ((round + 8) & 31)) continue;
      const at = (batchStart + inBatch) * KEY_SIZE + inBatch * (keySize - KEY_SIZE);
      keys.fill(0, at, at + keySize);
      keys[at + KEY_OFFSETS.family] = family;
      keys[at + KEY_OFFSETS.prefix_len] = v6 ? 64 : 32;
      keys[at + KEY_OFFSETS.dst_port] = 443 & 255;
      keys[at + KEY_OFFSETS.dst_port + 1] = 443 >> 8;
      const a = at + KEY_OFFSETS.addr;
      if (v6) {
        keys.set([0x20, 0x01, 0x00, 0x02, 0, 0, (e >> 8) & 255, e & 255], a);
      } else {
        keys.set([198, 18 + ((e >> 16) & 1), (e >> 8) & 255, e & 255], a);
      }
      writeValue(batch, inBatch * VALUE_WORDS, e, round);
      inBatch++;
      if (inBatch === BATCH_ROWS) flush();
    }
    if (inBatch > 0) flush();
  }
  values.end();
  return count;
}

/** Entry `e`'s counters in round `round` (kernel layout, 64-bit fields as two host-order words). */
function writeValue(vw: Uint32Array, at: number, e: number, round: number): void {
  // Every 16th entry stands still after its first round: an unchanged row, left out of the snapshot.
  const grown = (e & 15) === 0 ? Math.min(round, 1) : round;
  const syn = 1 + (e % 3) + grown;
  const packets = syn + (e % 20) + 3 * grown;
  // Low words over the whole 32-bit range, as real byte counts and ktime stamps have (V8 compiles
  // other code for words it has only seen below 2^31).
  const h = Math.imul(e + 1, 0x9e3779b1) >>> 0;
  const set = (word: number, lo: number, hi = 0) => {
    vw[at + word + LO] = lo >>> 0;
    vw[at + word + HI] = hi >>> 0;
  };
  set(VALUE_WORD.syn, syn);
  set(VALUE_WORD.synack, 0);
  set(VALUE_WORD.ack, packets - syn);
  set(VALUE_WORD.handshake_ack, (packets - syn) >> 1);
  set(VALUE_WORD.rst, e & 1);
  set(VALUE_WORD.fin, (e >> 1) & 1);
  set(VALUE_WORD.packets, packets);
  // Every 64th entry has moved more than 4 GiB from the second round on: its bytes have a high word.
  set(
    VALUE_WORD.bytes,
    (h & 0xfff00000) + packets * (60 + (e % 1440)),
    (e & 63) === 1 && round > 0 ? round : 0,
  );
  // Every 128th entry is re-inserted in each round after the first (evicted and created again).
  const reinserted = (e & 127) === 2 && round > 1;
  set(VALUE_WORD.first_seen, h + (reinserted ? round : 0), 0x5000 + (e & 7));
}
