// The fast path for one reference JSONL line: a byte scanner that reads the shape the reference collector
// writes (integers, dotted-quad src_ip, known key types) straight into reusable columns, with no JSON.parse and
// no object per bucket. It accepts only lines on which every reading agrees: anything else (a fraction, a
// string counter, null, an escape, a non-ASCII byte, a duplicate member, a missing member, a value out of
// range) returns false, and the caller reads that line the slow way (DuckDB's typing and the row rule, then
// the lenient reader for the reason). So the fast path never decides a line differently from the slow one.
// Buckets in the collector's own layout are read by a WebAssembly template (jsonl-buckets.ts), which stops at
// the first bucket that differs in any byte; this file reads that one.
import { BucketTemplate, TEMPLATE_AVAILABLE } from "./jsonl-buckets.js";
import { LEGACY_MAX_VERSION, LEGACY_MIN_VERSION } from "./legacy-jsonl.js";
import { MAX_COUNTER } from "./queries/row-rules.js";

/** The six counters of a bucket, in the order they are stored per bucket in `FastLine.counters`. */
export const FAST_COUNTERS = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;
const NC = FAST_COUNTERS.length;

/** One line read by the scanner: the header, and `n` buckets in the columns. */
export interface FastLineData {
  version: number;
  ts: number;
  runId: string | null;
  baseTs: number | null;
  intervalSec: number | null;
  n: number;
  ip: Float64Array;
  port: Int32Array;
  cidr: Uint8Array;
  counters: Float64Array;
}

/** The bucket columns of a line, as they go between threads. */
export type FastColumns = Pick<FastLineData, "ip" | "port" | "cidr" | "counters">;

/** The header and buckets of one line; the bucket columns are reused from line to line (grown as needed). */
export class FastLine implements FastLineData {
  version = 0;
  ts = 0;
  /** run_id as text (the digits of a number), or null when absent or null. */
  runId: string | null = null;
  baseTs: number | null = null;
  intervalSec: number | null = null;
  /** Buckets in this line. */
  n = 0;
  /** IPv4 address as an unsigned 32-bit number, as written (src_cidr24 is masked where the key is made). */
  ip: Float64Array = new Float64Array(1024);
  /** -1: no dst_port (any port). */
  port: Int32Array = new Int32Array(1024);
  /** Bit 0: src_cidr24 (else src_ip); bit 1: the address was given as key_value (else src_ip text). */
  cidr: Uint8Array = new Uint8Array(1024);
  /** NC counters per bucket. */
  counters: Float64Array = new Float64Array(1024 * NC);

  /**
   * The line with its own columns (at least n buckets; to transfer to another thread), this object taking
   * `spare` (columns handed back by that thread, or new ones) for the next line: no copy, and no allocation
   * once columns go round (a day's lines allocated and freed 1 GB of columns, much of the main thread's GC).
   */
  handOff(spare: FastColumns | undefined): FastLineData {
    const out: FastLineData = {
      version: this.version,
      ts: this.ts,
      runId: this.runId,
      baseTs: this.baseTs,
      intervalSec: this.intervalSec,
      n: this.n,
      ip: this.ip,
      port: this.port,
      cidr: this.cidr,
      counters: this.counters,
    };
    const cols = spare ?? {
      ip: new Float64Array(this.ip.length),
      port: new Int32Array(this.ip.length),
      cidr: new Uint8Array(this.ip.length),
      counters: new Float64Array(this.ip.length * NC),
    };
    this.ip = cols.ip;
    this.port = cols.port;
    this.cidr = cols.cidr;
    this.counters = cols.counters;
    return out;
  }

  grow(): void {
    const cap = this.ip.length * 2;
    const ip = new Float64Array(cap);
    ip.set(this.ip);
    const port = new Int32Array(cap);
    port.set(this.port);
    const cidr = new Uint8Array(cap);
    cidr.set(this.cidr);
    const counters = new Float64Array(cap * NC);
    counters.set(this.counters);
    this.ip = ip;
    this.port = port;
    this.cidr = cidr;
    this.counters = counters;
  }
}

const Q = 0x22; // "
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const BACKSLASH = 0x5c;

function keyBytes(s: string): Uint8Array {
  return Buffer.from(s, "latin1");
}

