// Reading the kernel maps once per snapshot. The flow map is read with bpf_map_lookup_batch only (a few
// syscalls for the whole map, never one per key), each call writing its keys straight into place in
// FlowRows sized for --map-size and its values into one batch buffer, from which they are stored compact
// (40 B instead of 72 per row, exact): user-space memory stays flat whatever the traffic. The rows are
// needed only from the drain to the end of its snapshot; the run loop release()s them in between (about
// 10 MB at 100 000 entries that would otherwise stay resident all interval).
import { GLOBAL_SIZE, type GlobalTotals, KEY_SIZE, perCpuSlotSize } from "@ibsr/contract";
import { BatchCursor } from "../libbpf/index.js";
import { monotonicMs } from "../system/clock.js";
import { freeBuffers } from "../system/free-buffers.js";
import { allocFlowRows, decodeGlobal, type FlowRows, KEY_WORDS, VALUE_WORDS } from "./flow-rows.js";

/** The part of libbpf/index.ts's BpfMap a drain needs (a structural type, so tests can pass a fake map). */
export interface BatchMap {
  readonly name: string;
  /** The kernel's key size: KEY_SIZE, or fewer leading bytes of it (KEY_SIZE_SHORT, KEY_SIZE_V4). */
  readonly keySize: number;
  lookupBatch(cursor: BatchCursor, keys: Uint8Array, values: Uint8Array, maxCount: number): number;
}

export interface LookupMap {
  readonly name: string;
  lookup(key: Uint8Array, out: Uint8Array): boolean;
}

export interface DrainResult {
  /** Rows now valid in `columns` (0..rows-1). */
  rows: number;
  /** Of those, the rows each map gave, in the order the maps were passed (ibsr_flows4, ibsr_flows6).
   * The drainer's own array, overwritten by the next drain. */
  perMap: readonly number[];
  /** bpf_map_lookup_batch calls made. */
  calls: number;
  /** True when the map held more entries than the columns can take (entries churned during the pass). */
  truncated: boolean;
  /** Wall time of the drain, milliseconds. */
  ms: number;
}

/**
 * Rows per bpf_map_lookup_batch call: at least 1024 (a hash bucket larger than the buffer gives ENOSPC),
 * at most 4096 (more rows per call saves nothing measurable and costs 96 B of buffer per row).
 */
export function chunkFor(mapSize: number): number {
  return Math.max(1024, Math.min(4096, mapSize));
}

/** Rows the columns hold beyond --map-size: about 1.5 %, at least 1024 (see FlowDrainer). */
export function slackFor(mapSize: number): number {
  return Math.max(1024, Math.ceil(mapSize / 64));
}

/**
 * Drains the LRU hash maps of ibsr_key -> ibsr_value (ibsr_flows4, then ibsr_flows6) into one set of
 * rows, as one map was drained before the split: readers of FlowRows see no difference. `mapSize` is
 * the maps' total max_entries. One instance per run; its rows are reused by every drain. A pass keeps at most `limit` = mapSize + slackFor(mapSize) rows: a hash bucket is read whole and a
 * key always hashes to the same bucket, so no key is seen twice in a pass, but an entry evicted from a
 * bucket already read and replaced by one in a bucket not yet read can make a pass see slightly more than
 * max_entries rows; beyond the slack the pass stops and reports itself truncated. The rows have room for
 * one more chunk than the limit, because a batch call writes up to a whole chunk wherever it is pointed.
 */
export class FlowDrainer {
  readonly chunk: number;
  /** The most rows one drain keeps (what the deltas and the snapshot builder must be sized for). */
  readonly limit: number;
  private readonly cursor = new BatchCursor();
  private readonly maps: readonly BatchMap[];
  private readonly perMap: number[];
  private buffer: FlowRows | null = null;
  /** One batch of values in the kernel's layout, which the drain converts into the rows' compact values. */
  private batch: Uint32Array | null = null;

  constructor(maps: BatchMap | readonly BatchMap[], mapSize: number) {
    this.maps = Array.isArray(maps) ? maps : [maps as BatchMap];
    this.perMap = this.maps.map(() => 0);
    this.chunk = chunkFor(mapSize);
    this.limit = mapSize + slackFor(mapSize);
  }

