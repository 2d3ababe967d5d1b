// BPF instruction decoding and a one-line disassembly in llvm-objdump's syntax, so a finding can
// quote the instruction it is about. Instructions are 8 bytes; ld_imm64 takes two slots.
import { HELPER_NAMES } from "./helper-names.js";

export const BPF_CLASS = { LD: 0, LDX: 1, ST: 2, STX: 3, ALU: 4, JMP: 5, JMP32: 6, ALU64: 7 } as const;
export const BPF_MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;
export const BPF_SIZE_BYTES = [4, 2, 1, 8] as const; // indexed by (opcode >> 3) & 3: W, H, B, DW
export const BPF_JMP_OP = {
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
} as const;
export const BPF_ALU_OP = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  MOV: 0xb0,
  ARSH: 0xc0,
  END: 0xd0,
} as const;
export const BPF_ATOMIC = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  FETCH: 0x01,
  XCHG: 0xe1,
  CMPXCHG: 0xf1,
} as const;
/** src_reg values of a `call`: helper, BPF-to-BPF (pseudo call), kernel function. */
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;
/** src_reg value of an ld_imm64 loading the address of a BPF function (a callback). */
export const BPF_PSEUDO_FUNC = 4;

export interface Insn {
  /** Slot index (8-byte units) within its section, as llvm-objdump numbers them. */
  index: number;
  opcode: number;
  cls: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** ld_imm64 only: the full 64-bit immediate (low imm + next slot's imm << 32). */
  imm64?: bigint;
  /** 2 for ld_imm64, else 1. */
  slots: number;
}

export class InsnDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InsnDecodeError";
  }
}

export function decodeInsns(code: Uint8Array): Insn[] {
  if (code.length % 8 !== 0) throw new InsnDecodeError(`code is ${code.length} bytes, not a multiple of 8`);
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const out: Insn[] = [];
  const n = code.length / 8;
  for (let i = 0; i < n; ) {
    const at = i * 8;
    const opcode = dv.getUint8(at);
    const regs = dv.getUint8(at + 1);
    const insn: Insn = {
      index: i,
      opcode,
      cls: opcode & 7,
      dst: regs & 0xf,
      src: regs >> 4,
      off: dv.getInt16(at + 2, true),
      imm: dv.getInt32(at + 4, true),
      slots: 1,
    };
    if (opcode === 0x18) {
      if (i + 1 >= n) throw new InsnDecodeError(`ld_imm64 at insn ${i} is missing its second half`);
      const hi = dv.getInt32(at + 12, true);
      insn.imm64 = (BigInt(hi) << 32n) | BigInt(insn.imm >>> 0);
      insn.slots = 2;
    }
    out.push(insn);
    i += insn.slots;
  }
  return out;
}

export function helperName(id: number): string {
  const name = HELPER_NAMES[id];
  return name ? `bpf_${name}` : `unknown helper`;
}

const SIZE_NAME = ["u32", "u16", "u8", "u64"] as const;
const ALU_SYM: Record<number, string> = {
  0: "+=",
  16: "-=",
  32: "*=",
  48: "/=",
  64: "|=",
  80: "&=",
  96: "<<=",
  112: ">>=",
  144: "%=",
  160: "^=",
  176: "=",
  192: "s>>=",
};
const JMP_SYM: Record<number, string> = {
  16: "==",
  32: ">",
  48: ">=",
  64: "&",
  80: "!=",
  96: "s>",
  112: "s>=",
  160: "<",
  176: "<=",
  192: "s<",
  208: "s<=",
};
const ATOMIC_SYM: Record<number, string> = { 0: "+=", 64: "|=", 80: "&=", 160: "^=" };

function memRef(size: string, reg: number, off: number): string {
  return `*(${size} *)(r${reg} ${off < 0 ? "-" : "+"} ${Math.abs(off)})`;
}

