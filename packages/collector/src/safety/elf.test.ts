import assert from "node:assert/strict";
import { test } from "node:test";
import { ElfError, parseElf } from "./elf.js";

/** A minimal ELF64 LE header for machine BPF with an empty section table (shnum 1, shstrndx 0). */
function header(patch: (dv: DataView) => void = () => {}): Uint8Array {
  const bytes = new Uint8Array(128);
  const dv = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 1, true); // ET_REL
  dv.setUint16(18, 247, true); // EM_BPF
  dv.setBigUint64(40, 64n, true); // e_shoff
  dv.setUint16(58, 64, true); // e_shentsize
  dv.setUint16(60, 1, true); // e_shnum: the null section
  dv.setUint16(62, 0, true); // e_shstrndx
  patch(dv);
  return bytes;
}

test("reads a minimal BPF relocatable object", () => {
  const elf = parseElf(header());
  assert.equal(elf.sections.length, 1);
  assert.equal(elf.symbols.length, 0);
});

test("refuses what is not a little-endian 64-bit BPF relocatable object, saying which byte", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(10), /shorter than an ELF64 header/],
    [new TextEncoder().encode("#!/bin/sh\n".padEnd(80, " ")), /not an ELF file \(bad magic at byte 0\)/],
    [header((dv) => dv.setUint8(4, 1)), /ELF class 1 at byte 4: expected 2/],
    [header((dv) => dv.setUint8(5, 2)), /data encoding 2 at byte 5: expected 1 \(little-endian\)/],
    [header((dv) => dv.setUint16(18, 62, true)), /e_machine 62 at byte 18: expected 247 \(BPF\)/],
    [header((dv) => dv.setUint16(16, 2, true)), /e_type 2 at byte 16: expected 1/],
    [header((dv) => dv.setUint16(60, 50, true)), /section header table .* runs past the end/],
  ];
  for (const [bytes, message] of cases)
    assert.throws(
      () => parseElf(bytes),
      (e: unknown) => e instanceof ElfError && message.test(e.message),
    );
});

test("a section running past the end of the file is refused", () => {
  const bytes = header((dv) => {
    dv.setUint16(60, 1, true);
    dv.setUint32(64 + 4, 1, true); // type PROGBITS
    dv.setBigUint64(64 + 24, 100n, true); // offset
    dv.setBigUint64(64 + 32, 1000n, true); // size
  });
  assert.throws(() => parseElf(bytes), /section 0 \(offset 100, size 1000\) runs past the end/);
});
