// Runs the WebAssembly bucket reader (packages/report/wasm/jsonl-buckets.c) for jsonl-line.ts: one instance per
// thread, its memory laid out as the template's literals, the output columns of one batch, then the bytes of
// the line being read (copied in once per line, from its `buckets` array to its end).
import { JSONL_BUCKETS_WASM } from "./jsonl-buckets-wasm.js";

/** The columns a batch is copied into, from index `at` (jsonl-line.ts FastLine). */
export interface BucketColumns {
  ip: Float64Array;
  port: Int32Array;
  cidr: Uint8Array;
  counters: Float64Array;
}

// The WebAssembly API as used here (the compiler's libraries for Node declare none of it).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * `IBSR_JSONL_TEMPLATE=0` turns the template off: the JavaScript reader then reads every bucket, with the same
 * results, about 1.7x slower (10.6 against 6.1 s on the bench's small JSONL day). A way to rule the template
 * out when a JSONL result looks wrong, and the benchmark's same-run baseline (the path before the template).
 */
export const TEMPLATE_ENV = "IBSR_JSONL_TEMPLATE";
/** False when turned off, or under `node --jitless` (no WebAssembly): the scanner reads every bucket itself. */
export const TEMPLATE_AVAILABLE = Wasm !== undefined && process.env[TEMPLATE_ENV] !== "0";

interface Exports {
  memory: WasmMemory;
  __heap_base: { value: number };
  set_literal(k: number, at: number, n: number): void;
  set_max_counter(m: number): void;
  stopped_at(): number;
  buckets(
    b: number,
    p: number,
    end: number,
    cap: number,
    ip: number,
    port: number,
    cidr: number,
    cnt: number,
  ): number;
}

/** Buckets per call: the output columns in the module's memory hold this many (about 1 MB). */
const BATCH = 16_384;
/** Bytes of the line in the module's memory at a time, and how near its end a read moves it on. */
const WINDOW = 4 * 2 ** 20;
const WINDOW_SLACK = 64 * 1024;
const PAGE = 65_536;
let compiled: object | null = null;

export class BucketTemplate {
  private readonly x: Exports;
  private readonly nc: number;
  private readonly ipAt: number;
  private readonly portAt: number;
  private readonly cntAt: number;
  private readonly cidrAt: number;
  private readonly lineAt: number;
  private ipOut!: Float64Array;
  private portOut!: Int32Array;
  private cntOut!: Float64Array;
  private cidrOut!: Uint8Array;
  private bytes: Uint8Array | undefined;
  /** After read(): the line offset just past the last bucket it read. */
  stop = 0;
  /** Offset in the line of the first byte copied in, and of the end. */
  private from = 0;
  private end = 0;

  /**
   * `literals`: the bytes around a bucket's values, in the order of the enum in jsonl-buckets.c; `nc` counters
   * per bucket, each at most `maxCounter`.
   */
  constructor(literals: readonly Uint8Array[], nc: number, maxCounter: number) {
    compiled ??= new Wasm!.Module(Buffer.from(JSONL_BUCKETS_WASM, "base64"));
    this.x = new Wasm!.Instance(compiled, {}).exports as Exports;
    this.nc = nc;
    let at = this.x.__heap_base.value;
    const litAt = at;
    this.ipAt = align8(litAt + literals.reduce((sum, l) => sum + l.length, 0));
    this.cntAt = this.ipAt + BATCH * 8;
    this.portAt = this.cntAt + BATCH * nc * 8;
    this.cidrAt = this.portAt + BATCH * 4;
    this.lineAt = align8(this.cidrAt + BATCH);
    this.grow(this.lineAt);
    literals.forEach((l, k) => {
      this.bytes!.set(l, at);
      this.x.set_literal(k, at, l.length);
      at += l.length;
    });
    this.x.set_max_counter(maxCounter);
  }

  /** Grows the memory to at least `bytes` (views of it are made again: growing detaches the old ones). */
  private grow(bytes: number): void {
    const mem = this.x.memory;
    if (bytes <= mem.buffer.byteLength && this.bytes?.buffer === mem.buffer) return;
    if (bytes > mem.buffer.byteLength) mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / PAGE));
    this.bytes = new Uint8Array(mem.buffer);
    this.ipOut = new Float64Array(mem.buffer, this.ipAt, BATCH);
    this.cntOut = new Float64Array(mem.buffer, this.cntAt, BATCH * this.nc);
    this.portOut = new Int32Array(mem.buffer, this.portAt, BATCH);
    this.cidrOut = new Uint8Array(mem.buffer, this.cidrAt, BATCH);
  }

  /**
   * The line whose buckets the following reads take, from offset `from` to `end`. Copied in a window at a time
   * (WINDOW bytes, moved on as reading nears its end): a line may be as long as MAX_OBJECT_SIZE, and the module's
   * memory never shrinks.
   */
  load(b: Uint8Array, from: number, end: number): void {
    this.line = b;
    this.lineEnd = end;
    this.window(from);
  }

  private line: Uint8Array = new Uint8Array(0);
  private lineEnd = 0;

  private window(from: number): void {
    const end = Math.min(this.lineEnd, from + WINDOW);
    this.grow(this.lineAt + (end - from));
    this.bytes!.set(this.line.subarray(from, end), this.lineAt);
    this.from = from;
    this.end = end;
  }

  /**
   * Reads buckets in the collector's layout from line offset `p` (inside the loaded range) into `out` from
   * index `at`, as many as follow one another with a bare comma and fit: how many (0 when the one at `p` is
   * not in the layout). `stop` is then the line offset just past the last one.
   */
  read(p: number, out: BucketColumns, at: number): number {
    // A bucket cut by the window's end is not in the layout as far as the module sees: move the window first.
    // (A bucket in the layout is a few hundred bytes; a cut one fails at its closing brace, never misread.)
    if (this.end < this.lineEnd && this.end - p < WINDOW_SLACK) this.window(p);
    const cap = Math.min(BATCH, out.ip.length - at);
    const n = this.x.buckets(
      this.lineAt,
      p - this.from,
      this.end - this.from,
      cap,
      this.ipAt,
      this.portAt,
      this.cidrAt,
      this.cntAt,
    );
    this.stop = this.x.stopped_at() + this.from;
    if (n === 0) return 0;
    out.ip.set(this.ipOut.subarray(0, n), at);
    out.port.set(this.portOut.subarray(0, n), at);
    out.cidr.set(this.cidrOut.subarray(0, n), at);
    out.counters.set(this.cntOut.subarray(0, n * this.nc), at * this.nc);
    return n;
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
