// The heavy pass over reference JSONL in process: the streamed deltas (jsonl-delta-spool.ts) read back one line
// at a time, summed per key and interval with typed arrays, judged with the hot predicate generated from its one
// description (analysis/hot-predicate.ts). It returns what scan.ts's two SQL passes return over the same rows
// (candidates, per-interval and per-port totals; JSONL has no invalid rows at this point: the stream skipped
// them) and leaves the same key table `agg` in DuckDB, so the rest of the report cannot tell the two apart.
// Loading the day's 14 M delta rows into DuckDB and grouping them there took about 11 s of a 13 s report.
import type { DuckDBConnection } from "@duckdb/node-api";
import { compileCondition, HOT, type HotParams, type PredicateRow } from "../analysis/hot-predicate.js";
import type { ReportConfig } from "../model.js";
import { insertRows } from "./duckdb.js";
import { IntervalCounters } from "./interval-counters.js";
import type { Interval } from "./intervals.js";
import { type DeltaSpool, SPOOL_ROW } from "./jsonl-delta-spool.js";
import type { LegacyKey } from "./legacy-stream.js";
import { MAX_COUNTER } from "./queries/row-rules.js";
import { COUNTER_COLS, hotParams } from "./queries/scan.js";
import {
  CANDIDATE_FACTOR,
  type Candidate,
  type CandRow,
  type Counts,
  keyId,
  relevantIntervals,
  type ScanResult,
} from "./scan.js";

const NC = COUNTER_COLS.length;
const SYN = COUNTER_COLS.indexOf("syn");
const PACKETS = COUNTER_COLS.indexOf("packets");
const BYTES = COUNTER_COLS.indexOf("bytes");
const HANDSHAKE_ACK = COUNTER_COLS.indexOf("handshake_ack");

const isHot = compileCondition(HOT);

/** The progress line that says the heavy pass runs here (tests look for it). */
export const IN_PROCESS_SCAN_MESSAGE = "scanning the JSONL deltas in process";

/** The progress line when a sum passed 2^53 - 1 and the run starts again with the deltas in DuckDB. */
export const JSONL_RETRY_MESSAGE =
  "a JSONL delta sum passed 2^53 - 1 (not exact as a double): reading again with the deltas in DuckDB";

export interface JsonlScanInput {
  spool: DeltaSpool;
  /** The stream's keys, by kid (several kids can be one key: two spellings of one address). */
  keys: readonly LegacyKey[];
  /** Live intervals of JSONL runs, each with the streamed lines whose deltas form it. */
  intervals: readonly { iv: Interval; lines: readonly number[] }[];
  /** Every live interval of the report (where a block could drop: relevantIntervals). */
  live: readonly Interval[];
  /** Host of each run, by run number. */
  hostOfRun: (run: number) => string;
  /** Several hosts: each host's keys are counted too (agg's g_key = 2 rows). */
  perHost: boolean;
  ports: readonly number[] | null;
}

/** A run of rows as the spool lays them out: kid, then the six deltas, SPOOL_ROW values a row. */
type Rows = Uint32Array | Float64Array;

/** One interval's rows, as they are in the spool for one line, summed per kid over the lines of a merged one. */
class IntervalRows {
  private merged = new Float64Array(16_384 * SPOOL_ROW);
  private readonly sums: Float64Array;
  private readonly seen: Uint8Array;
  private readonly touched: number[] = [];

  constructor(keys: number) {
    this.sums = new Float64Array(keys * NC);
    this.seen = new Uint8Array(keys);
  }

