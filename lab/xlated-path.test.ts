import assert from "node:assert/strict";
import { test } from "node:test";
import { countPath, type PathMap } from "./xlated-path.js";

// A hand-written program in bpftool's notation: frames of at least 14 bytes whose EtherType is IPv4 look up
// a one-entry array (inlined, as the kernel writes it), test a bit of its value, call a map lookup, and add
// to the returned element; anything else exits early.
const XLATED = `int prog(struct xdp_md * ctx):
; comment lines are skipped
   0: (79) r7 = *(u64 *)(r1 +8)
   1: (79) r8 = *(u64 *)(r1 +0)
   2: (bf) r2 = r8
   3: (07) r2 += 14
   4: (2d) if r2 > r7 goto pc+15
   5: (69) r3 = *(u16 *)(r8 +12)
   6: (dc) r3 = be16 r3
   7: (55) if r3 != 0x800 goto pc+12
   8: (18) r1 = map[id:7][0]+0
  10: (71) r4 = *(u8 *)(r1 +0)
  11: (57) r4 &= 2
  12: (15) if r4 == 0x0 goto pc+7
  13: (b7) r5 = 1
  14: (7b) *(u64 *)(r10 -8) = r5
  15: (85) call __htab_map_lookup_elem#1
  16: (15) if r0 == 0x0 goto pc+3
  17: (79) r6 = *(u64 *)(r10 -8)
  18: (db) lock *(u64 *)(r0 +8) += r6
  19: (05) goto pc+0
  20: (b7) r0 = 2
  21: (95) exit
`;

const maps = new Map<number, PathMap>([
  [7, { type: "array", values: Uint8Array.of(0b10, 0, 0, 0, 0, 0, 0, 0) }],
]);
const frame = (etherType: number, length = 60) => {
  const f = new Uint8Array(length);
  f[12] = etherType >> 8;
  f[13] = etherType & 0xff;
  return f;
};

test("counts the instructions a frame executes, following its branches", () => {
  // 0-8 (9, the 16-byte load counted once), 10-19 (10), 20-21 (2)
  assert.deepEqual(countPath(XLATED, frame(0x0800), maps), {
    insns: 21,
    loads: 5,
    stores: 1,
    atomics: 1,
    jumps: 5,
    calls: 1,
  });
  // not IPv4: 0-7, then 20-21
  assert.equal(countPath(XLATED, frame(0x86dd), maps).insns, 10);
  // shorter than 14 bytes: 0-4, then 20-21
  assert.equal(countPath(XLATED, frame(0x0800, 12), maps).insns, 7);
});

test("reads the array map's contents: a clear bit takes the early exit", () => {
  const clear = new Map<number, PathMap>([[7, { type: "array", values: new Uint8Array(8) }]]);
  // 0-8 (9), 10-12 (3), then 20-21
  assert.equal(countPath(XLATED, frame(0x0800), clear).insns, 14);
});

test("refuses what it cannot interpret instead of guessing", () => {
  assert.throws(() => countPath("   0: (00) r1 = frobnicate r2\n", frame(0x0800), maps), /not understood/);
  assert.throws(() => countPath("nothing here\n", frame(0x0800), maps), /no instructions/);
  assert.throws(() => countPath("   0: (05) goto pc-1\n", frame(0x0800), maps), /no exit/);
});

test("lookups: miss returns NULL from the lookup call and takes the not-found branch", () => {
  // 0-8 (9), 10-16 (7), then 20-21: the element's add is skipped
  assert.deepEqual(countPath(XLATED, frame(0x0800), maps, { lookups: "miss" }), {
    insns: 18,
    loads: 4,
    stores: 1,
    atomics: 0,
    jumps: 4,
    calls: 1,
  });
});
