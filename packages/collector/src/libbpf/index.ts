// Typed wrappers over the raw libbpf bindings: the API the rest of the collector uses. Every failing
// call throws a LibbpfError naming the operation, the subject, the errno name and a hint; nothing
// here returns a negative number for the caller to forget to check.
import koffi from "koffi";
import { BPF, type LibbpfBindings, libbpf, OPTS_LAYOUT } from "./bindings.js";
import { LibbpfError, type LibbpfOp } from "./errors.js";

export { BPF } from "./bindings.js";
export { errnoName, LibbpfError, type LibbpfOp } from "./errors.js";

export type XdpMode = "native" | "generic" | "auto";
export type LibbpfLogLevel = "warn" | "info" | "debug";
export type LibbpfLogger = (level: LibbpfLogLevel, message: string) => void;

type Bytes = Buffer | Uint8Array;

/** What a failed call quotes of libbpf's log: the lines since `since`, and how many go into the message. */
interface LogWindow {
  since: number;
  tail: number;
}

function check(op: LibbpfOp, rc: number, subject: string, log?: LogWindow): number {
  if (rc < 0) throw libbpfError(op, -rc, subject, log);
  return rc;
}

function checkPtr(op: LibbpfOp, p: bigint | null, subject: string, log?: LogWindow): bigint {
  if (p === null || p === 0n) {
    const e = koffi.errno();
    throw libbpfError(op, e === 0 ? 22 /* EINVAL */ : e, subject, log);
  }
  return p;
}

function libbpfError(op: LibbpfOp, errno: number, subject: string, log?: LogWindow): LibbpfError {
  if (!log) return new LibbpfError(op, errno, subject);
  const messages = logSince(log.since);
  const tail = messages.slice(-log.tail).join("\n");
  // One message can be many lines (the kernel verifier log arrives as one): the data is one entry per line.
  const lines = messages.flatMap((m) => m.split("\n"));
  return new LibbpfError(op, errno, subject, tail ? `libbpf said:\n${tail}` : undefined, lines);
}

// ---------------------------------------------------------------------------------------------
// libbpf's log: one callback for the process, kept alive forever (koffi must not free it while
// libbpf holds the pointer). Lines are kept in a small ring so a failed load can quote the tail
// of the verifier log in its error even when nobody asked for verbose output.

const LEVELS: LibbpfLogLevel[] = ["warn", "info", "debug"];
const recentLog: string[] = [];
const RECENT_MAX = 200;
/** Number of lines ever pushed to recentLog: marks where an operation's own messages start. */
let logSeq = 0;
let userLogger: LibbpfLogger | null = null;
let printInstalled = false;

function installPrint(b: LibbpfBindings): void {
  if (printInstalled) return;
  printInstalled = true;
  // One message can be a whole kernel verifier log; its last lines carry the reason, so the buffer must
  // hold all of it (a va_list can be formatted only once). Pages are only touched as far as they are used.
  const buf = Buffer.alloc(1 << 20);
  const cb = koffi.register((level: number, fmt: bigint, ap: bigint): number => {
    const n = b.vsnprintf(buf, buf.length, fmt, ap);
    const text = buf.toString("utf8", 0, Math.max(0, Math.min(n, buf.length - 1))).replace(/\n$/, "");
    const lvl = LEVELS[level] ?? "debug";
    if (lvl !== "debug") {
      recentLog.push(text);
      logSeq++;
      if (recentLog.length > RECENT_MAX) recentLog.shift();
    }
    userLogger?.(lvl, text);
    return 0;
  }, koffi.pointer(b.printFnType));
  b.libbpf_set_print(cb);
}

/**
 * Routes libbpf's messages (including the kernel verifier log on a failed load) to `logger`;
 * `null` keeps them quiet (they are still remembered for error messages). Default: quiet.
 */
export function setLibbpfLogger(logger: LibbpfLogger | null): void {
  userLogger = logger;
  installPrint(libbpf());
}

/** The messages libbpf printed since `since` (a logSeq value taken before the call), as far as the ring holds them. */
function logSince(since: number): string[] {
  const fresh = Math.min(recentLog.length, logSeq - since);
  return recentLog.slice(recentLog.length - fresh);
}