// Top-level members read; bit positions double as the "seen" mask.
const TOP = ["version", "ts_unix_sec", "run_id", "base_ts_unix_sec", "interval_sec", "buckets"].map(keyBytes);
const T_VERSION = 0;
const T_TS = 1;
const T_RUN = 2;
const T_BASE = 3;
const T_INTERVAL = 4;
const T_BUCKETS = 5;
// Bucket members: key_type, src_ip, dst_port, then the counters, and key_value (v3: the address as a number).
const BUCKET = ["key_type", "src_ip", "dst_port", ...FAST_COUNTERS, "key_value"].map(keyBytes);
const B_TYPE = 0;
const B_SRC = 1;
const B_PORT = 2;
const B_C0 = 3;
const B_KEY_VALUE = 3 + NC;
/** key_type and the counters; then exactly one of src_ip and key_value; dst_port is optional. */
const BUCKET_REQUIRED = (1 << B_TYPE) | (((1 << NC) - 1) << B_C0);
const SRC_IP = keyBytes("src_ip");
const SRC_CIDR24 = keyBytes("src_cidr24");

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Scanner state: one line, one position; every read returns false (or -1) for "not the fast shape". */
class Scan {
  pos = 0;
  constructor(
    readonly b: Uint8Array,
    public end: number,
  ) {}

  ws(): void {
    const b = this.b;
    while (this.pos < this.end && isWs(b[this.pos]!)) this.pos++;
  }