/** One instruction in llvm-objdump's syntax, e.g. `r0 = 2`, `*(u64 *)(r10 - 8) = r1`, `call bpf_redirect#23`. */
export function disassemble(insn: Insn): string {
  const { cls, opcode, dst, src, off, imm } = insn;
  const size = SIZE_NAME[(opcode >> 3) & 3] ?? "?";
  const mode = opcode & 0xe0;
  switch (cls) {
    case BPF_CLASS.LD:
      if (opcode === 0x18) {
        const v = insn.imm64 ?? 0n;
        return src === 0 ? `r${dst} = ${v} ll` : `r${dst} = ${v} ll (pseudo src ${src})`;
      }
      if (mode === BPF_MODE.ABS) return `r0 = ld_abs ${size} [${imm}]`;
      if (mode === BPF_MODE.IND) return `r0 = ld_ind ${size} [r${src} + ${imm}]`;
      break;
    case BPF_CLASS.LDX:
      if (mode === BPF_MODE.MEM) return `r${dst} = ${memRef(size, src, off)}`;
      if (mode === BPF_MODE.MEMSX) return `r${dst} = ${memRef(`s${size.slice(1)}`, src, off)}`;
      break;
    case BPF_CLASS.ST:
      if (mode === BPF_MODE.MEM) return `${memRef(size, dst, off)} = ${imm}`;
      break;
    case BPF_CLASS.STX:
      if (mode === BPF_MODE.MEM) return `${memRef(size, dst, off)} = r${src}`;
      if (mode === BPF_MODE.ATOMIC) {
        const ref = memRef(size, dst, off);
        const reg = size === "u64" ? `r${src}` : `w${src}`;
        if (imm === BPF_ATOMIC.XCHG) return `${reg} = xchg(${ref}, ${reg})`;
        if (imm === BPF_ATOMIC.CMPXCHG)
          return `${size === "u64" ? "r0" : "w0"} = cmpxchg(${ref}, ${size === "u64" ? "r0" : "w0"}, ${reg})`;
        const sym = ATOMIC_SYM[imm & ~BPF_ATOMIC.FETCH];
        if (sym === undefined) return `atomic(imm ${imm}) ${ref}, ${reg}`;
        if (imm & BPF_ATOMIC.FETCH) return `${reg} = atomic_fetch_${sym.slice(0, -1)}(${ref}, ${reg})`;
        return `lock ${ref} ${sym} ${reg}`;
      }
      break;
    case BPF_CLASS.ALU:
    case BPF_CLASS.ALU64: {
      const r = cls === BPF_CLASS.ALU64 ? "r" : "w";
      const op = opcode & 0xf0;
      const operand = opcode & 0x08 ? `${r}${src}` : String(imm);
      if (op === BPF_ALU_OP.NEG) return `${r}${dst} = -${r}${dst}`;
      if (op === BPF_ALU_OP.END) {
        const kind = cls === BPF_CLASS.ALU64 ? "bswap" : opcode & 0x08 ? "be" : "le";
        return `r${dst} = ${kind}${imm} r${dst}`;
      }
      const sym = ALU_SYM[op];
      if (sym) return `${r}${dst} ${sym} ${operand}`;
      break;
    }
    case BPF_CLASS.JMP:
    case BPF_CLASS.JMP32: {
      const op = opcode & 0xf0;
      const r = cls === BPF_CLASS.JMP ? "r" : "w";
      if (op === BPF_JMP_OP.JA) {
        const o = cls === BPF_CLASS.JMP32 ? imm : off;
        return `goto ${o >= 0 ? "+" : ""}${o}`;
      }
      if (cls === BPF_CLASS.JMP && op === BPF_JMP_OP.EXIT) return "exit";
      if (cls === BPF_CLASS.JMP && op === BPF_JMP_OP.CALL) {
        if (src === BPF_PSEUDO_CALL) return `call pc${imm >= 0 ? "+" : ""}${imm} (BPF-to-BPF)`;
        if (src === BPF_PSEUDO_KFUNC_CALL) return `call kfunc btf_id ${imm}`;
        return `call ${helperName(imm)}#${imm}`;
      }
      const sym = JMP_SYM[op];
      const operand = opcode & 0x08 ? `${r}${src}` : String(imm);
      if (sym) return `if ${r}${dst} ${sym} ${operand} goto ${off >= 0 ? "+" : ""}${off}`;
      break;
    }
  }
  return `unknown opcode 0x${opcode.toString(16).padStart(2, "0")}`;
}
