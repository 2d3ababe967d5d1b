// Reference JSONL in one streamed pass per file: each line is read by the byte scanner (jsonl-line.ts) or, when
// it is not the collector's plain shape, typed and judged by DuckDB alone (the same column types and row rule
// its whole-day reader used); bad lines are named by the lenient reader. Keys are numbered as they come and the
// deltas are computed per run and key against the previous line of the run, so nothing of the day is held but
// one line, one previous-counter slot per key, and the deltas (on disk in a DeltaSpool for the in-process heavy
// pass, or in DuckDB, which spills them under its limit, for SQL over jrows).
import { isUtf8 } from "node:buffer";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { ipv4FromU32 } from "@ibsr/contract";
import { DeltaSpool } from "./jsonl-delta-spool.js";
import { FAST_COUNTERS, FastLine, type FastLineData, readFastLine } from "./jsonl-line.js";
import { fileLines, isBlank } from "./jsonl-lines.js";
import { ParsePool } from "./jsonl-parse-pool.js";
import { parseLegacyLine } from "./legacy-jsonl.js";
import {
  LEGACY_LINE_BUCKETS_SQL,
  LEGACY_LINE_CATALOG_SQL,
  LEGACY_LINE_SQL,
  spoolSql,
} from "./queries/legacy.js";
import { RowSink } from "./row-sink.js";

const NC = FAST_COUNTERS.length;
/** Deltas held in DuckDB before they are moved to a Parquet file in its temp folder (about 30 MB). */
const SPOOL_ROWS = 1_000_000;

/** One usable line (a snapshot), before sids are given. */
export interface LegacyLine {
  line: number;
  file: string;
  lineNo: number;
  version: number;
  ts: number;
  runId: string | null;
  baseTs: number | null;
  intervalSec: number | null;
  /** Buckets in the line (usable or not). */
  nb: number;
  ports: number[];
  host: string;
  /** The line this one's deltas were taken against (the previous line of its run as streamed), or -1. */
  prev: number;
}

export interface LineSkip {
  file: string;
  line: number;
  reason: string;
}

/** Per key: the address as 16 bytes (null when it is not IPv4), the prefix length and the port (0 = any). */
export interface LegacyKey {
  src: Uint8Array;
  prefixLen: 24 | 32;
  port: number;
}

/**
 * "deltas": stream order is trusted (checked later), the deltas into DuckDB; "spool": the same deltas into a
 * DeltaSpool for the in-process heavy pass (jsonl-scan.ts), nothing into DuckDB; "raw": cumulative counters for
 * the window fallback;
 * "import": one line's rows at a time in table jimp (key, deltas, cumulative counters, new_entry), handed to
 * `onLine` after each line (import-jsonl writes them out and the table starts empty again).
 */
export type StreamMode = "deltas" | "spool" | "raw" | "import";

/**
 * Columns of jimp (mode "import"): ip (the key's IPv4 address as a number, masked for /24), prefix_len, port
 * (0: any), the deltas (<counter>_delta), the cumulative counters, new_entry (0/1).
 */
export const IMPORT_TABLE = "jimp";

interface RunState {
  last: number;
  lastTs: number;
  /** Per kid: the line of its last appearance in this run (-1 never). */
  seen: Int32Array;
  prev: Float64Array;
  /**
   * Per bucket position of the run's last fast line, its address, kind bits and port as read, and its kid: the
   * collector lists keys in the same order, so comparing them there is most keys' lookup (keyCode is one-to-one
   * on them, so equal parts are the same key).
   */
  ipAt: number[];
  kindAt: number[];
  portAt: number[];
  kidAt: number[];
}

const CANONICAL_IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