  /** Consumes `c` after optional whitespace. */
  eat(c: number): boolean {
    this.ws();
    if (this.pos < this.end && this.b[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** A member name (no escapes) matched against `names`: its index, -2 for another name, -1 for not the shape. */
  key(names: readonly Uint8Array[], hint: number): number {
    const start = this.str();
    if (start < 0) return -1;
    const b = this.b;
    const len = this.pos - 1 - start;
    if (!this.eat(COLON)) return -1;
    // Members usually come in the collector's order: try the one after the last first.
    if (hint < names.length && sameBytes(b, start, len, names[hint]!)) return hint;
    outer: for (let i = 0; i < names.length; i++) {
      const k = names[i]!;
      if (k.length !== len) continue;
      for (let j = 0; j < len; j++) if (b[start + j] !== k[j]) continue outer;
      return i;
    }
    return -2;
  }

  /** A non-negative integer written plainly (no sign, fraction, exponent or leading zero), at most MAX_COUNTER. */
  uint(): number {
    this.ws();
    const p = tplUint(this.b, this.pos, this.end);
    if (p < 0) return -1;
    this.pos = p;
    return TPL.v;
  }

  /** `null` literal. */
  isNull(): boolean {
    this.ws();
    const b = this.b;
    const p = this.pos;
    if (p + 4 <= this.end && b[p] === 0x6e && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c) {
      this.pos = p + 4;
      return true;
    }
    return false;
  }

  /** A plain ASCII string (no escapes): [start, end) of its content, or -1. */
  str(): number {
    if (!this.eat(Q)) return -1;
    const b = this.b;
    const start = this.pos;
    while (this.pos < this.end && b[this.pos] !== Q) {
      const c = b[this.pos]!;
      if (c === BACKSLASH || c >= 0x80 || c < 0x20) return -1;
      this.pos++;
    }
    if (this.pos >= this.end) return -1;
    this.pos++;
    return start;
  }

  /** Strict dotted-quad IPv4 text (as the lenient reader takes it: no leading zeros) -> u32, or -1. */
  ipv4(): number {
    const start = this.str();
    if (start < 0) return -1;
    // The string holds no quote, so the address must end exactly at its closing one.
    return tplIpv4(this.b, start, this.end) === this.pos - 1 ? TPL.v : -1;
  }

  /** Skips any JSON value of a member that is not read; false for anything unusual (escapes stay allowed). */
  skip(): boolean {
    this.ws();
    const b = this.b;
    let depth = 0;
    for (;;) {
      if (this.pos >= this.end) return false;
      const c = b[this.pos]!;
      if (c === Q) {
        this.pos++;
        while (this.pos < this.end && b[this.pos] !== Q) {
          const d = b[this.pos]!;
          // Non-ASCII text goes the slow way: DuckDB rejects a line that is not valid UTF-8.
          if (d >= 0x80 || d < 0x20) return false;
          this.pos += d === BACKSLASH ? 2 : 1;
        }
        if (this.pos >= this.end) return false;
        this.pos++;
      } else if (c === LBRACE || c === LBRACK) {
        depth++;
        this.pos++;
      } else if (c === RBRACE || c === RBRACK) {
        if (depth === 0) return false;
        depth--;
        this.pos++;
      } else if (c === COMMA || c === COLON || isWs(c)) {
        if (depth === 0) return false;
        this.pos++;
      } else if (
        (c >= 0x30 && c <= 0x39) ||
        c === 0x2d ||
        c === 0x2b ||
        c === 0x2e ||
        c === 0x65 ||
        c === 0x45
      ) {
        this.pos++;
      } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
        // true, false, null: letters of those words only
        while (this.pos < this.end && b[this.pos]! >= 0x61 && b[this.pos]! <= 0x7a) this.pos++;
      } else return false;
      if (depth === 0) {
        this.ws();
        const n = this.pos < this.end ? b[this.pos]! : -1;
        if (n === COMMA || n === RBRACE || n === RBRACK) return true;
        if (c === Q || c === RBRACE || c === RBRACK) return false;
      }
    }
  }
}

function sameBytes(b: Uint8Array, start: number, len: number, w: Uint8Array): boolean {
  if (len !== w.length) return false;
  for (let j = 0; j < len; j++) if (b[start + j] !== w[j]) return false;
  return true;
}

/**
 * The exact bytes the reference collector writes around a bucket's values (no whitespace, its member order),
 * in the order jsonl-buckets.c numbers them: its bucket reader takes the buckets written this way.
 */
const TEMPLATE_LITERALS = [
  keyBytes('{"key_type":"'),
  SRC_IP,
  SRC_CIDR24,
  keyBytes('","src_ip":"'),
  keyBytes('","dst_port":'),
  ...FAST_COUNTERS.map((c) => keyBytes(`,"${c}":`)),
];
let template: BucketTemplate | null = null;

/**
 * A plain integer at p (the rules of Scan.uint: digits only, no leading zero, at most 16 digits and
 * MAX_COUNTER, not followed by a fraction or exponent): the value in TPL.v and its end, or -1. Flat (no
 * scanner object): jsonl-buckets.c follows the same rules.
 */
function tplUint(b: Uint8Array, p: number, end: number): number {
  const start = p;
  let v = 0;
  let c = 0;
  while (p < end) {
    c = b[p]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    p++;
  }
  const digits = p - start;
  if (digits === 0 || digits > 16 || (digits > 1 && b[start] === 0x30)) return -1;
  if (p < end && (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2d || c === 0x2b)) return -1;
  if (v > MAX_COUNTER) return -1;
  TPL.v = v;
  return p;
}

/** The value read by the last tplUint/tplIpv4. */
const TPL = { v: 0 };

/** Strict dotted-quad text from p up to the closing quote (the rules of Scan.ipv4): u32 in TPL.v, returns the quote's position. */
function tplIpv4(b: Uint8Array, p: number, end: number): number {
  let v = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (p >= end || b[p] !== 0x2e) return -1;
      p++;
    }
    const s = p;
    let o = 0;
    while (p < end) {
      const c = b[p]!;
      if (c < 0x30 || c > 0x39) break;
      o = o * 10 + (c - 0x30);
      p++;
    }
    const d = p - s;
    if (d === 0 || d > 3 || (d > 1 && b[s] === 0x30) || o > 255) return -1;
    v = v * 256 + o;
  }
  if (p >= end || b[p] !== Q) return -1;
  TPL.v = v;
  return p;
}

/**
 * The next member's name: its index in `names` when it is to be read, -2 when it was another member (its value
 * skipped), -1 when the line is not the fast shape (including a member seen before).
 */
function member(s: Scan, names: readonly Uint8Array[], hint: number, seen: number): number {
  const k = s.key(names, hint);
  if (k === -2) return s.skip() ? -2 : -1;
  if (k === -1 || seen & (1 << k)) return -1;
  return k;
}

