// The streamed JSONL deltas of each line, in a binary file of the reporter's temp folder, read back one line at
// a time by the in-process heavy pass (jsonl-scan.ts). Handing 14 M rows to DuckDB's appender cost the main thread
// about 5 s of a day's stream, and scanning them there about 6 s more; written here they cost a copy each way.
// A row is the key number and the six deltas: u32 when every delta of the row fits (the usual case), else f64.
import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { FAST_COUNTERS } from "./jsonl-line.js";

const NC = FAST_COUNTERS.length;

/** Values per row: kid, then the deltas in FAST_COUNTERS order. */
export const SPOOL_ROW = 1 + FAST_COUNTERS.length;

/** Where one line's rows are in the file: the u32 rows, then the f64 rows right after them. */
interface LineRows {
  offset: number;
  narrow: number;
  wide: number;
}

/** One line's rows as read back (views valid until the next read). */
export interface SpooledLine {
  narrow: Uint32Array;
  wide: Float64Array;
}

export class DeltaSpool {
  private readonly fd: number;
  private pos = 0;
  private line = -1;
  private narrow = new Uint32Array(SPOOL_ROW * 16_384);
  private wide = new Float64Array(SPOOL_ROW * 64);
  private nNarrow = 0;
  private nWide = 0;
  private readonly at = new Map<number, LineRows>();
  /** putDeltas' deltas of the row at hand (for a wide row: `last` has taken the counters by then). */
  private readonly dv = new Float64Array(NC);
  private readBuf = new ArrayBuffer(1 << 20);
  rows = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, "w+", 0o600);
  }

  /** Appends one row of `line` (lines come one after another: a new line number ends the previous one). */
  put(line: number, kid: number, v: Float64Array, small: boolean): void {
    if (line !== this.line) this.endLine();
    this.line = line;
    this.rows++;
    if (small) {
      if ((this.nNarrow + 1) * SPOOL_ROW > this.narrow.length) this.narrow = grown(this.narrow);
      const o = this.nNarrow++ * SPOOL_ROW;
      this.narrow[o] = kid;
      for (let i = 1; i < SPOOL_ROW; i++) this.narrow[o + i] = v[i - 1]!;
    } else {
      if ((this.nWide + 1) * SPOOL_ROW > this.wide.length) this.wide = grown(this.wide);
      const o = this.nWide++ * SPOOL_ROW;
      this.wide[o] = kid;
      for (let i = 1; i < SPOOL_ROW; i++) this.wide[o + i] = v[i - 1]!;
    }
  }

  /** Starts `line` with room for `n` rows (then putDeltas). */
  startLine(line: number, n: number): void {
    if (line !== this.line) this.endLine();
    this.line = line;
    while ((this.nNarrow + n) * SPOOL_ROW > this.narrow.length) this.narrow = grown(this.narrow);
  }

  /**
   * put() of the deltas of counters[c, c + NC) against last[o, o + NC) (or the counters themselves when not
   * `cont`), none of them negative, in the line startLine began: nothing when all are zero; last[o, o + NC)
   * then takes the counters. The stream's hot path: no array in between, no check of the line or room per row.
   */
  putDeltas(
    kid: number,
    counters: Float64Array,
    c: number,
    last: Float64Array,
    o: number,
    cont: boolean,
  ): void {
    const r = this.nNarrow * SPOOL_ROW;
    const narrow = this.narrow;
    let any = 0;
    let big = false;
    const dv = this.dv;
    for (let i = 0; i < NC; i++) {
      const v = counters[c + i]!;
      const d = cont ? v - last[o + i]! : v;
      last[o + i] = v;
      if (d > 0xffffffff) big = true;
      // Staged in the next row either way; kept only when the row is nonzero and narrow.
      narrow[r + 1 + i] = d;
      dv[i] = d;
      any += d;
    }
    if (any === 0) return;
    this.rows++;
    if (!big) {
      narrow[r] = kid;
      this.nNarrow++;
      return;
    }
    if ((this.nWide + 1) * SPOOL_ROW > this.wide.length) this.wide = grown(this.wide);
    const w = this.nWide++ * SPOOL_ROW;
    this.wide[w] = kid;
    for (let i = 0; i < NC; i++) this.wide[w + 1 + i] = dv[i]!;
  }

  /** Writes the staged rows of the current line (called by put on a new line, and once at the end). */
  endLine(): void {
    if (this.line < 0 || this.nNarrow + this.nWide === 0) return;
    const nb = this.nNarrow * SPOOL_ROW * 4;
    const wb = this.nWide * SPOOL_ROW * 8;
    this.at.set(this.line, { offset: this.pos, narrow: this.nNarrow, wide: this.nWide });
    writeAll(this.fd, new Uint8Array(this.narrow.buffer, 0, nb), this.pos);
    writeAll(this.fd, new Uint8Array(this.wide.buffer, 0, wb), this.pos + nb);
    this.pos += nb + wb;
    this.nNarrow = 0;
    this.nWide = 0;
  }

  /** The rows of `line` (none: empty views). */
  read(line: number): SpooledLine {
    const r = this.at.get(line);
    if (!r) return { narrow: new Uint32Array(0), wide: new Float64Array(0) };
    const nb = r.narrow * SPOOL_ROW * 4;
    const wb = r.wide * SPOOL_ROW * 8;
    // The f64 rows start right after the u32 ones: read them at an 8-byte aligned place of the buffer.
    const wAt = Math.ceil(nb / 8) * 8;
    if (wAt + wb > this.readBuf.byteLength) this.readBuf = new ArrayBuffer(2 * (wAt + wb));
    readAll(this.fd, new Uint8Array(this.readBuf, 0, nb), r.offset);
    readAll(this.fd, new Uint8Array(this.readBuf, wAt, wb), r.offset + nb);
    return {
      narrow: new Uint32Array(this.readBuf, 0, r.narrow * SPOOL_ROW),
      wide: new Float64Array(this.readBuf, wAt, r.wide * SPOOL_ROW),
    };
  }

  /** Closes and removes the file. */
  dispose(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}

function grown<T extends Uint32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

function writeAll(fd: number, b: Uint8Array, pos: number): void {
  for (let done = 0; done < b.length; ) done += writeSync(fd, b, done, b.length - done, pos + done);
}

function readAll(fd: number, b: Uint8Array, pos: number): void {
  for (let done = 0; done < b.length; ) {
    const n = readSync(fd, b, done, b.length - done, pos + done);
    if (n === 0) throw new Error(`internal: the JSONL delta spool ended early at byte ${pos + done}`);
    done += n;
  }
}
