import assert from "node:assert/strict";
import { test } from "node:test";
import { asm, assemble } from "./asm.js";
import { decodeInsns, disassemble, helperName, InsnDecodeError } from "./insn.js";

test("decodes 8-byte instructions and 16-byte ld_imm64 with slot indices", () => {
  const code = assemble([asm.mov(0, 2), { opcode: 0x18, dst: 1, imm: 0x5678, immHi: 0x1234 }, asm.exit()]);
  const insns = decodeInsns(code);
  assert.deepEqual(
    insns.map((i) => [i.index, i.slots]),
    [
      [0, 1],
      [1, 2],
      [3, 1],
    ],
  );
  assert.equal(insns[1]!.imm64, 0x0000123400005678n);
});

test("rejects code that is not whole instructions", () => {
  assert.throws(() => decodeInsns(new Uint8Array(12)), InsnDecodeError);
  assert.throws(() => decodeInsns(assemble([asm.ld64(1)]).subarray(0, 8)), /missing its second half/);
});

test("disassembles in llvm-objdump's syntax", () => {
  const cases: [Parameters<typeof assemble>[0][number], string][] = [
    [asm.mov(0, 2), "r0 = 2"],
    [asm.mov32(0, 1), "w0 = 1"],
    [asm.movr(6, 0), "r6 = r0"],
    [asm.add(2, -8), "r2 += -8"],
    [asm.ldx("w", 7, 1, 0), "r7 = *(u32 *)(r1 + 0)"],
    [asm.stx("dw", 10, -16, 6), "*(u64 *)(r10 - 16) = r6"],
    [asm.st("b", 2, 3, 255), "*(u8 *)(r2 + 3) = 255"],
    [asm.xadd(0, 48, 1), "lock *(u64 *)(r0 + 48) += r1"],
    [asm.jeq(6, 0, 3), "if r6 == 0 goto +3"],
    [asm.jgtr(1, 8, -2), "if r1 > r8 goto -2"],
    [asm.ja(5), "goto +5"],
    [asm.call(23), "call bpf_redirect#23"],
    [asm.call(4, 1), "call pc+4 (BPF-to-BPF)"],
    [asm.exit(), "exit"],
    [{ opcode: 0xdc, dst: 1, imm: 16 }, "r1 = be16 r1"],
  ];
  for (const [raw, text] of cases) assert.equal(disassemble(decodeInsns(assemble([raw]))[0]!), text);
});

test("names helpers by ID", () => {
  assert.equal(helperName(1), "bpf_map_lookup_elem");
  assert.equal(helperName(51), "bpf_redirect_map");
  assert.equal(helperName(190), "bpf_xdp_store_bytes");
  assert.equal(helperName(100000), "unknown helper");
});
