// Instructions one frame executes in a loaded XDP program: a small interpreter over the kernel's translated
// instructions (`bpftool prog dump xlated`, after the verifier's rewrites, inlined map lookups and dead-code
// removal), run on the real frame and the real map contents. BPF_PROG_TEST_RUN's nanoseconds move by a few
// per cent with the shared machine's load; this count does not, so bench/bpf.ts reports it next to them as
// the steady measure of a change to the program's hot path. It counts the program's own instructions only:
// a kernel function it calls (the hash lookup, the clock) is one instruction here.
import { execFileSync } from "node:child_process";
import { mapInfoById, progInfo } from "../packages/collector/src/libbpf/index.js";

export interface PathCount {
  insns: number;
  loads: number;
  stores: number;
  /** locked read-modify-writes (atomic adds) */
  atomics: number;
  /** conditional and unconditional jumps */
  jumps: number;
  calls: number;
}

/** A map as the interpreter sees it: ARRAY maps with their values (every entry, in index order). */
export interface PathMap {
  type: "array" | "percpu_array" | "other";
  /** the array's entries, each padded to 8 bytes, concatenated */
  values?: Uint8Array;
}

// The kernel's inlined ARRAY lookup adds this to the map pointer to reach the first value (offsetof(struct
// bpf_array, value) on 64-bit kernels); a PERCPU_ARRAY holds a per-CPU pointer there instead.
const ARRAY_VALUE_OFFSET = 312;
const M64 = (1n << 64n) - 1n;

interface Ptr {
  region: string;
  off: number;
}
type Val = bigint | Ptr;
const isPtr = (v: Val): v is Ptr => typeof v !== "bigint";

/** Parses bpftool's text dump into instruction index -> text (comment lines dropped). */
function parse(xlated: string): Map<number, string> {
  const prog = new Map<number, string>();
  for (const line of xlated.split("\n")) {
    const m = /^\s*(\d+): \([0-9a-f]+\) (.*)$/.exec(line);
    if (m) prog.set(Number(m[1]), m[2]!.trim());
  }
  if (prog.size === 0) throw new Error("xlated-path: no instructions in the dump");
  return prog;
}

/**
 * Runs the program on `frame` and counts what it executes. Every hash-map lookup hits (returns an element of
 * zeros), so a frame on a monitored port follows the hot-key path; with `lookups: "miss"` each returns NULL
 * (the new-key insert path). Helper calls other than lookups return 0 (an insert succeeds).
 */
