import assert from "node:assert/strict";
import { test } from "node:test";
import { BTF_KIND, BtfError, btfMapDefs, parseBtf } from "./btf.js";

/** Builds a .BTF blob: header, type records, string table. Types are numbered from 1 in order. */
class BtfBuilder {
  private strings = [""];
  private words: number[] = [];
  private str(s: string): number {
    if (!s) return 0;
    let off = 0;
    for (const x of this.strings) {
      if (x === s) return off;
      off += new TextEncoder().encode(x).length + 1;
    }
    this.strings.push(s);
    return off;
  }
  private type(name: string, kind: number, vlen: number, sizeOrType: number, extra: number[] = []): this {
    this.words.push(this.str(name), ((kind & 0x1f) << 24) | vlen, sizeOrType, ...extra);
    return this;
  }
  int(name: string, size: number) {
    return this.type(name, BTF_KIND.INT, 0, size, [size * 8]);
  }
  ptr(to: number) {
    return this.type("", BTF_KIND.PTR, 0, to);
  }
  array(elem: number, index: number, nelems: number) {
    return this.type("", BTF_KIND.ARRAY, 0, 0, [elem, index, nelems]);
  }
  typedef(name: string, to: number) {
    return this.type(name, BTF_KIND.TYPEDEF, 0, to);
  }
  struct(name: string, size: number, members: [string, number, number][]) {
    const extra = members.flatMap(([n, t, bits]) => [this.str(n), t, bits]);
    return this.type(name, BTF_KIND.STRUCT, members.length, size, extra);
  }
  variable(name: string, type: number) {
    return this.type(name, BTF_KIND.VAR, 0, type, [1]);
  }
  datasec(name: string, vars: [number, number, number][]) {
    return this.type(name, BTF_KIND.DATASEC, vars.length, 0, vars.flat());
  }
  raw(kind: number) {
    return this.type("", kind, 0, 0);
  }
  build(): Uint8Array {
    const types = new Uint8Array(new Uint32Array(this.words).buffer);
    const strs = new TextEncoder().encode(`${this.strings.join("\0")}\0`);
    const out = new Uint8Array(24 + types.length + strs.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xeb9f, true);
    dv.setUint8(2, 1);
    dv.setUint32(4, 24, true);
    dv.setUint32(8, 0, true);
    dv.setUint32(12, types.length, true);
    dv.setUint32(16, types.length, true);
    dv.setUint32(20, strs.length, true);
    out.set(types, 24);
    out.set(strs, 24 + types.length);
    return out;
  }
}

/** `struct { __uint(type, T); __uint(max_entries, N); __type(key, __u32); __type(value, struct v72); } name SEC(".maps")` */
function mapBlob(type: number, maxEntries: number, extraField?: string): Uint8Array {
  const b = new BtfBuilder()
    .int("int", 4) // 1
    .int("__ARRAY_SIZE_TYPE__", 4) // 2
    .array(1, 2, type) // 3
    .ptr(3) // 4
    .array(1, 2, maxEntries) // 5
    .ptr(5) // 6
    .typedef("__u32", 1) // 7
    .ptr(7) // 8
    .struct("v72", 72, []) // 9
    .ptr(9); // 10
  const members: [string, number, number][] = [
    ["type", 4, 0],
    ["max_entries", 6, 64],
    ["key", 8, 128],
    ["value", 10, 192],
  ];
  if (extraField) members.push([extraField, 6, 256]);
  return b
    .struct("", 32, members) // 11
    .variable("ibsr_flows", 11) // 12
    .datasec(".maps", [[12, 0, 32]]) // 13
    .build();
}

test("reads a BTF-defined map: type and max_entries from array lengths, key/value sizes through typedefs", () => {
  assert.deepEqual(btfMapDefs(parseBtf(mapBlob(9, 100000))), [
    {
      name: "ibsr_flows",
      offset: 0,
      type: 9,
      maxEntries: 100000,
      keySize: 4,
      valueSize: 72,
      otherFields: [],
    },
  ]);
});

test("fields other than type/key/value/max_entries/map_flags are listed", () => {
  assert.deepEqual(btfMapDefs(parseBtf(mapBlob(2, 1, "pinning")))[0]?.otherFields, ["pinning"]);
});

test("an object without .maps has no map definitions", () => {
  assert.deepEqual(btfMapDefs(parseBtf(new BtfBuilder().int("int", 4).build())), []);
});

test("refuses corrupt BTF with the reason", () => {
  const good = mapBlob(9, 1);
  const badMagic = new Uint8Array(good);
  badMagic[0] = 0;
  assert.throws(
    () => parseBtf(badMagic),
    (e: unknown) => e instanceof BtfError && /magic 0xeb00/.test(e.message),
  );
  assert.throws(() => parseBtf(new BtfBuilder().raw(30).build()), /unknown kind 30/);
  const truncated = new Uint8Array(good.subarray(0, 30));
  new DataView(truncated.buffer).setUint32(12, 6, true);
  new DataView(truncated.buffer).setUint32(16, 6, true);
  new DataView(truncated.buffer).setUint32(20, 0, true);
  assert.throws(() => parseBtf(truncated), /truncated/);
  assert.throws(() => parseBtf(good.subarray(0, 10)), /shorter than its header/);
});