/** One bucket in any member order and spacing (the template reader took those in the collector's layout). */
function bucket(s: Scan, out: FastLine, i: number): boolean {
  if (!s.eat(LBRACE)) return false;
  let seen = 0;
  let cidr = 0;
  let ip = -1;
  let port = -1;
  let hint = 0;
  const base = i * NC;
  if (s.eat(RBRACE)) return false;
  do {
    const k = member(s, BUCKET, hint, seen);
    if (k === -1) return false;
    if (k === -2) continue;
    hint = k + 1;
    seen |= 1 << k;
    if (k === B_TYPE) {
      const st = s.str();
      if (st < 0) return false;
      const len = s.pos - 1 - st;
      if (sameBytes(s.b, st, len, SRC_IP)) cidr = 0;
      else if (sameBytes(s.b, st, len, SRC_CIDR24)) cidr = 1;
      else return false;
    } else if (k === B_SRC) {
      ip = s.ipv4();
      if (ip < 0) return false;
    } else if (k === B_KEY_VALUE) {
      ip = s.uint();
      if (ip < 0 || ip > 0xffffffff) return false;
    } else if (k === B_PORT) {
      port = s.uint();
      if (port < 0 || port > 65535) return false;
    } else {
      const v = s.uint();
      if (v < 0) return false;
      out.counters[base + k - B_C0] = v;
    }
  } while (s.eat(COMMA));
  if (!s.eat(RBRACE) || (seen & BUCKET_REQUIRED) !== BUCKET_REQUIRED) return false;
  const bySrc = (seen >> B_SRC) & 1;
  const byValue = (seen >> B_KEY_VALUE) & 1;
  if (bySrc + byValue !== 1) return false;
  out.ip[i] = ip;
  out.port[i] = port;
  out.cidr[i] = cidr | (byValue << 1);
  return true;
}

/**
 * Reads b[start, end) (one line, no newline) into `out`. True only for the fast shape: an object with
 * version (3-7), ts_unix_sec, buckets and optionally run_id, base_ts_unix_sec and interval_sec as plain
 * integers (run_id also a plain string), each bucket with key_type, src_ip (or key_value), optionally
 * dst_port, and the six counters; other members of any type are skipped.
 */
export function readFastLine(b: Uint8Array, start: number, end: number, out: FastLine): boolean {
  const s = new Scan(b, end);
  s.pos = start;
  if (!s.eat(LBRACE)) return false;
  let seen = 0;
  out.runId = null;
  out.baseTs = null;
  out.intervalSec = null;
  out.n = 0;
  if (s.eat(RBRACE)) return false;
  do {
    const k = member(s, TOP, 0, seen);
    if (k === -1) return false;
    if (k === -2) continue;
    seen |= 1 << k;
    switch (k) {
      case T_VERSION: {
        const v = s.uint();
        if (v < LEGACY_MIN_VERSION || v > LEGACY_MAX_VERSION) return false;
        out.version = v;
        break;
      }
      case T_TS: {
        const v = s.uint();
        if (v < 0) return false;
        out.ts = v;
        break;
      }
      case T_RUN: {
        if (s.isNull()) break;
        s.ws();
        if (s.b[s.pos] === Q) {
          const st = s.str();
          if (st < 0) return false;
          out.runId = Buffer.from(b.buffer, b.byteOffset + st, s.pos - 1 - st).toString("latin1");
        } else {
          const v = s.uint();
          if (v < 0) return false;
          out.runId = String(v);
        }
        break;
      }
      case T_BASE:
      case T_INTERVAL: {
        let v: number | null = null;
        if (!s.isNull()) {
          v = s.uint();
          if (v < 0) return false;
        }
        if (k === T_BASE) out.baseTs = v;
        else out.intervalSec = v;
        break;
      }
      case T_BUCKETS: {
        if (!s.eat(LBRACK)) return false;
        if (s.eat(RBRACK)) break;
        template ??= TEMPLATE_AVAILABLE ? new BucketTemplate(TEMPLATE_LITERALS, NC, MAX_COUNTER) : null;
        template?.load(b, s.pos, end);
        let i = 0;
        do {
          if (i >= out.ip.length) out.grow();
          // The buckets from here written in the collector's layout, then (n = 0) one written otherwise.
          const n = template?.read(s.pos, out, i) ?? 0;
          if (n > 0) {
            i += n;
            s.pos = template!.stop;
            continue;
          }
          if (!bucket(s, out, i)) return false;
          i++;
        } while (s.eat(COMMA));
        if (!s.eat(RBRACK)) return false;
        out.n = i;
        break;
      }
    }
  } while (s.eat(COMMA));
  if (!s.eat(RBRACE)) return false;
  s.ws();
  const required = (1 << T_VERSION) | (1 << T_TS) | (1 << T_BUCKETS);
  return s.pos === end && (seen & required) === required;
}