  /** The row runs of the interval made of `lines` (views valid until the next call; merged as jrows groups them). */
  load(spool: DeltaSpool, lines: readonly number[]): Rows[] {
    if (lines.length === 1) {
      const { narrow, wide } = spool.read(lines[0]!);
      return [narrow, wide];
    }
    const { sums, seen, touched } = this;
    const add = (a: Rows) => {
      for (let o = 0; o < a.length; o += SPOOL_ROW) {
        const kid = a[o]!;
        if (seen[kid] === 0) {
          seen[kid] = 1;
          touched.push(kid);
          sums.fill(0, kid * NC, kid * NC + NC);
        }
        for (let i = 0; i < NC; i++) sums[kid * NC + i]! += a[o + 1 + i]!;
      }
    };
    for (const line of lines) {
      const { narrow, wide } = spool.read(line);
      add(narrow);
      add(wide);
    }
    if (touched.length * SPOOL_ROW > this.merged.length)
      this.merged = new Float64Array(touched.length * 2 * SPOOL_ROW);
    const out = this.merged;
    touched.forEach((kid, r) => {
      seen[kid] = 0;
      out[r * SPOOL_ROW] = kid;
      for (let i = 0; i < NC; i++) out[r * SPOOL_ROW + 1 + i] = sums[kid * NC + i]!;
    });
    const n = touched.length;
    touched.length = 0;
    return [out.subarray(0, n * SPOOL_ROW)];
  }
}

/**
 * Thrown when a sum passes 2^53 - 1: each delta is at most that (row-rules.ts), but many of them summed as
 * doubles are no longer exact. Only a hostile or absurd file gets there; the run starts again with the deltas in
 * DuckDB, whose sums are exact (engine.ts), rather than report a rounded total.
 */
export class JsonlSumPastExact extends Error {
  constructor() {
    super("a JSONL delta sum passed 2^53 - 1: the heavy pass runs again in DuckDB");
  }
}

/** A summed count, refused when a double no longer holds it exactly. */
const exact = (x: number): number => {
  if (x > MAX_COUNTER) throw new JsonlSumPastExact();
  return x;
};

const asCounts = (a: Float64Array, o: number): Counts => {
  const out = {} as Counts;
  COUNTER_COLS.forEach((c, i) => {
    out[c] = BigInt(exact(a[o + i]!));
  });
  return out;
};