  /**
   * The rows drain() writes (keys for limit + chunk rows, values for limit rows), allocated on first use
   * and reused by every drain until release().
   */
  get rows(): FlowRows {
    this.buffer ??= allocFlowRows(this.limit + this.chunk, this.limit);
    return this.buffer;
  }

  /**
   * Frees the rows until the next drain (their pages go back to the kernel at once). The rows of the last
   * drain, and every view of them, are empty after this.
   */
  release(): void {
    if (this.buffer) {
      freeBuffers(this.buffer.keys.buffer);
      this.buffer.values.free();
    }
    if (this.batch) freeBuffers(this.batch.buffer);
    this.buffer = null;
    this.batch = null;
  }

  /** Reads every map, one after the other, into `rows`. Throws LibbpfError when a batch call fails. */
  drain(): DrainResult {
    const started = monotonicMs();
    const cursor = this.cursor;
    const { keys, values } = this.rows;
    this.batch ??= new Uint32Array(this.chunk * VALUE_WORDS);
    const batch = this.batch;
    const batchBytes = new Uint8Array(batch.buffer);
    values.begin();
    let rows = 0;
    let calls = 0;
    let truncated = false;
    this.perMap.fill(0);
    for (const [m, map] of this.maps.entries()) {
      const first = rows;
      cursor.started = false;
      cursor.done = false;
      while (!cursor.done) {
        const n = map.lookupBatch(cursor, keys.subarray(rows * KEY_SIZE), batchBytes, this.chunk);
        calls++;
        if (map.keySize !== KEY_SIZE) widenKeys(keys, rows, n, map.keySize);
        const take = Math.min(n, this.limit - rows);
        values.pushRows(batch, take);
        rows += take;
        // Bounded: stop rather than spin if the kernel keeps returning rows past the limit, or keeps
        // answering "not done" with no rows (every call but the last returns at least one row).
        if (take < n || calls > this.limit + 2 * this.maps.length) {
          truncated = true;
          break;
        }
      }
      this.perMap[m] = rows - first;
      if (truncated) break;
    }
    values.end();
    return { rows, perMap: this.perMap, calls, truncated, ms: monotonicMs() - started };
  }
}

/**
 * The batch call wrote `n` keys of `keySize` bytes back to back from row `from`; spread them to the
 * KEY_SIZE stride every reader of FlowRows expects, zero-filling each key's tail (the bytes a short key
 * leaves out are zero in every key of such a setup). Last row first, so no key is overwritten before it
 * moves (each moves to a higher or equal offset).
 */
export function widenKeys(keys: Uint8Array, from: number, n: number, keySize: number): void {
  const base = from * KEY_SIZE;
  if (keySize % 4 === 0 && keys.byteOffset % 4 === 0) {
    // Whole 32-bit words (every key size the maps use): a word loop instead of two builtin calls per key,
    // about half the time at 100 000 IPv4 keys.
    const words = new Uint32Array(keys.buffer, keys.byteOffset, Math.floor(keys.byteLength / 4));
    const w0 = base / 4;
    const kw = keySize / 4;
    for (let i = n - 1; i >= 0; i--) {
      const src = w0 + i * kw;
      const dst = w0 + i * KEY_WORDS;
      // Highest word first: a key moves to a higher or equal offset and may overlap its old place.
      for (let w = KEY_WORDS - 1; w >= kw; w--) words[dst + w] = 0;
      for (let w = kw - 1; w >= 0; w--) words[dst + w] = words[src + w]!;
    }
    return;
  }
  for (let i = n - 1; i >= 0; i--) {
    const dst = base + i * KEY_SIZE;
    keys.copyWithin(dst, base + i * keySize, base + (i + 1) * keySize);
    keys.fill(0, dst + keySize, dst + KEY_SIZE);
  }
}

/** Reads the per-CPU ibsr_global array (one entry) and sums the CPUs. */
export class GlobalReader {
  private readonly key = new Uint8Array(4);
  private readonly buf: Uint8Array;

  constructor(
    private readonly map: LookupMap,
    private readonly cpus: number,
  ) {
    this.buf = new Uint8Array(perCpuSlotSize(GLOBAL_SIZE) * cpus);
  }

  read(): GlobalTotals {
    if (!this.map.lookup(this.key, this.buf)) {
      throw new Error(`map ${this.map.name}: entry 0 missing (a per-CPU array always has it)`);
    }
    return decodeGlobal(this.buf, this.cpus);
  }
}