export class LegacyStream {
  readonly lines: LegacyLine[] = [];
  readonly skips: LineSkip[] = [];
  /** Lines skipped per file (all of them; `skips` keeps the reasons). */
  readonly skippedPerFile = new Map<string, number>();
  /** Buckets of usable lines that broke the row rule, per file and reason. */
  readonly badBuckets = new Map<string, Map<string, number>>();
  /** Buckets of usable lines whose address is not IPv4 text (skipped). */
  badAddress = 0;
  readonly keys: LegacyKey[] = [];
  private readonly fastKeys = new Map<number, number>();
  private readonly textKeys = new Map<string, number>();
  private readonly runs = new Map<string, RunState>();
  private lineSeq = 0;
  private readonly fast = new FastLine();
  private small!: RowSink;
  private big!: RowSink;
  /** Mode "spool": the deltas (kept after run() for the heavy pass, which disposes of it). */
  deltaSpool: DeltaSpool | null = null;
  private readonly cur = new Float64Array(NC);

  constructor(
    private readonly c: DuckDBConnection,
    private readonly mode: StreamMode,
    private readonly hostOf: (file: string) => string,
    /** Threads parsing files ahead of this one (0: parse here). */
    private readonly workers = 0,
    /** Mode "import": called after each usable line, its rows in jimp; jimp is emptied after it returns. */
    private readonly onLine: ((l: LegacyLine) => Promise<void>) | null = null,
  ) {}

  /** Hands the line just read (if it was usable) to onLine, then starts jimp again. */
  private async lineDone(before: number): Promise<void> {
    if (!this.onLine || this.lines.length === before) return;
    this.small.close();
    await this.onLine(this.lines[this.lines.length - 1]!);
    await this.openSinks();
  }

  async run(files: readonly string[]): Promise<void> {
    if (this.mode === "spool") this.deltaSpool = new DeltaSpool(join(await this.spoolFolder(), "deltas.bin"));
    else await this.openSinks();
    const pool = this.workers > 0 ? new ParsePool(files, this.workers) : null;
    try {
      for (let i = 0; i < files.length; i++) {
        await this.file(files[i]!, pool, i);
        if (this.mode === "deltas" && this.small.rows + this.big.rows >= SPOOL_ROWS) await this.spool();
      }
      if (this.mode === "deltas") await this.spool();
      this.deltaSpool?.endLine();
    } finally {
      await pool?.close();
      this.small?.close();
      this.big?.close();
    }
  }

  /** Delta files written so far (jd_small's and jd_big's rows, moved out of memory). */
  readonly spooled = { small: [] as string[], big: [] as string[] };

  private async spool(): Promise<void> {
    this.small.close();
    this.big.close();
    const dir = await this.spoolFolder();
    for (const [sink, table, list] of [
      [this.small, "jd_small", this.spooled.small],
      [this.big, "jd_big", this.spooled.big],
    ] as const) {
      if (sink.rows === 0) continue;
      const path = join(dir, `${table}-${list.length}.parquet`);
      await this.c.run(spoolSql(table, path));
      list.push(path);
    }
    await this.openSinks();
  }

  private spoolDir: string | null = null;

  /** A folder of its own in DuckDB's temp folder (which the reporter removes on every exit). */
  private async spoolFolder(): Promise<string> {
    if (this.spoolDir === null) {
      const temp = (
        await this.c.runAndReadAll("SELECT current_setting('temp_directory') AS t")
      ).getRowObjectsJS()[0]!.t as string;
      mkdirSync(temp, { recursive: true });
      this.spoolDir = mkdtempSync(join(resolve(temp), "jsonl-deltas-"));
    }
    return this.spoolDir;
  }

  private async openSinks(): Promise<void> {
    if (this.mode === "import") {
      this.small = await RowSink.open(this.c, IMPORT_TABLE, [
        ["ip", "DOUBLE"],
        ["prefix_len", "INTEGER"],
        ["port", "INTEGER"],
        ...FAST_COUNTERS.map((c) => [`${c}_delta`, "DOUBLE"] as const),
        ...FAST_COUNTERS.map((c) => [c, "DOUBLE"] as const),
        ["new_entry", "INTEGER"],
      ]);
      this.big = this.small;
      return;
    }
    const cols = FAST_COUNTERS.map((c) => [c, this.mode === "raw" ? "DOUBLE" : "UINTEGER"] as const);
    this.small = await RowSink.open(this.c, this.mode === "raw" ? "jraw" : "jd_small", [
      ["line", "INTEGER"],
      ["kid", "INTEGER"],
      ...cols,
    ]);
    this.big = await RowSink.open(this.c, "jd_big", [
      ["line", "INTEGER"],
      ["kid", "INTEGER"],
      ...FAST_COUNTERS.map((c) => [c, "DOUBLE"] as const),
    ]);
  }