// ---------------------------------------------------------------------------------------------

export function libbpfVersion(): string {
  return libbpf().libbpf_version_string();
}

/** Number of possible CPUs: the multiplier for per-CPU map values. */
export function numPossibleCpus(): number {
  return check("info", libbpf().libbpf_num_possible_cpus(), "libbpf_num_possible_cpus");
}

/** Opens a BPF ELF from memory: the exact bytes the safety verifier checked are what gets loaded. */
export function openObjectMem(bytes: Buffer, name: string): BpfObject {
  const b = libbpf();
  installPrint(b);
  const L = OPTS_LAYOUT.bpf_object_open_opts;
  const opts = Buffer.alloc(L.size);
  const nameBuf = Buffer.from(`${name}\0`, "utf8");
  opts.writeBigUInt64LE(BigInt(L.size), 0);
  opts.writeBigUInt64LE(koffi.address(nameBuf), L.object_name);
  const since = logSeq;
  const ptr = checkPtr("open", b.bpf_object__open_mem(bytes, bytes.length, opts), `BPF object ${name}`, {
    since,
    tail: 10,
  });
  return new BpfObject(b, ptr, name, bytes);
}

export interface RodataVariable {
  offset: number;
  size: number;
}

export class BpfObject {
  readonly name: string;
  private ptr: bigint | null;
  private loadedFlag = false;
  private readonly maps = new Map<string, BpfMap>();
  private readonly progs = new Map<string, BpfProgram>();
  // Kept so the bytes outlive the libbpf object that parsed them.
  readonly bytes: Buffer;

  constructor(
    private readonly b: LibbpfBindings,
    ptr: bigint,
    name: string,
    bytes: Buffer,
  ) {
    this.ptr = ptr;
    this.name = name;
    this.bytes = bytes;
  }

  get loaded(): boolean {
    return this.loadedFlag;
  }

  private handle(): bigint {
    if (this.ptr === null) throw new Error(`BPF object ${this.name} is closed`);
    return this.ptr;
  }

  map(name: string): BpfMap {
    let m = this.maps.get(name);
    if (!m) {
      const p = this.b.bpf_object__find_map_by_name(this.handle(), name);
      if (p === null)
        throw new LibbpfError("find", 2, `map ${name} in ${this.name}`, "no such map in the object");
      m = new BpfMap(this.b, this, p);
      this.maps.set(name, m);
    }
    return m;
  }

  program(name: string): BpfProgram {
    let pr = this.progs.get(name);
    if (!pr) {
      const p = this.b.bpf_object__find_program_by_name(this.handle(), name);
      if (p === null)
        throw new LibbpfError("find", 2, `program ${name} in ${this.name}`, "no such program in the object");
      pr = new BpfProgram(this.b, this, p, name);
      this.progs.set(name, pr);
    }
    return pr;
  }

  /** Variables of the .rodata section (`const volatile` globals) with their offsets, from BTF. */
  rodataVariables(): Map<string, RodataVariable> {
    const b = this.b;
    const btf = b.bpf_object__btf(this.handle());
    const out = new Map<string, RodataVariable>();
    if (btf === null) return out;
    const secId = b.btf__find_by_name_kind(btf, ".rodata", BPF.BTF_KIND_DATASEC);
    if (secId < 0) return out;
    const secPtr = b.btf__type_by_id(btf, secId);
    if (secPtr === null) return out;
    // struct btf_type { u32 name_off; u32 info; u32 size; } then vlen x btf_var_secinfo { type, offset, size }
    const head = new DataView(koffi.view(secPtr, 12));
    const vlen = head.getUint32(4, true) & 0xffff;
    const infos = new DataView(koffi.view(secPtr, 12 + 12 * vlen));
    for (let i = 0; i < vlen; i++) {
      const at = 12 + 12 * i;
      const varId = infos.getUint32(at, true);
      const offset = infos.getUint32(at + 4, true);
      const size = infos.getUint32(at + 8, true);
      const varPtr = b.btf__type_by_id(btf, varId);
      if (varPtr === null) continue;
      const nameOff = new DataView(koffi.view(varPtr, 4)).getUint32(0, true);
      const name = b.btf__name_by_offset(btf, nameOff);
      if (name) out.set(name, { offset, size });
    }
    return out;
  }