export async function scanJsonl(
  c: DuckDBConnection,
  input: JsonlScanInput,
  cfg: ReportConfig,
): Promise<ScanResult> {
  const { spool, keys } = input;
  const K = keys.length;
  // Kids to keys (family 4, address, prefix length, port): pass 1 groups by that identity.
  const gidOf = new Int32Array(K);
  const ids: string[] = [];
  const kidOfGid: number[] = [];
  {
    const byId = new Map<string, number>();
    keys.forEach((k, kid) => {
      const id = keyId(4, k.src, k.prefixLen, k.port);
      let g = byId.get(id);
      if (g === undefined) {
        g = ids.length;
        byId.set(id, g);
        ids.push(id);
        kidOfGid.push(kid);
      }
      gidOf[kid] = g;
    });
  }
  const G = ids.length;
  const portOk = new Uint8Array(K);
  const wanted = input.ports && input.ports.length > 0 ? new Set(input.ports) : null;
  keys.forEach((k, kid) => {
    portOk[kid] = wanted === null || wanted.has(k.port) ? 1 : 0;
  });

  const p: HotParams = hotParams(cfg, CANDIDATE_FACTOR);
  const row: PredicateRow = { syn: 0, handshake_ack: 0, packets: 0, bytes: 0 };
  const judge = (d: Rows, o: number, span: number): boolean => {
    row.syn = d[o + SYN]!;
    row.handshake_ack = d[o + HANDSHAKE_ACK]!;
    row.packets = d[o + PACKETS]!;
    row.bytes = d[o + BYTES]!;
    return isHot(row, span, p);
  };
  const portOf = new Int32Array(K);
  keys.forEach((k, kid) => {
    portOf[kid] = k.port;
  });

  const sums = new Float64Array(G * NC);
  const peaks = new Float64Array(G * 3).fill(-Infinity);
  const n = new Float64Array(G);
  const hot = new Uint8Array(G);
  const hostSums = new Map<string, { sums: Float64Array; n: Float64Array }>();
  const hotRows: { g: number; row: CandRow }[] = [];
  const hotEnds: number[] = [];
  const ivTotals = new IntervalCounters();
  const ivPorts = new IntervalCounters();
  const rows = new IntervalRows(K);
  const wd = new Float64Array(NC);
  const candRow = (iv: number, d: Rows, o: number): CandRow => {
    const r = { iv } as CandRow;
    COUNTER_COLS.forEach((col, i) => {
      r[col] = exact(d[o + i]!);
    });
    return r;
  };

  // The interval being summed. The row loop is a function of its own, called per run of rows: as one loop nested
  // in the interval loop it was compiled on stack and left at every interval's end (73 deoptimisations on a
  // quarter day).
  const cur = {
    iv: null as unknown as Interval,
    hs: undefined as { sums: Float64Array; n: Float64Array } | undefined,
    /** Per port: the six weighted sums and the row count. */
    byPort: new Map<number, Float64Array>(),
    /** The last port's sums, kept at hand: keys share a few ports. */
    lastPort: -1,
    t: new Float64Array(0) as Float64Array,
  };
  const addRows = (d: Rows): void => {
    const { span, w } = cur.iv;
    const hs = cur.hs;
    // The interval's port sums at hand in locals (object fields were read again for every row).
    let lastPort = cur.lastPort;
    let t = cur.t;
    for (let row = 0; row < d.length; row += SPOOL_ROW) {
      const kid = d[row]!;
      if (portOk[kid] === 0) continue;
      const g = gidOf[kid]!;
      const at = row + 1;
      // Weighted as pass 1 weighs (round half away from zero; deltas are never negative).
      if (w === 1) for (let i = 0; i < NC; i++) wd[i] = d[at + i]!;
      else for (let i = 0; i < NC; i++) wd[i] = Math.round(d[at + i]! * w);
      const o = g * NC;
      for (let i = 0; i < NC; i++) sums[o + i]! += wd[i]!;
      const pk = g * 3;
      const synRate = d[at + SYN]! / span;
      const pktRate = d[at + PACKETS]! / span;
      const byteRate = d[at + BYTES]! / span;
      if (synRate > peaks[pk]!) peaks[pk] = synRate;
      if (pktRate > peaks[pk + 1]!) peaks[pk + 1] = pktRate;
      if (byteRate > peaks[pk + 2]!) peaks[pk + 2] = byteRate;
      n[g]!++;
      if (hs) {
        for (let i = 0; i < NC; i++) hs.sums[o + i]! += wd[i]!;
        hs.n[g]!++;
      }
      const port = portOf[kid]!;
      if (port !== lastPort) {
        lastPort = port;
        const known = cur.byPort.get(port);
        if (known) t = known;
        else {
          t = new Float64Array(NC + 1);
          cur.byPort.set(port, t);
        }
      }
      for (let i = 0; i < NC; i++) t[i]! += wd[i]!;
      t[NC]!++;
      if (judge(d, at, span)) {
        hot[g] = 1;
        hotRows.push({ g, row: candRow(cur.iv.iv, d, at) });
        hotEnds.push(cur.iv.t1);
      }
    }
    cur.lastPort = lastPort;
    cur.t = t;
  };

  const order = [...input.intervals].sort((a, b) => a.iv.iv - b.iv.iv);
  for (const { iv, lines } of order) {
    const host = input.hostOfRun(iv.run);
    let hs = hostSums.get(host);
    if (input.perHost && !hs) {
      hs = { sums: new Float64Array(G * NC), n: new Float64Array(G) };
      hostSums.set(host, hs);
    }
    const byPort = new Map<number, Float64Array>();
    Object.assign(cur, { iv, hs, byPort, lastPort: -1 });
    for (const d of rows.load(spool, lines)) addRows(d);
    if (byPort.size === 0) continue;
    const total = new Float64Array(NC + 1);
    for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
      const t = byPort.get(port)!;
      for (let i = 0; i <= NC; i++) total[i]! += t[i]!;
      ivPorts.push({ iv: iv.iv, dstPort: port, keys: t[NC]!, values: asCounts(t, 0) });
    }
    ivTotals.push({ iv: iv.iv, keys: total[NC]!, values: asCounts(total, 0) });
  }

  // Candidates: keys hot in some interval, with their hot rows and, in the intervals a block could cover, the others.
  const cands = new Map<number, Candidate>();
  const keyOf = (g: number) => {
    const k = keys[kidOfGid[g]!]!;
    return {
      id: ids[g]!,
      family: 4 as const,
      src: k.src,
      prefixLen: k.prefixLen,
      dstPort: k.port,
      totals: asCounts(sums, g * NC),
      peakSynRate: peaks[g * 3]!,
      peakPktRate: peaks[g * 3 + 1]!,
      peakByteRate: peaks[g * 3 + 2]!,
      intervals: n[g]!,
      candidate: hot[g] === 1,
    };
  };
  for (let g = 0; g < G; g++) if (hot[g] === 1) cands.set(g, { key: keyOf(g), rows: [] });
  for (const h of hotRows) cands.get(h.g)!.rows.push(h.row);
  if (cands.size > 0) {
    const rel = relevantIntervals(input.live, hotEnds, cfg.block_duration_sec);
    // The candidates' rows that are not hot, in the intervals a block could cover (a function of its own, as above).
    const otherRows = (d: Rows, iv: Interval): void => {
      for (let row = 0; row < d.length; row += SPOOL_ROW) {
        const kid = d[row]!;
        if (portOk[kid] === 0 || hot[gidOf[kid]!] === 0 || judge(d, row + 1, iv.span)) continue;
        cands.get(gidOf[kid]!)!.rows.push(candRow(iv.iv, d, row + 1));
      }
    };
    for (const { iv, lines } of order) {
      if (!rel.has(iv.iv)) continue;
      for (const d of rows.load(spool, lines)) otherRows(d, iv);
    }
    for (const cand of cands.values()) cand.rows.sort((a, b) => a.iv - b.iv);
  }

  // The key table as pass 1 leaves it (analysis/key-table.ts reads g_key 0, and g_key 2 per host).
  const aggRows: (string | number | bigint | boolean | Uint8Array | null)[][] = [];
  const counters = (a: Float64Array, o: number) => COUNTER_COLS.map((_, i) => BigInt(exact(a[o + i]!)));
  for (let g = 0; g < G; g++) {
    if (n[g] === 0) continue;
    const k = keys[kidOfGid[g]!]!;
    aggRows.push([
      0,
      4,
      k.src,
      k.prefixLen,
      k.port,
      ...counters(sums, g * NC),
      peaks[g * 3]!,
      peaks[g * 3 + 1]!,
      peaks[g * 3 + 2]!,
      n[g]!,
      hot[g] === 1,
      null,
    ]);
  }
  for (const [host, hs] of hostSums)
    for (let g = 0; g < G; g++) {
      if (hs.n[g] === 0) continue;
      const k = keys[kidOfGid[g]!]!;
      aggRows.push([
        2,
        4,
        k.src,
        k.prefixLen,
        k.port,
        ...counters(hs.sums, g * NC),
        null,
        null,
        null,
        hs.n[g]!,
        null,
        host,
      ]);
    }
  await insertRows(
    c,
    "agg",
    [
      "g_key INTEGER",
      "family TINYINT",
      "src BLOB",
      "prefix_len SMALLINT",
      "dst_port INTEGER",
      ...COUNTER_COLS.map((col) => `${col} BIGINT`),
      "peak_syn_rate DOUBLE",
      "peak_pkt_rate DOUBLE",
      "peak_byte_rate DOUBLE",
      "n BIGINT",
      "any_hot BOOLEAN",
      "host VARCHAR",
    ],
    aggRows,
  );
  return { invalid: [], candidates: [...cands.values()], ivTotals: ivTotals.trim(), ivPorts: ivPorts.trim() };
}