  private skip(file: string, line: number, reason: string): void {
    this.skips.push({ file, line, reason });
    this.skippedPerFile.set(file, (this.skippedPerFile.get(file) ?? 0) + 1);
  }

  private async file(file: string, pool: ParsePool | null, index: number): Promise<void> {
    const host = this.hostOf(file);
    if (pool) {
      for await (const m of pool.lines(index)) {
        const before = this.lines.length;
        if (m.t === "err") this.skip(file, m.lineNo, m.reason);
        else if (m.t === "fast") {
          this.fastLine(file, host, m.lineNo, m.line);
          pool.recycle(index, m.line);
        } else
          await this.slowLine(
            file,
            host,
            m.lineNo,
            Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.length),
          );
        await this.lineDone(before);
      }
      return;
    }
    for await (const l of fileLines(file)) {
      if ("error" in l) {
        this.skip(file, l.lineNo, l.error);
        continue;
      }
      if (isBlank(l.b, l.start, l.end)) continue;
      const before = this.lines.length;
      if (readFastLine(l.b, l.start, l.end, this.fast)) this.fastLine(file, host, l.lineNo, this.fast);
      else await this.slowLine(file, host, l.lineNo, l.b.subarray(l.start, l.end));
      await this.lineDone(before);
    }
  }

  private state(
    host: string,
    runId: string | null,
    ts: number,
    line: number,
  ): { st: RunState; prev: number } {
    const key = `${host}\u0000${runId ?? ""}\u0000${runId === null ? 1 : 0}`;
    let st = this.runs.get(key);
    if (!st) {
      st = {
        last: -1,
        lastTs: -Infinity,
        ipAt: [],
        kindAt: [],
        portAt: [],
        kidAt: [],
        seen: new Int32Array(1024).fill(-1),
        prev: new Float64Array(1024 * NC),
      };
      this.runs.set(key, st);
    }
    // Out of order (or a repeated time): the chain check in legacy.ts sends the run to the window fallback.
    const prev = ts > st.lastTs ? st.last : -2;
    st.last = line;
    st.lastTs = Math.max(st.lastTs, ts);
    return { st, prev };
  }

  private grow(st: RunState): void {
    const need = this.keys.length;
    if (need <= st.seen.length) return;
    let cap = st.seen.length;
    while (cap < need) cap *= 2;
    const seen = new Int32Array(cap).fill(-1);
    seen.set(st.seen);
    const prev = new Float64Array(cap * NC);
    prev.set(st.prev);
    st.seen = seen;
    st.prev = prev;
  }

  private newKey(src: Uint8Array, cidr: boolean, port: number): number {
    this.keys.push({ src, prefixLen: cidr ? 24 : 32, port });
    return this.keys.length - 1;
  }

  /** The kid of the key with this keyCode (ip as written, cidr 0/1, port -1 for any). */
  private fastKid(code: number, ip: number, cidr: number, port: number): number {
    let kid = this.fastKeys.get(code);
    if (kid === undefined) {
      kid = this.newKey(ipv4Bytes(cidr === 1 ? ip - (ip % 256) : ip), cidr === 1, Math.max(0, port));
      this.fastKeys.set(code, kid);
    }
    return kid;
  }

  /** Writes one bucket's row: deltas against the run's previous line (deltas mode) or the raw counters. */
  private bucket(st: RunState, prevLine: number, line: number, kid: number, cur: Float64Array): void {
    const o = kid * NC;
    if (this.mode === "raw") {
      this.put(this.small, line, kid, cur);
      return;
    }
    let cont = st.seen[kid] === prevLine && prevLine >= 0;
    if (cont) for (let i = 0; i < NC; i++) if (cur[i]! < st.prev[o + i]!) cont = false;
    let nonzero = false;
    let small = true;
    for (let i = 0; i < NC; i++) {
      const d = cont ? cur[i]! - st.prev[o + i]! : cur[i]!;
      this.cur[i] = d;
      if (d !== 0) nonzero = true;
      if (d > 0xffffffff) small = false;
      st.prev[o + i] = cur[i]!;
    }
    st.seen[kid] = line;
    if (!nonzero) return;
    if (this.mode === "import") {
      const sink = this.small;
      const at = sink.at;
      const k = this.keys[kid]!;
      sink.column(0)[at] = k.src[0]! * 16777216 + k.src[1]! * 65536 + k.src[2]! * 256 + k.src[3]!;
      sink.column(1)[at] = k.prefixLen;
      sink.column(2)[at] = k.port;
      for (let i = 0; i < NC; i++) {
        sink.column(3 + i)[at] = this.cur[i]!;
        sink.column(3 + NC + i)[at] = cur[i]!;
      }
      sink.column(3 + 2 * NC)[at] = cont ? 0 : 1;
      sink.commit();
    } else if (this.deltaSpool) this.deltaSpool.put(line, kid, this.cur, small);
    else this.put(small ? this.small : this.big, line, kid, this.cur);
  }

  private put(sink: RowSink, line: number, kid: number, v: Float64Array): void {
    const at = sink.at;
    sink.column(0)[at] = line;
    sink.column(1)[at] = kid;
    for (let i = 0; i < NC; i++) sink.column(2 + i)[at] = v[i]!;
    sink.commit();
  }

  private fastLine(file: string, host: string, lineNo: number, f: FastLineData): void {
    const line = this.lineSeq++;
    const { st, prev } = this.state(host, f.runId, f.ts, line);
    const ports = new Set<number>();
    const cur = new Float64Array(NC);
    const { counters, ip: ips, port: portCol, cidr: kinds, n } = f;
    const { ipAt, kindAt, portAt, kidAt } = st;
    const spool = this.mode === "spool" ? this.deltaSpool : null;
    spool?.startLine(line, n);
    let seen = st.seen;
    let last = st.prev;
    let lastPort = -1;
    for (let i = 0; i < n; i++) {
      const port = portCol[i]!;
      const ip = ips[i]!;
      const kind = kinds[i]!;
      let kid: number;
      if (ipAt[i] === ip && kindAt[i] === kind && portAt[i] === port) kid = kidAt[i]!;
      else {
        kid = this.fastKid(keyCode(ip, kind, port), ip, kind & 1, port);
        ipAt[i] = ip;
        kindAt[i] = kind;
        portAt[i] = port;
        kidAt[i] = kid;
      }
      if (port !== lastPort && port >= 0) ports.add(port);
      lastPort = port;
      if (kid >= seen.length) {
        this.grow(st);
        seen = st.seen;
        last = st.prev;
      }
      if (spool) {
        // bucket()'s deltas for the spool, read from the line's columns and written to the spool's row at once.
        const o = kid * NC;
        const c = i * NC;
        let cont = seen[kid] === prev && prev >= 0;
        if (cont) for (let j = 0; j < NC; j++) if (counters[c + j]! < last[o + j]!) cont = false;
        spool.putDeltas(kid, counters, c, last, o, cont);
        seen[kid] = line;
        continue;
      }
      for (let j = 0; j < NC; j++) cur[j] = counters[i * NC + j]!;
      this.bucket(st, prev, line, kid, cur);
    }
    this.lines.push({
      line,
      file,
      lineNo,
      version: f.version,
      ts: f.ts,
      runId: f.runId,
      baseTs: f.baseTs,
      intervalSec: f.intervalSec,
      nb: n,
      ports: [...ports],
      host,
      prev,
    });
  }

  /** A line the scanner does not take: DuckDB types it and applies the row rule; the lenient reader names a bad one. */
  private async slowLine(file: string, host: string, lineNo: number, bytes: Buffer): Promise<void> {
    if (!isUtf8(bytes)) {
      this.skip(file, lineNo, "not valid UTF-8 text (DuckDB's JSON reader rejects it)");
      return;
    }
    const text = bytes.toString("utf8");
    let cat: Record<string, unknown> | undefined;
    try {
      await this.c.run(LEGACY_LINE_SQL, [text]);
      cat = (await this.c.runAndReadAll(LEGACY_LINE_CATALOG_SQL)).getRowObjectsJS()[0];
    } catch {
      cat = undefined;
    }
    if (cat?.valid !== true) {
      const rec = parseLegacyLine(text, file, lineNo);
      if (rec.kind === "status") return;
      this.skip(
        file,
        lineNo,
        rec.kind === "skip"
          ? rec.reason
          : "rejected by DuckDB's JSON reader (wrong member types or an invalid bucket)",
      );
      return;
    }
    for (const reason of (cat.bad_reasons as string[] | null) ?? []) {
      const m = this.badBuckets.get(file) ?? new Map<string, number>();
      this.badBuckets.set(file, m);
      m.set(reason, (m.get(reason) ?? 0) + 1);
    }
    const ts = Number(cat.ts);
    const runId = (cat.run_id as string | null) ?? null;
    const line = this.lineSeq++;
    const { st, prev } = this.state(host, runId, ts, line);
    const rows = (await this.c.runAndReadAll(LEGACY_LINE_BUCKETS_SQL)).getRowObjectsJS() as Record<
      string,
      unknown
    >[];
    const cur = new Float64Array(NC);
    for (const r of rows) {
      if (r.ip === null) {
        this.badAddress++;
        continue;
      }
      const ip = Number(r.ip);
      const cidr = r.key_type === "src_cidr24" ? 1 : 0;
      const port = r.dst_port as number | null;
      const src = r.src_ip as string | null;
      // The collector's spelling is the same key as the fast path's; any other spelling is its own key.
      const bySrc = r.key_value === null && src !== null && CANONICAL_IPV4.test(src);
      const byValue = r.key_value !== null && src === null;
      let kid: number;
      if (bySrc || byValue) {
        const p = port ?? -1;
        kid = this.fastKid(keyCode(ip, cidr | (byValue ? 2 : 0), p), ip, cidr, p);
      } else {
        const tk = `${r.key_type}|${src}|${r.key_value}|${port}`;
        let k = this.textKeys.get(tk);
        if (k === undefined) {
          k = this.newKey(ipv4Bytes(cidr ? ip - (ip % 256) : ip), cidr === 1, port ?? 0);
          this.textKeys.set(tk, k);
        }
        kid = k;
      }
      if (kid >= st.seen.length) this.grow(st);
      for (let j = 0; j < NC; j++) cur[j] = Number(r[FAST_COUNTERS[j]!]);
      this.bucket(st, prev, line, kid, cur);
    }
    this.lines.push({
      line,
      file,
      lineNo,
      version: Number(cat.version),
      ts,
      runId,
      baseTs: cat.base_ts === null ? null : Number(cat.base_ts),
      intervalSec: cat.interval_sec === null ? null : Number(cat.interval_sec),
      nb: Number(cat.nb),
      ports: ((cat.dst_ports as (number | null)[] | null) ?? []).filter(
        (p): p is number => typeof p === "number",
      ),
      host,
      prev,
    });
  }
}

/**
 * One number per key as the old reader told keys apart (key type, the address as written: text or key_value,
 * the port or none): ((ip * 2 + cidr) * 2 + byKeyValue) * 65537 + (port, or 65536 for none), below 2^51.
 */
function keyCode(ip: number, kind: number, port: number): number {
  return ((ip * 2 + (kind & 1)) * 2 + (kind >> 1)) * 65537 + (port < 0 ? 65536 : port);
}

function ipv4Bytes(ip: number): Uint8Array {
  return ipv4FromU32(ip).bytes;
}