export function countPath(
  xlated: string,
  frame: Uint8Array,
  maps: ReadonlyMap<number, PathMap>,
  opts: { lookups?: "hit" | "miss" } = {},
): PathCount {
  const prog = parse(xlated);
  const mem = new Map<string, Uint8Array>([
    ["pkt", Uint8Array.from(frame)],
    ["stack", new Uint8Array(512)],
    ["elem", new Uint8Array(512)],
    ["percpu", new Uint8Array(4096)],
    ["ctx", new Uint8Array(16)],
  ]);
  const ptrs = new Map<string, Ptr>(); // 8-byte slots holding a pointer
  const slot = (p: Ptr) => `${p.region}:${p.off}`;
  ptrs.set("ctx:0", { region: "pkt", off: 0 });
  ptrs.set("ctx:8", { region: "pkt", off: frame.length });
  for (const [id, m] of maps) {
    const bytes = new Uint8Array(ARRAY_VALUE_OFFSET + Math.max(m.values?.length ?? 0, 64));
    if (m.values) bytes.set(m.values, ARRAY_VALUE_OFFSET);
    mem.set(`map${id}`, bytes);
    if (m.type === "percpu_array") ptrs.set(`map${id}:${ARRAY_VALUE_OFFSET}`, { region: "percpu", off: 0 });
  }
  const regionOf = (p: Ptr) => {
    const r = mem.get(p.region);
    if (!r) throw new Error(`xlated-path: no memory region ${p.region}`);
    return r;
  };
  const R: Val[] = Array.from({ length: 11 }, () => 0n);
  R[1] = { region: "ctx", off: 0 };
  R[10] = { region: "stack", off: 512 };
  const reg = (t: string) => Number(t.slice(1));
  const val = (t: string): Val => (t.startsWith("r") ? R[reg(t)]! : BigInt(t) & M64);
  const scalar = (v: Val, what: string): bigint => {
    if (isPtr(v)) throw new Error(`xlated-path: ${what} on a pointer`);
    return v;
  };
  const load = (p: Ptr, size: number): Val => {
    const held = ptrs.get(slot(p));
    if (held && size === 8) return held;
    const r = regionOf(p);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(r[p.off + i] ?? 0);
    return v;
  };
  const store = (p: Ptr, size: number, v: Val) => {
    ptrs.delete(slot(p));
    if (isPtr(v)) {
      ptrs.set(slot(p), v);
      return;
    }
    const r = regionOf(p);
    for (let i = 0; i < size; i++) r[p.off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  };
  const at = (base: Val, off: string): Ptr => {
    if (!isPtr(base)) throw new Error("xlated-path: memory access through a scalar");
    return { region: base.region, off: base.off + Number(off) };
  };
  const arith = (a: Val, op: string, b: Val): Val => {
    if (isPtr(a) && isPtr(b) && op === "-" && a.region === b.region) return BigInt(a.off - b.off) & M64;
    if (isPtr(a)) {
      const n = Number(BigInt.asIntN(64, scalar(b, "pointer arithmetic")));
      if (op === "+") return { region: a.region, off: a.off + n };
      if (op === "-") return { region: a.region, off: a.off - n };
      throw new Error(`xlated-path: ${op} on a pointer`);
    }
    if (isPtr(b)) {
      if (op !== "+") throw new Error(`xlated-path: ${op} with a pointer`);
      return { region: b.region, off: b.off + Number(a) };
    }
    switch (op) {
      case "+":
        return (a + b) & M64;
      case "-":
        return (a - b) & M64;
      case "*":
        return (a * b) & M64;
      case "&":
        return a & b;
      case "|":
        return a | b;
      case "^":
        return a ^ b;
      case "<<":
        return (a << (b & 63n)) & M64;
      case ">>":
        return a >> (b & 63n);
      case "s>>":
        return BigInt.asUintN(64, BigInt.asIntN(64, a) >> (b & 63n));
      default:
        throw new Error(`xlated-path: operator ${op}`);
    }
  };
  const compare = (a: Val, op: string, b: Val): boolean => {
    let x: bigint;
    let y: bigint;
    if (isPtr(a) || isPtr(b)) {
      if (isPtr(a) && isPtr(b) && a.region === b.region) {
        x = BigInt(a.off);
        y = BigInt(b.off);
      } else if (op === "==" || op === "!=") {
        return op === "!="; // a pointer is never null here
      } else throw new Error(`xlated-path: ${op} between a pointer and a scalar`);
    } else {
      x = a;
      y = b;
    }
    if (op.startsWith("s")) {
      x = BigInt.asIntN(64, x);
      y = BigInt.asIntN(64, y);
      op = op.slice(1);
    }
    switch (op) {
      case "==":
        return x === y;
      case "!=":
        return x !== y;
      case ">":
        return x > y;
      case ">=":
        return x >= y;
      case "<":
        return x < y;
      case "<=":
        return x <= y;
      case "&":
        return (x & y) !== 0n;
      default:
        throw new Error(`xlated-path: comparison ${op}`);
    }
  };
  const count: PathCount = { insns: 0, loads: 0, stores: 0, atomics: 0, jumps: 0, calls: 0 };
  let pc = 0;
  let next = 0;
  // One rule per instruction form bpftool prints; each sets the registers and, for jumps, `next`.
  const rules: Array<[RegExp, (m: RegExpExecArray) => void]> = [
    [
      /^r(\d+) = map\[id:(\d+)\]\[0\]\+(\d+)$/,
      (m) => {
        R[Number(m[1])] = { region: `map${m[2]}`, off: ARRAY_VALUE_OFFSET + Number(m[3]) };
        next = pc + 2; // a 16-byte instruction
      },
    ],
    [
      /^r(\d+) = map\[id:(\d+)\]$/,
      (m) => {
        R[Number(m[1])] = { region: `map${m[2]}`, off: 0 };
        next = pc + 2;
      },
    ],
    [
      /^r(\d+) = \*\(u(\d+) \*\)\((r\d+) ([+-]\d+)\)$/,
      (m) => {
        count.loads++;
        R[Number(m[1])] = load(at(val(m[3]!), m[4]!), Number(m[2]) / 8);
      },
    ],
    [
      /^\*\(u(\d+) \*\)\((r\d+) ([+-]\d+)\) = (\S+)$/,
      (m) => {
        count.stores++;
        store(at(val(m[2]!), m[3]!), Number(m[1]) / 8, val(m[4]!));
      },
    ],
    [
      /^lock \*\(u(\d+) \*\)\((r\d+) ([+-]\d+)\) \+= (r\d+)$/,
      (m) => {
        count.atomics++;
        const p = at(val(m[2]!), m[3]!);
        const size = Number(m[1]) / 8;
        store(p, size, arith(scalar(load(p, size), "atomic add"), "+", val(m[4]!)));
      },
    ],
    [
      /^r(\d+) = (be|le)(\d+) r\d+$/,
      (m) => {
        const bytes = Number(m[3]) / 8;
        const v = scalar(R[Number(m[1])]!, "byte swap") & ((1n << BigInt(8 * bytes)) - 1n);
        let out = v;
        if (m[2] === "be") {
          out = 0n;
          for (let i = 0; i < bytes; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
        }
        R[Number(m[1])] = out;
      },
    ],
    [
      /^r(\d+) = (\S+)$/,
      (m) => {
        R[Number(m[1])] = val(m[2]!);
      },
    ],
    [
      /^r(\d+) (s>>|<<|>>|[-+&|^*])= (\S+)$/,
      (m) => {
        R[Number(m[1])] = arith(R[Number(m[1])]!, m[2]!, val(m[3]!));
      },
    ],
    [
      /^if (r\d+) (\S+) (\S+) goto pc([+-]\d+)$/,
      (m) => {
        count.jumps++;
        if (compare(val(m[1]!), m[2]!, val(m[3]!))) next = pc + 1 + Number(m[4]);
      },
    ],
    [
      /^goto pc([+-]\d+)$/,
      (m) => {
        count.jumps++;
        next = pc + 1 + Number(m[1]);
      },
    ],
    [
      /^call (\S+?)#/,
      (m) => {
        count.calls++;
        R[0] = m[1]!.includes("lookup") && opts.lookups !== "miss" ? { region: "elem", off: 0 } : 0n;
        for (let i = 1; i <= 5; i++) R[i] = 0n;
      },
    ],
  ];
  for (let guard = 0; guard < 100_000; guard++) {
    const ins = prog.get(pc);
    if (ins === undefined) throw new Error(`xlated-path: no instruction ${pc}`);
    count.insns++;
    if (ins === "exit") return count;
    next = pc + 1;
    const rule = rules.find(([re]) => re.test(ins));
    if (!rule) throw new Error(`xlated-path: instruction ${pc} not understood: ${ins}`);
    rule[1](rule[0].exec(ins)!);
    pc = next;
  }
  throw new Error("xlated-path: no exit within 100 000 instructions");
}

/** countPath on a loaded program: its translated instructions and its ARRAY maps' contents, via bpftool. */
export function countLoadedPath(
  progFd: number,
  frame: Uint8Array,
  opts: { lookups?: "hit" | "miss" } = {},
): PathCount {
  const info = progInfo(progFd);
  const xlated = execFileSync("bpftool", ["prog", "dump", "xlated", "id", String(info.id)], {
    encoding: "utf8",
  });
  const maps = new Map<number, PathMap>();
  for (const id of info.mapIds) {
    const m = mapInfoById(id);
    // BPF_MAP_TYPE_ARRAY (2), BPF_MAP_TYPE_PERCPU_ARRAY (6)
    const type = m?.type === 2 ? "array" : m?.type === 6 ? "percpu_array" : "other";
    if (type !== "array") {
      maps.set(id, { type });
      continue;
    }
    const dump = JSON.parse(
      execFileSync("bpftool", ["-j", "map", "dump", "id", String(id)], { encoding: "utf8" }),
    ) as Array<{ value: string[] }>;
    const words = dump.map((e) => {
      const b = Uint8Array.from(e.value.map((x) => Number.parseInt(x, 16)));
      const padded = new Uint8Array(Math.ceil(b.length / 8) * 8);
      padded.set(b);
      return padded;
    });
    const values = new Uint8Array(words.reduce((s, w) => s + w.length, 0));
    let o = 0;
    for (const w of words) {
      values.set(w, o);
      o += w.length;
    }
    maps.set(id, { type, values });
  }
  return countPath(xlated, frame, maps, opts);
}