  private rodataView(): { bytes: Uint8Array; vars: Map<string, RodataVariable> } {
    const rodata = this.map(".rodata");
    const sizeBuf = Buffer.alloc(8);
    const p = checkPtr(
      "set_rodata",
      this.b.bpf_map__initial_value(rodata.ptr, sizeBuf),
      `${this.name} .rodata`,
    );
    const size = Number(sizeBuf.readBigUInt64LE(0));
    return { bytes: new Uint8Array(koffi.view(p, size)), vars: this.rodataVariables() };
  }

  /** Reads a `const volatile` integer from .rodata (before or after load). */
  readRodata(variable: string): bigint {
    const { bytes, vars } = this.rodataView();
    const v = vars.get(variable);
    if (!v) throw new LibbpfError("set_rodata", 2, `${this.name} .rodata ${variable}`, "no such variable");
    return readUint(bytes, v.offset, v.size);
  }

  /**
   * Sets `const volatile` integers in .rodata before load (the verifier then sees them as
   * constants and prunes dead branches). Throws when loaded or when a name/size does not fit.
   */
  setRodata(values: Record<string, number | bigint>): void {
    if (this.loadedFlag)
      throw new LibbpfError("set_rodata", 16 /* EBUSY */, `${this.name} .rodata`, "object already loaded");
    const { bytes, vars } = this.rodataView();
    for (const [name, value] of Object.entries(values)) {
      const v = vars.get(name);
      if (!v) throw new LibbpfError("set_rodata", 2, `${this.name} .rodata ${name}`, "no such variable");
      writeUint(bytes, v.offset, v.size, BigInt(value));
    }
  }

  /** Writes a `const volatile` byte array in .rodata before load (length must match exactly). */
  setRodataBytes(variable: string, value: Uint8Array): void {
    if (this.loadedFlag)
      throw new LibbpfError("set_rodata", 16 /* EBUSY */, `${this.name} .rodata`, "object already loaded");
    const { bytes, vars } = this.rodataView();
    const v = vars.get(variable);
    if (!v) throw new LibbpfError("set_rodata", 2, `${this.name} .rodata ${variable}`, "no such variable");
    if (v.size !== value.length)
      throw new RangeError(`.rodata ${variable} is ${v.size} bytes, got ${value.length}`);
    bytes.set(value, v.offset);
  }

  load(): void {
    const since = logSeq;
    const rc = this.b.bpf_object__load(this.handle());
    check("load", rc, `BPF object ${this.name}`, { since, tail: 40 });
    this.loadedFlag = true;
  }

  /** Closes maps, programs and any links libbpf created; idempotent. */
  close(): void {
    if (this.ptr === null) return;
    this.b.bpf_object__close(this.ptr);
    this.ptr = null;
  }
}

