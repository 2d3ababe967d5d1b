// A tiny BPF assembler for tests: builds instruction bytes the way clang would emit them, so rules
// can be tested on exact sequences (spills, joins, NULL checks) without a compiler.

export interface RawInsn {
  opcode: number;
  dst?: number;
  src?: number;
  off?: number;
  imm?: number;
  /** ld_imm64 only: the upper 32 bits (second slot's imm). */
  immHi?: number;
}

const SIZE = { w: 0x00, h: 0x08, b: 0x10, dw: 0x18 } as const;
export type Size = keyof typeof SIZE;

export const asm = {
  mov: (dst: number, imm: number): RawInsn => ({ opcode: 0xb7, dst, imm }),
  mov32: (dst: number, imm: number): RawInsn => ({ opcode: 0xb4, dst, imm }),
  movr: (dst: number, src: number): RawInsn => ({ opcode: 0xbf, dst, src }),
  add: (dst: number, imm: number): RawInsn => ({ opcode: 0x07, dst, imm }),
  addr: (dst: number, src: number): RawInsn => ({ opcode: 0x0f, dst, src }),
  and: (dst: number, imm: number): RawInsn => ({ opcode: 0x57, dst, imm }),
  ldx: (size: Size, dst: number, src: number, off: number): RawInsn => ({
    opcode: 0x61 | SIZE[size],
    dst,
    src,
    off,
  }),
  stx: (size: Size, dst: number, off: number, src: number): RawInsn => ({
    opcode: 0x63 | SIZE[size],
    dst,
    src,
    off,
  }),
  st: (size: Size, dst: number, off: number, imm: number): RawInsn => ({
    opcode: 0x62 | SIZE[size],
    dst,
    off,
    imm,
  }),
  xadd: (dst: number, off: number, src: number): RawInsn => ({ opcode: 0xdb, dst, src, off, imm: 0 }),
  jeq: (dst: number, imm: number, off: number): RawInsn => ({ opcode: 0x15, dst, off, imm }),
  jne: (dst: number, imm: number, off: number): RawInsn => ({ opcode: 0x55, dst, off, imm }),
  jgtr: (dst: number, src: number, off: number): RawInsn => ({ opcode: 0x2d, dst, src, off }),
  ja: (off: number): RawInsn => ({ opcode: 0x05, off }),
  call: (id: number, src = 0): RawInsn => ({ opcode: 0x85, src, imm: id }),
  exit: (): RawInsn => ({ opcode: 0x95 }),
  /** ld_imm64: two slots. src 0 = plain constant (or a map once relocated), 4 = BPF_PSEUDO_FUNC. */
  ld64: (dst: number, imm = 0, src = 0): RawInsn => ({ opcode: 0x18, dst, src, imm, immHi: 0 }),
};

/** Encodes instructions; an ld_imm64 takes two 8-byte slots. */
export function assemble(insns: RawInsn[]): Uint8Array {
  const slots = insns.reduce((n, i) => n + (i.opcode === 0x18 ? 2 : 1), 0);
  const out = new Uint8Array(slots * 8);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const i of insns) {
    dv.setUint8(at, i.opcode);
    dv.setUint8(at + 1, ((i.src ?? 0) << 4) | (i.dst ?? 0));
    dv.setInt16(at + 2, i.off ?? 0, true);
    dv.setInt32(at + 4, i.imm ?? 0, true);
    at += 8;
    if (i.opcode === 0x18) {
      dv.setInt32(at + 4, i.immHi ?? 0, true);
      at += 8;
    }
  }
  return out;
}