function readUint(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

function writeUint(bytes: Uint8Array, offset: number, size: number, value: bigint): void {
  if (value < 0n || value >= 1n << BigInt(8 * size))
    throw new RangeError(`value ${value} does not fit in ${size} bytes`);
  let v = value;
  for (let i = 0; i < size; i++) {
    bytes[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Cursor for BpfMap.lookupBatch: create one per full pass over the map. */
export class BatchCursor {
  readonly inBatch = Buffer.alloc(8);
  readonly outBatch = Buffer.alloc(8);
  started = false;
  done = false;
}

export class BpfMap {
  readonly name: string;
  private readonly count = new Uint32Array(1);

  constructor(
    private readonly b: LibbpfBindings,
    private readonly obj: BpfObject,
    readonly ptr: bigint,
  ) {
    this.name = b.bpf_map__name(ptr);
  }

  /** The map's fd; valid only after load. */
  get fd(): number {
    const fd = this.b.bpf_map__fd(this.ptr);
    if (fd < 0) throw new LibbpfError("find", -fd, `map ${this.name}`, "no fd: the object is not loaded yet");
    return fd;
  }
  get type(): number {
    return this.b.bpf_map__type(this.ptr);
  }
  get keySize(): number {
    return this.b.bpf_map__key_size(this.ptr);
  }
  get valueSize(): number {
    return this.b.bpf_map__value_size(this.ptr);
  }
  get maxEntries(): number {
    return this.b.bpf_map__max_entries(this.ptr);
  }

  /** Before load only. */
  setMaxEntries(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff)
      throw new RangeError(`map ${this.name}: max_entries must be an integer >= 1, got ${n}`);
    check("set_max_entries", this.b.bpf_map__set_max_entries(this.ptr, n), `map ${this.name} (${n} entries)`);
  }

  /** Before load only; for a map declared with a key size, not a BTF key type (the kernel checks a BTF
   * key type against the size). */
  setKeySize(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > 512)
      throw new RangeError(`map ${this.name}: key size must be an integer 1..512, got ${n}`);
    check("set_key_size", this.b.bpf_map__set_key_size(this.ptr, n), `map ${this.name} (${n}-byte key)`);
  }

  /** flags: BPF.BPF_ANY | BPF_NOEXIST | BPF_EXIST. */
  update(key: Bytes, value: Bytes, flags: number = BPF.BPF_ANY): void {
    this.checkSizes(key, value, 1);
    check("map_update", this.b.bpf_map_update_elem(this.fd, key, value, flags), `map ${this.name}`);
  }

  /**
   * Copies the value of `key` into `out`; false when absent. For per-CPU maps `out` must hold
   * perCpuSlotSize(valueSize) bytes per possible CPU.
   */
  lookup(key: Bytes, out: Bytes): boolean {
    this.checkSizes(key, out, 1);
    const rc = this.b.bpf_map_lookup_elem(this.fd, key, out);
    if (rc === -2) return false;
    check("map_lookup", rc, `map ${this.name}`);
    return true;
  }

  /**
   * One step of a batched read (bpf_map_lookup_batch): fills up to `maxCount` keys/values from
   * where `cursor` stopped and returns how many rows it wrote; `cursor.done` turns true after the
   * last chunk (which may still carry rows). Use maxCount >= 1024 for hash maps (a bucket larger
   * than maxCount gives ENOSPC).
   */
  lookupBatch(cursor: BatchCursor, keys: Bytes, values: Bytes, maxCount: number): number {
    if (cursor.done) return 0;
    if (keys.byteLength < maxCount * this.keySize || values.byteLength < maxCount * this.valueSize)
      throw new RangeError(`map ${this.name}: batch buffers too small for ${maxCount} rows`);
    this.count[0] = maxCount;
    const rc = this.b.bpf_map_lookup_batch(
      this.fd,
      cursor.started ? cursor.inBatch : null,
      cursor.outBatch,
      keys,
      values,
      this.count,
      null,
    );
    const n = this.count[0] ?? 0;
    if (rc === -2 /* ENOENT: end of map, possibly with rows */) {
      cursor.done = true;
      return n;
    }
    check("map_batch", rc, `map ${this.name}`);
    cursor.outBatch.copy(cursor.inBatch);
    cursor.started = true;
    return n;
  }

  private checkSizes(key: Bytes, value: Bytes, minCount: number): void {
    if (key.byteLength < this.keySize)
      throw new RangeError(`map ${this.name}: key buffer ${key.byteLength} B < key size ${this.keySize}`);
    if (value.byteLength < this.valueSize * minCount)
      throw new RangeError(
        `map ${this.name}: value buffer ${value.byteLength} B < value size ${this.valueSize}`,
      );
  }

  /** The owning object (for diagnostics). */
  get object(): BpfObject {
    return this.obj;
  }
}

export class BpfProgram {
  constructor(
    private readonly b: LibbpfBindings,
    private readonly obj: BpfObject,
    readonly ptr: bigint,
    readonly name: string,
  ) {}

  /** The program's fd; valid only after load. */
  get fd(): number {
    const fd = this.b.bpf_program__fd(this.ptr);
    if (fd < 0)
      throw new LibbpfError("find", -fd, `program ${this.name}`, "no fd: the object is not loaded yet");
    return fd;
  }

  /**
   * Attaches through a bpf_link (never netlink): the kernel detaches it when the link fd closes,
   * including when the process dies, so a crash cannot leave the program on the interface.
   * native = XDP_FLAGS_DRV_MODE, generic = XDP_FLAGS_SKB_MODE, auto = libbpf picks (driver if able).
   */
  attachXdp(ifindex: number, mode: XdpMode): BpfLink {
    const subject = `program ${this.name} on ifindex ${ifindex} (${mode} mode)`;
    const since = logSeq;
    if (mode === "auto") {
      const link = checkPtr("attach", this.b.bpf_program__attach_xdp(this.ptr, ifindex), subject, {
        since,
        tail: 5,
      });
      return new BpfLink(this.b, { link }, ifindex, mode);
    }
    const L = OPTS_LAYOUT.bpf_link_create_opts;
    const opts = Buffer.alloc(L.size);
    opts.writeBigUInt64LE(BigInt(L.size), 0);
    opts.writeUInt32LE(mode === "native" ? BPF.XDP_FLAGS_DRV_MODE : BPF.XDP_FLAGS_SKB_MODE, L.flags);
    const fd = check("attach", this.b.bpf_link_create(this.fd, ifindex, BPF.BPF_XDP, opts), subject, {
      since,
      tail: 5,
    });
    return new BpfLink(this.b, { fd }, ifindex, mode);
  }

  get object(): BpfObject {
    return this.obj;
  }
}

export class BpfLink {
  private state: { link: bigint } | { fd: number } | null;
  constructor(
    private readonly b: LibbpfBindings,
    state: { link: bigint } | { fd: number },
    readonly ifindex: number,
    readonly mode: XdpMode,
  ) {
    this.state = state;
  }

  get fd(): number {
    if (!this.state) return -1;
    return "fd" in this.state ? this.state.fd : this.b.bpf_link__fd(this.state.link);
  }

  /** Detaches the program; idempotent. */
  destroy(): void {
    const s = this.state;
    if (!s) return;
    this.state = null;
    if ("fd" in s) this.b.close(s.fd);
    else this.b.bpf_link__destroy(s.link);
  }
}

// ---------------------------------------------------------------------------------------------
// BPF_PROG_TEST_RUN

export interface TestRunOptions {
  data: Uint8Array;
  /** runs of the program over the same frame (kernel loop); default 1 */
  repeat?: number;
  /** pin the calling thread to this CPU for the call (XDP test runs reject BPF_F_TEST_RUN_ON_CPU with EINVAL) */
  cpu?: number;
}

export interface TestRunResult {
  /** the XDP action the program returned */
  retval: number;
  /** kernel-measured mean ns per run */
  durationNs: number;
  /** the frame after the program ran (XDP test runs copy it back) */
  dataOut: Buffer;
}

const affinitySize = 128; // bytes: 1024 CPUs, glibc's cpu_set_t

function withCpu<T>(b: LibbpfBindings, cpu: number | undefined, fn: () => T): T {
  if (cpu === undefined) return fn();
  const saved = Buffer.alloc(affinitySize);
  if (b.sched_getaffinity(0, affinitySize, saved) < 0)
    throw new LibbpfError("test_run", koffi.errno(), `sched_getaffinity`);
  const mask = Buffer.alloc(affinitySize);
  mask[cpu >> 3] = 1 << (cpu & 7);
  if (b.sched_setaffinity(0, affinitySize, mask) < 0)
    throw new LibbpfError("test_run", koffi.errno(), `sched_setaffinity(cpu ${cpu})`);
  try {
    return fn();
  } finally {
    b.sched_setaffinity(0, affinitySize, saved);
  }
}

/** Pins the calling thread (a worker thread, usually) to one CPU for the rest of its life. */
export function pinThreadToCpu(cpu: number): void {
  const b = libbpf();
  const mask = Buffer.alloc(affinitySize);
  mask[cpu >> 3] = 1 << (cpu & 7);
  if (b.sched_setaffinity(0, affinitySize, mask) < 0)
    throw new LibbpfError("test_run", koffi.errno(), `sched_setaffinity(cpu ${cpu})`);
}

/** Runs the program on `data` in the kernel (BPF_PROG_TEST_RUN) without any interface. */
export function testRun(progFd: number, opts: TestRunOptions): TestRunResult {
  const b = libbpf();
  const L = OPTS_LAYOUT.bpf_test_run_opts;
  const dataIn = Buffer.from(opts.data.buffer, opts.data.byteOffset, opts.data.byteLength);
  const dataOut = Buffer.alloc(dataIn.length + 256);
  const o = Buffer.alloc(L.size);
  o.writeBigUInt64LE(BigInt(L.size), 0);
  o.writeBigUInt64LE(koffi.address(dataIn), L.data_in);
  o.writeBigUInt64LE(koffi.address(dataOut), L.data_out);
  o.writeUInt32LE(dataIn.length, L.data_size_in);
  o.writeUInt32LE(dataOut.length, L.data_size_out);
  o.writeUInt32LE(opts.repeat ?? 1, L.repeat);
  const rc = withCpu(b, opts.cpu, () => b.bpf_prog_test_run_opts(progFd, o));
  check("test_run", rc, `program fd ${progFd} (${dataIn.length}-byte frame)`);
  // Keep the input alive until after the call (koffi.address does not hold a reference).
  void dataIn.length;
  return {
    retval: o.readUInt32LE(L.retval),
    durationNs: o.readUInt32LE(L.duration),
    dataOut: dataOut.subarray(0, o.readUInt32LE(L.data_size_out)),
  };
}

// ---------------------------------------------------------------------------------------------
// bpf_obj_get_info_by_fd

export interface ProgInfo {
  type: number;
  id: number;
  name: string;
  tag: string;
  gplCompatible: boolean;
  mapIds: number[];
  /** the program as the kernel verified and rewrote it (8-byte instructions) */
  xlatedInsns: Buffer;
  jitedLen: number;
  verifiedInsns: number;
  btfId: number;
  loadTimeNs: bigint;
  runTimeNs: bigint;
  runCnt: bigint;
}

export function progInfo(fd: number): ProgInfo {
  const b = libbpf();
  const L = OPTS_LAYOUT.bpf_prog_info;
  const first = Buffer.alloc(L.size);
  const len = new Uint32Array([L.size]);
  check("info", b.bpf_obj_get_info_by_fd(fd, first, len), `program fd ${fd}`);
  const nrMaps = first.readUInt32LE(L.nr_map_ids);
  const xlatedLen = first.readUInt32LE(L.xlated_prog_len);
  // Second call with buffers sized by the first, asking only for map ids and xlated insns.
  const info = Buffer.alloc(L.size);
  const mapIds = Buffer.alloc(Math.max(4, nrMaps * 4));
  const xlated = Buffer.alloc(Math.max(8, xlatedLen));
  info.writeUInt32LE(nrMaps, L.nr_map_ids);
  info.writeBigUInt64LE(koffi.address(mapIds), L.map_ids);
  info.writeUInt32LE(xlatedLen, L.xlated_prog_len);
  info.writeBigUInt64LE(koffi.address(xlated), L.xlated_prog_insns);
  len[0] = L.size;
  check("info", b.bpf_obj_get_info_by_fd(fd, info, len), `program fd ${fd}`);
  const ids: number[] = [];
  for (let i = 0; i < Math.min(nrMaps, info.readUInt32LE(L.nr_map_ids)); i++)
    ids.push(mapIds.readUInt32LE(i * 4));
  const gplWord = info.readUInt32LE(L.ifindex + 4);
  return {
    type: info.readUInt32LE(L.type),
    id: info.readUInt32LE(L.id),
    name: cString(info, L.name, 16),
    tag: info.subarray(L.tag, L.tag + 8).toString("hex"),
    gplCompatible: (gplWord & 1) === 1,
    mapIds: ids,
    xlatedInsns: xlated.subarray(0, Math.min(xlatedLen, info.readUInt32LE(L.xlated_prog_len))),
    jitedLen: info.readUInt32LE(L.jited_prog_len),
    verifiedInsns: info.readUInt32LE(L.verified_insns),
    btfId: info.readUInt32LE(L.btf_id),
    loadTimeNs: info.readBigUInt64LE(L.load_time),
    runTimeNs: info.readBigUInt64LE(L.run_time_ns),
    runCnt: info.readBigUInt64LE(L.run_cnt),
  };
}

export interface MapInfo {
  type: number;
  id: number;
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  btfId: number;
}

export function mapInfo(fd: number): MapInfo {
  const b = libbpf();
  const L = OPTS_LAYOUT.bpf_map_info;
  const info = Buffer.alloc(L.size);
  const len = new Uint32Array([L.size]);
  check("info", b.bpf_obj_get_info_by_fd(fd, info, len), `map fd ${fd}`);
  return {
    type: info.readUInt32LE(L.type),
    id: info.readUInt32LE(L.id),
    name: cString(info, L.name, 16),
    keySize: info.readUInt32LE(L.key_size),
    valueSize: info.readUInt32LE(L.value_size),
    maxEntries: info.readUInt32LE(L.max_entries),
    flags: info.readUInt32LE(L.map_flags),
    btfId: info.readUInt32LE(L.btf_id),
  };
}

function cString(buf: Buffer, offset: number, max: number): string {
  const s = buf.subarray(offset, offset + max);
  const z = s.indexOf(0);
  return s.toString("utf8", 0, z < 0 ? max : z);
}

/** Info for an object id through a short-lived fd; null when the id vanished meanwhile (ENOENT). */
function infoById<T>(
  id: number,
  what: string,
  getFd: (id: number) => number,
  info: (fd: number) => T,
): T | null {
  const fd = getFd(id);
  if (fd === -2) return null;
  check("get_fd_by_id", fd, `${what} id ${id}`);
  try {
    return info(fd);
  } finally {
    libbpf().close(fd);
  }
}

/** Info for a program id (e.g. the one xdpQuery found); null when it vanished meanwhile. */
export function progInfoById(id: number): ProgInfo | null {
  return infoById(id, "program", (i) => libbpf().bpf_prog_get_fd_by_id(i), progInfo);
}

/**
 * A map another process loaded (a running collector's flow maps, for the deploy measurements), opened by
 * id: needs CAP_SYS_ADMIN. Close it when done.
 */
export class MapById {
  readonly fd: number;
  constructor(readonly id: number) {
    this.fd = check("get_fd_by_id", libbpf().bpf_map_get_fd_by_id(id), `map id ${id}`);
  }

  /** bpf_map_update_elem; false (not an error) when `flags` is BPF_NOEXIST and the key exists. */
  update(key: Bytes, value: Bytes, flags: number = BPF.BPF_ANY): boolean {
    const rc = libbpf().bpf_map_update_elem(this.fd, key, value, flags);
    if (rc === -17 /* EEXIST */ && flags === BPF.BPF_NOEXIST) return false;
    check("map_update", rc, `map id ${this.id}`);
    return true;
  }

  close(): void {
    libbpf().close(this.fd);
  }
}

/** Info for a map id; null when it vanished meanwhile. */
export function mapInfoById(id: number): MapInfo | null {
  return infoById(id, "map", (i) => libbpf().bpf_map_get_fd_by_id(i), mapInfo);
}

// ---------------------------------------------------------------------------------------------
// Which XDP program holds an interface

export interface XdpQueryResult {
  attachMode: "none" | "native" | "generic" | "offload" | "multi";
  /** the single attached program's id (0 for none/multi) */
  progId: number;
  drvProgId: number;
  skbProgId: number;
  hwProgId: number;
}

export function xdpQuery(ifindex: number): XdpQueryResult {
  const b = libbpf();
  const L = OPTS_LAYOUT.bpf_xdp_query_opts;
  const o = Buffer.alloc(L.size);
  o.writeBigUInt64LE(BigInt(L.size), 0);
  check("xdp_query", b.bpf_xdp_query(ifindex, 0, o), `ifindex ${ifindex}`);
  const modes = ["none", "native", "generic", "offload", "multi"] as const;
  return {
    attachMode: modes[o.readUInt8(L.attach_mode)] ?? "multi",
    progId: o.readUInt32LE(L.prog_id),
    drvProgId: o.readUInt32LE(L.drv_prog_id),
    skbProgId: o.readUInt32LE(L.skb_prog_id),
    hwProgId: o.readUInt32LE(L.hw_prog_id),
  };
}

/** Ids of every XDP program attached to the interface (any mode), without duplicates. */
export function progIdsOfInterface(ifindex: number): number[] {
  const q = xdpQuery(ifindex);
  return [...new Set([q.progId, q.drvProgId, q.skbProgId, q.hwProgId].filter((id) => id !== 0))];
}
